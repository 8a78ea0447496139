#!/usr/bin/env python3
"""Loro and Yrs (pycrdt) on the workload of `Tools/bench wire`.

Usage: peers.py WORKLOAD.json > RESULT.json

Reads the workload fieldsync-bench exported (one engineer's tickets as central created
them in the morning, then the ops the engineer's tablet made during the day, for every
engineer of a depot), replays it in each peer and writes one JSON object to standard
output: per peer, each engineer's incremental update (raw bytes as base64, so the bench
compresses them with the same libzstd as our frames), its size zstd'ed here with
python-zstandard at level 3 (a cross-check), and the export and merge timings. Progress
goes to standard error.

How a ticket is modelled in each peer (the same in both):

    doc root map "tickets": ticket id -> map
        "fields":      map   field name -> value (string)
        "timeline":    list  of maps {kind, at, [lat, lon, acc], [reason]}
        "notes":       list  of strings (the note text; no per-note time)
        "parts":       list  of maps {part, qty (thousandths, int), unit, loc};
                             a removal deletes the line's element
        "attachments": list  of maps {kind, sha256 (bytes), size, type, [caption],
                             [signer, signedAt, summary (bytes)]}

Hashes are stored as raw bytes (32 each), which both peers support. Empty captions are
left out. The morning state (tickets with their empty containers) is made by a "central"
peer and imported by the tablet; the tablet then takes its version (Loro: oplog version
vector; Yrs: state vector), makes the day's edits one transaction (commit) per op, and
exports the updates since that version: the day delta. Merge time is the import of that
update into a replica that holds the morning state.
"""

import base64
import json
import platform
import sys
import time
from importlib.metadata import version

import zstandard

CENTRAL_PEER = 1
NODE_PEER = 2
MIN_SECONDS = 0.5
RUNS = 3
ZSTD_LEVEL = 3


def progress(message):
    print(f"... {message}", file=sys.stderr, flush=True)


def timeline_entry(op):
    entry = {"kind": op["step"], "at": op["at"]}
    if "latitude" in op:
        entry["lat"] = op["latitude"]
        entry["lon"] = op["longitude"]
        if "accuracy" in op:
            entry["acc"] = op["accuracy"]
    if "reason" in op:
        entry["reason"] = op["reason"]
    return entry


def part_entry(op):
    return {"part": op["part"], "qty": op["quantity"], "unit": op["unit"], "loc": op["location"]}


def attachment_entry(op):
    entry = {
        "kind": op["attachment"],
        "sha256": bytes.fromhex(op["sha256"]),
        "size": op["size"],
        "type": op["mediaType"],
    }
    if op.get("caption"):
        entry["caption"] = op["caption"]
    if "signer" in op:
        entry["signer"] = op["signer"]
        entry["signedAt"] = op["signedAt"]
        entry["summary"] = bytes.fromhex(op["summarySHA256"])
    return entry


def content_floor(engineer):
    """The day's free text and hashes, concatenated in op order as the bench does."""
    out = bytearray()
    for op in engineer["ops"]:
        kind = op["kind"]
        if kind == "note":
            out += op["text"].encode()
        elif kind == "field":
            out += op["value"].encode()
        elif kind == "step" and "reason" in op:
            out += op["reason"].encode()
        elif kind == "attachment":
            out += op.get("caption", "").encode()
            out += op.get("signer", "").encode()
            out += bytes.fromhex(op["sha256"])
            if "summarySHA256" in op:
                out += bytes.fromhex(op["summarySHA256"])
    return bytes(out)


