import FieldTestSupport
import Foundation

/// The weak links `Tools/chaos link` drives a sync through besides its cuts and stalls
/// (H2): a link that goes idle (no byte for longer than the client's idle deadline), a
/// dead one (silent mid-upload of a photo, no FIN or RST reaching the node), and a 2 KB/s
/// one (a photo that needs several syncs).
enum LinkMode: String, CaseIterable, Sendable {
    case idle, dead, slow
}

/// When each mode runs within the campaign's budget: a seeded rotation of the three, due
/// at even steps through the budget, as many as fit in about half of it. Each runs at
/// least once however short the budget: a 30 s run (CI) runs each once, with a small
/// photo on the 2 KB/s link, and so takes longer than 30 s.
struct LinkModePlan {
    /// The modes in the order they run (a rotation of the three, seeded).
    let modes: [LinkMode]
    /// Seconds into the campaign when each of `modes` is due.
    let due: [Double]
    /// Bytes of the photo the 2 KB/s link carries: about half a second of photo per second
    /// of budget, 64 KB to 1 MB (64 KB: about 32 s at 2 KB/s, in three or four syncs).
    let slowPhotoBytes: Int
    /// Bytes of the photo that is mid-upload when the link dies: past the first (64 KB,
    /// measuring) chunk, so the node holds some of it before and after.
    let deadPhotoBytes: ClosedRange<Int>
    /// Whether the dead link may die during the photo's first chunk (given up after up to
    /// ~53 s rather than ~25 s): not in short runs.
    let deadInFirstChunk: Bool
    private(set) var started = 0

    init(seconds: Int, seed: UInt64) {
        var rng = SeededRandom(seed: seed &+ 31)
        slowPhotoBytes = min(1_000_000, max(64_000, seconds * 512))
        deadPhotoBytes = seconds < 120 ? 280_000...360_000 : 300_000...700_000
        deadInFirstChunk = seconds >= 120
        let rotation = LinkMode.allCases.shuffled(using: &rng)
        // Rough cost of each (seconds): an idle link is given up after ~20 s, a dead one
        // after ~25 s and then taken over; the slow photo moves at 2 KB/s.
        let cost: [LinkMode: Double] = [.idle: 30, .dead: 50, .slow: Double(slowPhotoBytes) / 2048 + 45]
        var modes: [LinkMode] = []
        var spent = 0.0
        while modes.count < 3 || spent + cost[rotation[modes.count % 3]]! <= Double(seconds) / 2 {
            let next = rotation[modes.count % 3]
            spent += cost[next]!
            modes.append(next)
        }
        self.modes = modes
        due = modes.indices.map { Double(seconds) * Double($0 + 1) / Double(modes.count + 1) }
    }

    /// The next mode, once `elapsed` seconds into the campaign reached its due time.
    mutating func next(at elapsed: Double) -> LinkMode? {
        guard started < modes.count, elapsed >= due[started] else { return nil }
        defer { started += 1 }
        return modes[started]
    }

    /// Modes of the first rotation that have not run yet (the budget ran out first): run
    /// after the loop, so every mode runs at least once.
    mutating func leftover() -> [LinkMode] {
        guard started < 3 else { return [] }
        defer { started = 3 }
        return Array(modes[started..<3])
    }
}
