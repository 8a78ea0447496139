import FieldTestSupport
import Foundation

/// A seeded engineer's work: notes, fields, parts, lifecycle steps and photos (mostly
/// small, now and then up to 20 MB), and dispatch changing tickets at the node.
struct Workload {
    var rng: SeededRandom
    /// Largest photo, in bytes (20 MB for the campaigns).
    var maxPhoto = 20_000_000
    private(set) var commands = 0
    private(set) var refused = 0
    private(set) var photos = 0
    private(set) var photoBytes = 0
    private(set) var biggestPhoto = 0
    private(set) var dispatchChanges = 0
    /// Whether dispatch changes tickets at the node (the restore campaign's strict mode
    /// turns it off after the first backup of the node).
    var dispatches = true

    init(seed: UInt64) { rng = SeededRandom(seed: seed) }

    /// A few recording commands on `replica`; returns the photo bytes it attached.
    mutating func step(_ replica: Replica, rig: FieldRig) throws -> Int {
        var attachedBytes = 0
        for _ in 0..<Int.random(in: 1...3, using: &rng) {
            let tickets = rig.tickets[replica.engineer] ?? []
            guard let ticket = tickets.randomElement(using: &rng) else { return 0 }
            let roll = Int.random(in: 0..<100, using: &rng)
            var args: [String]
            var photo: (path: String, size: Int)?
            switch roll {
            case 0..<28: args = ["note", ticket, text()]
            case 28..<42: args = ["set", ticket] + field()
            case 42..<54: args = ["part", "add", ticket, ["FAN-220-EC", "VALVE-3", "CAP-45UF", "PIPE-CU-12"].randomElement(using: &rng)!, "--qty", "\(Int.random(in: 1...5, using: &rng))"]
            case 54..<58:
                guard let line = replica.partLines[ticket]?.randomElement(using: &rng) else { continue }
                replica.forgetPartLine(line, on: ticket)
                args = ["part", "remove", ticket, line]
            case 58..<74: args = lifecycle(ticket)
            default:
                let made = try makePhoto(in: rig.scratch.sub("photos"))
                photo = made
                args = ["photo", ticket, made.path, "--caption", "photo \(photos)"]
            }
            commands += 1
            guard let answer = try replica.record(args) else {
                refused += 1
                continue
            }
            if let photo, let sha = answer["sha256"] as? String {
                rig.attached(path: photo.path, size: photo.size, sha: sha, engineer: replica.engineer)
                attachedBytes += photo.size
            }
        }
        // Dispatch works at the node too (admin commands work while it runs).
        if Int.random(in: 0..<100, using: &rng) < 4, dispatches {
            dispatchChanges += 1
            if Int.random(in: 0..<4, using: &rng) == 0 {
                try rig.dispatch(to: ["E1", "E2"].randomElement(using: &rng)!)
            } else if let ticket = rig.tickets.values.flatMap({ $0 }).randomElement(using: &rng) {
                _ = try rig.node.admin("ticket", "set", ticket, "priority", ["urgent", "high", "normal", "low"].randomElement(using: &rng)!)
            }
        }
        return attachedBytes
    }

    private mutating func text() -> String {
        let words = ["condenser", "fan", "seized", "replaced", "bearing", "noisy", "customer", "ok", "E42", "valve", "leak", "pressure", "ü", "—", "温度"]
        let count = Int.random(in: 0..<100, using: &rng) < 95 ? Int.random(in: 1...12, using: &rng) : Int.random(in: 100...400, using: &rng)
        return (0..<count).map { _ in words.randomElement(using: &rng)! }.joined(separator: " ")
    }

    private mutating func field() -> [String] {
        switch Int.random(in: 0..<5, using: &rng) {
        case 0: ["fault-code", "E\(Int.random(in: 1...99, using: &rng))"]
        case 1: ["fault-part", ["FAN-220-EC", "VALVE-3"].randomElement(using: &rng)!]
        case 2: ["priority", ["urgent", "high", "normal", "low"].randomElement(using: &rng)!]
        case 3: ["custom.meter", "\(Int.random(in: 0...99_999, using: &rng))"]
        default: ["custom.floor", "\(Int.random(in: -2...30, using: &rng))"]
        }
    }

    private mutating func lifecycle(_ ticket: String) -> [String] {
        switch Int.random(in: 0..<6, using: &rng) {
        case 0: ["accept", ticket]
        case 1: ["depart", ticket]
        case 2: ["arrive", ticket, "--lat", String(format: "%.5f", Double.random(in: 47...55, using: &rng)), "--lon", String(format: "%.5f", Double.random(in: 6...15, using: &rng)), "--accuracy", "\(Int.random(in: 3...50, using: &rng))"]
        case 3: ["pause", ticket]
        case 4: ["resume", ticket]
        default: ["complete", ticket, "--resolution", "Replaced \(["fan", "valve", "capacitor"].randomElement(using: &rng)!)"]
        }
    }

    /// A photo file of seeded bytes: 70 % under 64 KB, 27 % up to 1 MB, 3 % up to 20 MB.
    private mutating func makePhoto(in folder: String) throws -> (path: String, size: Int) {
        let roll = Int.random(in: 0..<100, using: &rng)
        let size = roll < 70 ? Int.random(in: 1_000...64_000, using: &rng)
            : roll < 97 ? Int.random(in: 64_000...1_000_000, using: &rng) : Int.random(in: 1_000_000...maxPhoto, using: &rng)
        var fill = SeededRandom(seed: rng.next())
        var bytes = [UInt8](repeating: 0, count: size)
        bytes.withUnsafeMutableBytes { raw in
            let words = raw.count / 8
            let wide = raw.baseAddress!.bindMemory(to: UInt64.self, capacity: words)
            for i in 0..<words { wide[i] = fill.next() }
            for i in (words * 8)..<raw.count { raw[i] = UInt8(truncatingIfNeeded: fill.next()) }
        }
        photos += 1
        photoBytes += size
        biggestPhoto = max(biggestPhoto, size)
        let path = folder + "/p\(photos).jpg"
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { throw ChaosError("cannot write \(path)") }
        return (path, size)
    }
}
