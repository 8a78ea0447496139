import Foundation

/// The lines `Tools/bench depot` prints.
struct DepotReport {
    let ops: Int
    let photos: Int
    let photoMB: Double
    let intake: Depot.ShiftEnd
    let relay: RelayWatch
    let wire: (up: Int, down: Int)
    let direct: Depot.ShiftEnd
    let directWire: (up: Int, down: Int)
    /// The day as one bundle (the request a site with no uplink exports), and the export's time.
    let bundle: (bytes: Int, seconds: Double)

    private static func mb(_ bytes: Int) -> String { Format.fixed(Double(bytes) / 1_000_000, 2) + " MB" }

    var lines: [String] {
        let photoSeconds = relay.allSeconds - relay.opsSeconds
        let w = 44
        var out = [
            Format.left("engineers' shift end at the depot", w) + "\(Format.fixed(intake.seconds, 3)) s   (central away; \(Format.grouped(ops)) ops, \(photos) photos; slowest engineer \(Format.fixed(intake.slowest, 3)) s)",
            "the depot's relay to central, from its start with central reachable until `status` says 0 ops and 0 photos waiting:",
            Format.left("  ops relayed", w) + "\(Format.grouped(ops)) in \(Format.fixed(relay.opsSeconds, 3)) s   \(Format.grouped(Int((Double(ops) / relay.opsSeconds).rounded()))) ops/s",
            Format.left("  photos relayed (after the ops)", w) + "\(photos) (\(Format.fixed(photoMB, 1)) MB) in \(Format.fixed(photoSeconds, 3)) s   "
                + (photos == 0 ? "-" : "\(Format.fixed(photoMB / max(photoSeconds, 0.001), 1)) MB/s"),
            Format.left("  all relayed", w) + "\(Format.fixed(relay.allSeconds, 3)) s   \(Format.grouped(Int((Double(ops) / relay.allSeconds).rounded()))) ops/s overall",
            Format.left("  wire, depot ⇄ central", w) + "\(Self.mb(wire.up)) up, \(Self.mb(wire.down)) down   (TCP payload at a proxy between them: frames, photos, HTTP)",
            Format.left("  the same day as a bundle", w) + "\(Self.mb(bundle.bytes))   \(Format.fixed(Double(bundle.bytes) / Double(max(wire.up, 1)), 2))× the wire bytes up   (`bundle export`, \(Format.fixed(bundle.seconds, 3)) s: ops and photos, one file)",
            "baseline, the same day and photos by as many new tablets straight to a fresh central, all at once:",
            Format.left("  shift end at central", w) + "\(Format.fixed(direct.seconds, 3)) s   \(Format.grouped(Int(direct.opsPerSecond.rounded()))) ops/s   slowest engineer \(Format.fixed(direct.slowest, 3)) s",
            Format.left("  wire, tablets ⇄ central", w) + "\(Self.mb(directWire.up)) up, \(Self.mb(directWire.down)) down",
            Format.left("relay ÷ direct", w) + "\(Format.fixed(relay.allSeconds / direct.seconds, 2))× the time, \(Format.fixed(Double(wire.up) / Double(max(directWire.up, 1)), 2))× the bytes up, \(Format.fixed(Double(wire.down) / Double(max(directWire.down, 1)), 2))× down",
        ]
        let retried = intake.retried + direct.retried
        if retried > 0 { out.append("(\(retried) tablet syncs waited past the client's 10 s connect deadline and synced again; see Pg/Depot.swift)") }
        return out
    }
}