class DayReplay:
    """Applies one engineer's day ops to a peer's ticket containers, one op at a time."""

    def __init__(self, peer, doc):
        self.peer = peer
        self.doc = doc
        self.lines = {}  # ticket id -> line ids, in the order of the "parts" list

    def apply(self, op):
        ticket = op["ticket"]
        kind = op["kind"]
        p = self.peer
        with p.transaction(self.doc):
            if kind == "step":
                p.push_map(self.doc, ticket, "timeline", timeline_entry(op))
            elif kind == "note":
                p.push_value(self.doc, ticket, "notes", op["text"])
            elif kind == "field":
                p.set_field(self.doc, ticket, op["field"], op["value"])
            elif kind == "part":
                self.lines.setdefault(ticket, []).append(op["line"])
                p.push_map(self.doc, ticket, "parts", part_entry(op))
            elif kind == "unpart":
                lines = self.lines[ticket]
                index = lines.index(op["line"])
                del lines[index]
                p.delete(self.doc, ticket, "parts", index)
            elif kind == "attachment":
                p.push_map(self.doc, ticket, "attachments", attachment_entry(op))
            else:
                raise ValueError(f"unknown op kind {kind!r}")


class LoroPeer:
    name = "Loro"
    package = "loro"

    def __init__(self):
        import loro

        self.loro = loro

    def morning(self, engineer):
        lo = self.loro
        doc = lo.LoroDoc()
        doc.peer_id = CENTRAL_PEER
        tickets = doc.get_map("tickets")
        for t in engineer["tickets"]:
            tm = tickets.insert_container(t["id"], lo.LoroMap())
            fields = tm.insert_container("fields", lo.LoroMap())
            for name, value in sorted(t["fields"].items()):
                fields.insert(name, value)
            timeline = tm.insert_container("timeline", lo.LoroList())
            created = timeline.push_container(lo.LoroMap())
            created.insert("kind", "created")
            created.insert("at", t["at"])
            for name in ("notes", "parts", "attachments"):
                tm.insert_container(name, lo.LoroList())
            doc.commit()
        return doc.export(lo.ExportMode.Snapshot())

    def replica(self, blob, peer_id):
        doc = self.loro.LoroDoc()
        doc.peer_id = peer_id
        doc.import_(blob)
        return doc

    def version(self, doc):
        return doc.oplog_vv

    def update(self, doc, since):
        return doc.export(self.loro.ExportMode.Updates(since))

    def merge(self, doc, update):
        doc.import_(update)

    def state(self, doc):
        return doc.get_deep_value()

    class _Commit:
        def __init__(self, doc):
            self.doc = doc

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.doc.commit()
            return False

    def transaction(self, doc):
        return self._Commit(doc)

    def _container(self, doc, ticket, name):
        return doc.get_map("tickets").get(ticket).container.get(name).container

    def push_map(self, doc, ticket, name, entry):
        m = self._container(doc, ticket, name).push_container(self.loro.LoroMap())
        for key, value in entry.items():
            m.insert(key, value)

    def push_value(self, doc, ticket, name, value):
        self._container(doc, ticket, name).push(value)

    def set_field(self, doc, ticket, field, value):
        self._container(doc, ticket, "fields").insert(field, value)

    def delete(self, doc, ticket, name, index):
        self._container(doc, ticket, name).delete(index, 1)


class YrsPeer:
    name = "Yrs"
    package = "pycrdt"

    def __init__(self):
        import pycrdt

        self.y = pycrdt

    def morning(self, engineer):
        y = self.y
        doc = y.Doc(client_id=CENTRAL_PEER)
        tickets = doc.get("tickets", type=y.Map)
        for t in engineer["tickets"]:
            with doc.transaction():
                tickets[t["id"]] = y.Map(
                    {
                        "fields": y.Map(dict(sorted(t["fields"].items()))),
                        "timeline": y.Array([y.Map({"kind": "created", "at": t["at"]})]),
                        "notes": y.Array(),
                        "parts": y.Array(),
                        "attachments": y.Array(),
                    }
                )
        return doc.get_update()

    def replica(self, blob, peer_id):
        doc = self.y.Doc(client_id=peer_id)
        doc.apply_update(blob)
        return doc

    def version(self, doc):
        return doc.get_state()

    def update(self, doc, since):
        return doc.get_update(since)

    def merge(self, doc, update):
        doc.apply_update(update)

    def state(self, doc):
        return doc.get("tickets", type=self.y.Map).to_py()

    def transaction(self, doc):
        return doc.transaction()

    def _container(self, doc, ticket, name):
        return doc.get("tickets", type=self.y.Map)[ticket][name]

    def push_map(self, doc, ticket, name, entry):
        self._container(doc, ticket, name).append(self.y.Map(entry))

    def push_value(self, doc, ticket, name, value):
        self._container(doc, ticket, name).append(value)

    def set_field(self, doc, ticket, field, value):
        self._container(doc, ticket, "fields")[field] = value

    def delete(self, doc, ticket, name, index):
        del self._container(doc, ticket, name)[index]


