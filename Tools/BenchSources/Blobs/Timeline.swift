import FieldClient
import Synchronization

/// What a transfer's progress callback saw: when (seconds since the transfer started,
/// as `BlobTransfer` counts them) the first and last bytes were acknowledged, and how
/// many callbacks came. Shared with the `@Sendable` callback, hence the lock.
final class Timeline: Sendable {
    struct Marks {
        var first: Double?
        var last = 0.0
        var calls = 0
        var bytes: UInt64 = 0
    }

    private let state = Mutex(Marks())

    var marks: Marks { state.withLock { $0 } }

    func record(_ p: BlobTransfer.Progress) {
        state.withLock {
            if $0.first == nil { $0.first = p.seconds }
            $0.last = p.seconds
            $0.calls += 1
            $0.bytes = p.bytes
        }
    }
}
