import Foundation
import Synchronization

/// What a sync says when it is stopped (Ctrl-C, or a script's timeout) before it ends:
/// how far it got, and that nothing is lost and the next sync goes on from what the node
/// holds. Without it a stopped sync printed nothing at all.
final class InterruptNotice: @unchecked Sendable {
    // @unchecked: the signal sources are made in `init` and never changed after; they are
    // only kept alive here. The text they print is behind a Mutex.
    private final class Text: Sendable {
        let value = Mutex("nothing had moved yet")
    }
    private let progress = Text()
    private let sources: [any DispatchSourceSignal]

    init() {
        let progress = self.progress
        sources = [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                let text = progress.value.withLock { $0 }
                FileHandle.standardError.write(Data(
                    "\nstopped: \(text); everything recorded is safe in this replica, and the next sync goes on from what the node holds\n".utf8))
                exit(128 + number)
            }
            source.resume()
            return source
        }
    }

    /// How far the sync got, in the engineer's words.
    func note(_ text: String) { progress.value.withLock { $0 = text } }
}