def timed_passes(one_pass):
    """After one untimed pass, RUNS runs that each repeat `one_pass` (which returns the
    seconds it timed) until at least MIN_SECONDS have been timed. Returns (best seconds
    per pass, passes of that run, every run's seconds per pass)."""
    one_pass()
    runs = []
    for _ in range(RUNS):
        passes, total = 0, 0.0
        while total < MIN_SECONDS:
            total += one_pass()
            passes += 1
        runs.append((total / passes, passes))
    best = min(runs)
    return best[0], best[1], [r[0] for r in runs]


def run_peer(peer, engineers, compressor):
    progress(f"{peer.name}: replaying {len(engineers)} engineers' days")
    devices, versions, updates, mornings = [], [], [], []
    for n, engineer in enumerate(engineers):
        blob = peer.morning(engineer)
        device = peer.replica(blob, engineer["peer"])
        since = peer.version(device)
        replay = DayReplay(peer, device)
        for op in engineer["ops"]:
            replay.apply(op)
        update = peer.update(device, since)
        # The update must carry the whole day: a replica holding the morning state
        # that imports it must end up equal to the tablet.
        node = peer.replica(blob, NODE_PEER)
        peer.merge(node, update)
        if peer.state(node) != peer.state(device):
            raise SystemExit(f"{peer.name}: engineer {n + 1}'s merged state differs from the tablet's")
        devices.append(device)
        versions.append(since)
        updates.append(update)
        mornings.append(blob)

    progress(f"{peer.name}: timing the export of the day updates")

    def export_pass():
        start = time.perf_counter()
        for device, since in zip(devices, versions):
            peer.update(device, since)
        return time.perf_counter() - start

    export_best, export_passes, export_runs = timed_passes(export_pass)

    progress(f"{peer.name}: timing the merge of the day updates into morning replicas")

    def merge_pass():
        nodes = [peer.replica(blob, NODE_PEER) for blob in mornings]  # not timed
        start = time.perf_counter()
        for node, update in zip(nodes, updates):
            peer.merge(node, update)
        return time.perf_counter() - start

    merge_best, merge_passes, merge_runs = timed_passes(merge_pass)

    return {
        "name": peer.name,
        "package": f"{peer.package} {version(peer.package)}",
        "hashes": "bytes",
        "updates": [base64.b64encode(bytes(u)).decode("ascii") for u in updates],
        "raw": [len(u) for u in updates],
        "zstd": [len(compressor.compress(bytes(u))) for u in updates],
        "concatZstd": len(compressor.compress(b"".join(bytes(u) for u in updates))),
        "exportSeconds": export_best,
        "exportPasses": export_passes,
        "exportRuns": export_runs,
        "mergeSeconds": merge_best,
        "mergePasses": merge_passes,
        "mergeRuns": merge_runs,
    }


def main():
    if len(sys.argv) != 2:
        raise SystemExit("usage: peers.py WORKLOAD.json")
    with open(sys.argv[1], encoding="utf-8") as f:
        workload = json.load(f)
    engineers = workload["engineers"]
    compressor = zstandard.ZstdCompressor(level=ZSTD_LEVEL)
    result = {
        "python": platform.python_version(),
        "zstandard": f"zstandard {version('zstandard')} (libzstd {'.'.join(map(str, zstandard.ZSTD_VERSION))})",
        "floorZstd": [len(compressor.compress(content_floor(e))) for e in engineers],
        "peers": [run_peer(peer, engineers, compressor) for peer in (LoroPeer(), YrsPeer())],
    }
    json.dump(result, sys.stdout)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
