import FieldModel
import FieldWire
import Foundation

/// The valid test vectors of Protocol/vectors/valid: each a named frame built from
/// Swift values. `Tools/test` checks the checked-in files against the decoder; the
/// files are (re)written only by `FIELDSYNC_WRITE_VECTORS=1 swift test --filter VectorTests`.
package enum VectorCatalog {
    package struct Vector {
        package let name: String
        package let about: String
        package let messages: [WireMessage]
        package let compress: Bool
    }

    static let t0: UInt64 = 1_795_424_400_000
    static let e17 = ReplicaID("e17-1a2b")!
    static let central = ReplicaID("central")!
    static let ticket = EntityID("T1-central")!
    static let ticket2 = EntityID("T2-central")!

    static func op(_ counter: UInt64, _ body: OpBody, by replica: ReplicaID = e17, wall: UInt64 = t0, logical: UInt32 = 0) -> Op {
        Op(id: OpID(replica: replica, counter: counter), wallMillis: wall, logical: logical, subject: ticket, body: body)
    }

    static func push(_ name: String, _ about: String, _ ops: [Op]) -> Vector {
        Vector(name: name, about: about, messages: [.push(Push(ops: ops))], compress: false)
    }

    static let created = op(1, .ticketCreated(TicketCreated(
        customer: "Acme Foods", site: "Plant 3", asset: "CH-0192", deviceModel: "Chiller X2", category: "repair",
        fault: "Compressor trips on high pressure", priority: "high", assignee: "E17", at: t0)), by: central)
    /// An op another device made, as a node serves it with its voucher (SPEC §3.10).
    static let vouched = op(3, .note(Note(text: "bearing noisy", at: t0)), by: ReplicaID("e21-9c9c")!)
    /// The voucher key of the vectors: 32 bytes of 0x0b (a node's is random and secret).
    package static let voucherKey = [UInt8](repeating: 0x0b, count: 32)
    static let h1 = SHA256.hash(Array("photo".utf8))
    static let h2 = SHA256.hash(Array("summary".utf8))

    package static let all: [Vector] = {
        var v: [Vector] = [
            Vector(name: "frame-no-messages", about: "a frame with no messages (found by fuzzing: must round-trip)", messages: [], compress: false),
            Vector(name: "hello-minimal", about: "hello from a new device that holds nothing", messages: [.hello(Hello(replica: e17, clock: t0))], compress: false),
            Vector(name: "hello-with-vector", about: "hello with what the sender holds of two replicas, one at a 64-bit counter",
                   messages: [.hello(Hello(replica: e17, have: VersionVector([central: 42, e17: UInt64.max]), clock: t0))], compress: false),
            Vector(name: "hello-node-incarnation", about: "a node's hello: its replica id, clock, what it holds, and its incarnation 9c41d07a55e2b316 (new at each start; not in the JSON)",
                   messages: [.hello(Hello(replica: ReplicaID("node-3fa91c2b")!, have: VersionVector([e17: 12]), clock: t0, incarnation: "9c41d07a55e2b316"))], compress: false),
            push("push-empty", "a push of no ops", []),
            push("op-ticket-created", "a ticket created at central", [created]),
            push("op-field-set", "a priority write replacing the value written by the creation", [
                op(2, .fieldSet(FieldWrite(field: Field.priority, value: "urgent", replaces: [created.id])), wall: t0 + 60_000)]),
            push("op-lifecycle-assigned", "a reassignment: timeline step and assignee write", [
                op(3, .lifecycle(LifecycleEvent(kind: .assigned, at: t0, after: [created.id], assignee: "E21", replaces: [created.id])), by: central)]),
            push("op-lifecycle-arrived", "arrival with position and accuracy, device time 2 s before the stamp", [
                op(4, .lifecycle(LifecycleEvent(kind: .arrived, at: t0 - 2_000, after: [created.id], position: Position(latitude: 52.5163, longitude: -0.1278, accuracyMetres: 8.5))))]),
            push("op-lifecycle-cancelled", "a cancellation with a reason", [
                op(5, .lifecycle(LifecycleEvent(kind: .cancelled, at: t0, after: [created.id], reason: "customer called")), by: central)]),
            push("op-note-unicode", "a note in Chinese with an emoji", [op(6, .note(Note(text: "冷凝风扇卡死，已更换 🔧", at: t0)))]),
            push("op-part-added", "1.5 m of cable from the van", [
                op(7, .partAdded(PartLine(partNumber: "CABLE-3G15", quantity: Quantity(thousandths: 1500), unit: "m", location: "van:E17")))]),
            push("op-part-removed", "removal of the line added by 7@e17-1a2b", [op(8, .partRemoved(PartRemoval(line: OpID(replica: e17, counter: 7))))]),
            push("op-attachment-photo", "a photo by content hash", [
                op(9, .attachmentAdded(Attachment(kind: .photo, sha256: h1, byteSize: 2_345_678, mediaType: "image/jpeg", caption: "nameplate")))]),
            push("op-attachment-signature", "a signature over a work summary hash", [
                op(10, .attachmentAdded(Attachment(kind: .signature, sha256: h1, byteSize: 912, mediaType: "image/png", caption: "",
                                                   signature: Signature(signer: "Jane Doe", signedAt: t0, summarySHA256: h2))))]),
            push("op-unknown-kind", "an op of kind 77 from a newer version: payload kept byte for byte", [
                op(11, .unknown(UnknownOp(kind: OpKind(rawValue: 77), payload: [0xDE, 0xAD, 0xBE, 0xEF])))]),
            // Kind 30: the largest kind the head holds; kinds from 8 up are assigned in order,
            // so 30 stays unknown to this version for long.
            push("op-unknown-kind-in-head", "an op of kind 30, unknown to version 1 and written in the head's kind bits (head 1e, no varint kind): payload kept byte for byte", [
                op(13, .unknown(UnknownOp(kind: OpKind(rawValue: 30), payload: [0x02, 0x68, 0x69])))]),
            push("op-counter-64bit", "an op with the largest counter", [op(UInt64.max, .note(Note(text: "last", at: t0)))]),
            push("op-note-max-size", "a note of exactly 65,536 bytes, the longest string allowed", [
                op(12, .note(Note(text: String(repeating: "a", count: Op.maxTextBytes), at: t0)))]),
            push("push-deltas-and-table", "three ops: the second reuses replica, subject and part number via the string table; counters and clocks as deltas", [
                op(20, .partAdded(PartLine(partNumber: "FAN-220", quantity: Quantity(1), location: "van:E17")), wall: t0),
                op(21, .partAdded(PartLine(partNumber: "FAN-220", quantity: Quantity(2), location: "van:E17")), wall: t0 + 1_000, logical: 1),
                op(3, .note(Note(text: "ok", at: t0 - 5_000)), by: central, wall: t0 - 5_000)]),
            push("push-head-bit-6", "head bit 6 without bit 5: the second op is the next counter of the first op's replica with logical 0 (no replica, counter or logical written) on another ticket (its subject follows); the third, of kind 30, sets bits 5 and 6 (head 7e)", [
                op(40, .note(Note(text: "on site", at: t0)), wall: t0),
                Op(id: OpID(replica: e17, counter: 41), wallMillis: t0 + 60_000, logical: 0, subject: ticket2,
                   body: .note(Note(text: "parts ordered", at: t0 + 60_000))),
                Op(id: OpID(replica: e17, counter: 42), wallMillis: t0 + 60_000, logical: 0, subject: ticket2,
                   body: .unknown(UnknownOp(kind: OpKind(rawValue: 30), payload: [0x00])))]),
            push("push-minimal-ops", "the smallest ops the spec allows: after the first, each note is one head byte of structure (same subject, next counter, logical 0) and two of times; a decoder guard must admit them", [
                op(30, .note(Note(text: "n1", at: t0)), wall: t0),
                op(31, .note(Note(text: "n2", at: t0 + 1_000)), wall: t0 + 1_000),
                op(32, .note(Note(text: "n3", at: t0 + 2_000)), wall: t0 + 2_000),
                op(33, .note(Note(text: "n4", at: t0 + 3_000)), wall: t0 + 3_000)]),
            Vector(name: "push-ack", about: "the node holds every op of two replicas up to these counters",
                   messages: [.pushAck(PushAck(acked: VersionVector([e17: 12, central: 3])))], compress: false),
            Vector(name: "pull-request-first", about: "a first pull: empty cursor, pages of up to 5000 ops",
                   messages: [.pullRequest(PullRequest(cursor: [], maxOps: 5000))], compress: false),
            Vector(name: "pull-page-empty", about: "nothing new: empty page, same cursor, no more",
                   messages: [.pullPage(PullPage(ops: [], nextCursor: [0x01, 0x96, 0x01], more: false))], compress: false),
            Vector(name: "pull-page-more", about: "a page with one op and more to come",
                   messages: [.pullPage(PullPage(ops: [created], nextCursor: [0x01, 0x01], more: true))], compress: false),
            Vector(name: "sync-request", about: "one round trip: hello, push and pull request in one frame",
                   messages: [.hello(Hello(replica: e17, have: VersionVector([e17: 6]), clock: t0)),
                              .push(Push(ops: [op(6, .note(Note(text: "done", at: t0)))])),
                              .pullRequest(PullRequest(cursor: [0x01, 0x2A], maxOps: 5000))], compress: false),
            Vector(name: "unknown-message-type", about: "a message of type 0x7e from a newer version: skipped by its length, kept as unknown",
                   messages: [.unknown(type: 0x7E, body: [0x01, 0x02]), .pullRequest(PullRequest(cursor: [], maxOps: 10))], compress: false),
            Vector(name: "push-with-checksums", about: "a push of two ops followed by op-checksums (type 7, SPEC §3.9): their CRC-32C in order, big-endian",
                   messages: OpChecksums.attach(to: [.push(Push(ops: [
                       op(6, .note(Note(text: "done", at: t0))),
                       op(7, .partAdded(PartLine(partNumber: "CABLE-3G15", quantity: Quantity(thousandths: 1500), unit: "m", location: "van:E17")))]))]),
                   compress: false),
            Vector(name: "pull-page-with-checksums", about: "a pull page followed by the op-checksums of its one op; the checksums cover the pull page (covers byte 05)",
                   messages: OpChecksums.attach(to: [.pullPage(PullPage(ops: [created], nextCursor: [0x01, 0x01], more: false))]),
                   compress: false),
            Vector(name: "pull-page-article", about: "a pull page with an article version (kind 8: version, title, body, device models, fault codes, keywords, language, everyone, images; self-contained in the structure stream) and a retirement (kind 9, no fields), SPEC §4.10",
                   messages: [.pullPage(PullPage(ops: [
                       Op(id: OpID(replica: ReplicaID("node-3fa91c2b")!, counter: 4), wallMillis: t0, logical: 0, subject: EntityID("article:fan-guide")!,
                          body: .entity(EntityOp(ArticlePublished(
                              version: 2, title: "冷凝风扇 replacement", body: "1. 断电\n2. Remove the fan", deviceModels: ["Chiller X2"], faultCodes: ["E21"],
                              keywords: ["风扇"], language: "zh", everyone: false, images: [h1])))),
                       Op(id: OpID(replica: ReplicaID("node-3fa91c2b")!, counter: 5), wallMillis: t0 + 60_000, logical: 0, subject: EntityID("article:old-guide")!,
                          body: .entity(EntityOp(ArticleRetired()))),
                   ], nextCursor: [0x02, 0x05], more: false))], compress: false),
            Vector(name: "pull-page-stock", about: "a pull page with the five stock movements (SPEC §4.11, self-contained): 10 received at warehouse:W1 (kind 10), 10 sent to van:E17 (kind 11, a transfer: its own entity, named after the sending op), 9 of them confirmed (kind 12, on the transfer), 1 written off in the van (kind 13) and a count of 2 there (kind 14, at t0 + 2 h)",
                   messages: [.pullPage(PullPage(ops: [
                       Op(id: OpID(replica: ReplicaID("node-3fa91c2b")!, counter: 6), wallMillis: t0, logical: 0, subject: EntityID("stock:warehouse:W1")!,
                          body: .entity(EntityOp(StockReceived(part: "CAP-35UF", quantity: Quantity(10), reference: "DN-2207")))),
                       Op(id: OpID(replica: ReplicaID("node-3fa91c2b")!, counter: 7), wallMillis: t0 + 1000, logical: 0, subject: EntityID("transfer:X7-node-3fa91c2b")!,
                          body: .entity(EntityOp(StockSent(part: "CAP-35UF", quantity: Quantity(10), from: StockLocation("warehouse:W1")!, to: StockLocation("van:E17")!)))),
                       Op(id: OpID(replica: e17, counter: 8), wallMillis: t0 + 60_000, logical: 0, subject: EntityID("transfer:X7-node-3fa91c2b")!,
                          body: .entity(EntityOp(StockArrived(quantity: Quantity(9))))),
                       Op(id: OpID(replica: e17, counter: 9), wallMillis: t0 + 120_000, logical: 0, subject: EntityID("stock:van:E17")!,
                          body: .entity(EntityOp(StockWrittenOff(part: "CAP-35UF", quantity: Quantity(1), reason: "cracked casing")))),
                       Op(id: OpID(replica: e17, counter: 10), wallMillis: t0 + 7_200_000, logical: 0, subject: EntityID("stock:van:E17")!,
                          body: .entity(EntityOp(StockCounted(part: "CAP-35UF", quantity: Quantity(2), at: t0 + 7_200_000)))),
                   ], nextCursor: [0x02, 0x0A], more: false))], compress: false),
            Vector(name: "pull-page-with-vouchers", about: "a pull page of two ops and op-vouchers (type 8, SPEC §3.10): the first vouched for as owned by E17 under the key of 32 bytes 0x0b, the second without (00)",
                   messages: [.pullPage(PullPage(ops: [vouched, created], nextCursor: [0x01, 0x02], more: false)),
                              OpVouchers(covers: .pullPage, vouchers: [OpVoucher(for: vouched, owner: "E17", key: voucherKey), nil]).message],
                   compress: false),
            Vector(name: "pull-page-scope-left", about: "an empty pull page followed by scope-left (type 9, SPEC §3.11): two articles that left the puller's scope (count, then each id as a string)",
                   messages: [.pullPage(PullPage(ops: [], nextCursor: [0x03, 0x09], more: false)),
                              ScopeLeft([EntityID("article:fan-guide")!, EntityID("article:风扇-电容")!]).message],
                   compress: false),
        ]
        for (raw, _) in ErrorCode.names.sorted(by: { $0.key < $1.key }) {
            let code = ErrorCode(rawValue: raw)
            v.append(Vector(name: "error-\(code)", about: "error message with code \(raw) (\(code))",
                            messages: [.error(ErrorMessage(code: code, message: "example: \(code)"))], compress: false))
        }
        v.append(Vector(name: "zstd-sync-request", about: "the sync-request messages in a zstd frame (decode-only: compressed bytes may differ between zstd versions)",
                        messages: v.first { $0.name == "sync-request" }!.messages, compress: true))
        return v
    }()

    /// An invalid vector too big to write by hand (Protocol/vectors/invalid): breaking a
    /// limit on a count or a length, and no other rule, takes every byte the limit
    /// counts. Written zstd-compressed; `VectorTests` checks that the file's payload is
    /// these messages, and every invalid vector's error.
    package struct InvalidVector {
        package let name: String
        package let about: String
        package let error: String
        package let messages: [WireMessage]
    }

    package static let invalid: [InvalidVector] = [
        InvalidVector(
            name: "op-count-oversized",
            about: "a push of 100,001 notes (limit 100,000 ops), all there: counters 1 to 100,001 of e17-1a2b, each note \"x\" at the stamp; after the first, each op is head 64, times 00 00 and text 01 78; zstd-compressed",
            error: "too-large",
            messages: [.push(Push(ops: (1...UInt64(WireLimits.maxOpsPerMessage + 1)).map { op($0, .note(Note(text: "x", at: t0))) }))]),
        InvalidVector(
            name: "string-length-oversized",
            about: "a note whose text is 65,537 bytes (\"a\" repeated; limit 65,536), all there; zstd-compressed",
            error: "too-large",
            messages: [.push(Push(ops: [op(12, .note(Note(text: String(repeating: "a", count: Op.maxTextBytes + 1), at: t0)))]))]),
    ]
}
