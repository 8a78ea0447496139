import FieldModel
import FieldStore
import FieldWire
import Foundation

/// Answers a device's sync frame: push in, acknowledgement and a pull page out, in one
/// round trip. Independent of HTTP, so it is tested directly. Thread-safe: the store
/// serialises writes; the service holds no mutable state.
public struct SyncService: Sendable {
    public struct Outcome: Sendable {
        public let status: Int
        public let body: [UInt8]
        public let replica: String
        public let opsIn: Int
        public let opsOut: Int
        /// Machine-readable code when refused (SPEC §5).
        public let error: ErrorCode?
    }

    let store: ReplicaStore
    let pageSize: Int
    let maxAttachmentBytes: UInt64
    let clock: @Sendable () -> UInt64

    public init(
        store: ReplicaStore, pageSize: Int = 5_000, maxAttachmentBytes: UInt64 = NodeLimits.defaultMaxAttachmentBytes,
        clock: @escaping @Sendable () -> UInt64
    ) {
        self.store = store
        self.pageSize = pageSize
        self.maxAttachmentBytes = maxAttachmentBytes
        self.clock = clock
    }

    public func handle(_ body: [UInt8], principal: Principal) -> Outcome {
        let now = clock()
        let messages: [WireMessage]
        do {
            messages = try Frame.decode(body)
        } catch {
            return refusal(error.code == .tooLarge ? .tooLarge : error.code == .unsupportedVersion ? .unsupportedVersion : .malformed,
                           "the sync message could not be read: \(error)", replica: "?")
        }
        var hello: Hello?
        var push: [Op] = []
        var pull: PullRequest?
        for m in messages {
            switch m {
            case .hello(let h): hello = h
            case .push(let p): push += p.ops
            case .pullRequest(let p): pull = p
            default: break
            }
        }
        guard let hello else { return refusal(.malformed, "a sync starts with hello", replica: "?") }
        let replica = hello.replica.rawValue
        guard let clockOffset = ClockOffset.between(local: now, remote: hello.clock) else {
            return refusal(
                .malformed, "the device's clock reads \(hello.clock) ms since 1970, which is not a time: set the device's clock and sync again",
                replica: replica)
        }
        do {
            let ingested = try store.ingest(
                push, from: principal, replica: hello.replica, now: now, clockOffset: clockOffset,
                maxAttachmentBytes: maxAttachmentBytes)
            var reply: [WireMessage] = []
            if !ingested.quarantined.isEmpty {
                let ids = ingested.quarantined.prefix(5).map(\.description).joined(separator: ", ")
                reply.append(.error(ErrorMessage(
                    code: .forbidden,
                    message: "\(ingested.quarantined.count) op(s) on tickets not assigned to \(principal.name) were refused and kept in quarantine for dispatch (\(ids))")))
            }
            reply.append(.hello(Hello(replica: store.identity.replica, clock: now)))
            reply.append(.pushAck(PushAck(acked: VersionVector(ingested.acked))))
            var opsOut = 0
            if let pull {
                let cursor = try NodeCursor.decode(pull.cursor)
                let limit = Int(min(UInt64(pageSize), max(1, pull.maxOps)))
                let page = try store.pull(for: principal, requester: hello.replica, after: cursor, limit: limit)
                opsOut = page.ops.count
                reply.append(.pullPage(PullPage(ops: page.ops, nextCursor: NodeCursor.encode(page.next), more: page.more)))
            }
            let refused = !ingested.quarantined.isEmpty
            return Outcome(
                status: refused ? 403 : 200, body: Frame.encode(reply), replica: replica, opsIn: ingested.inserted,
                opsOut: opsOut, error: refused ? .forbidden : nil)
        } catch let error as WireError {
            return refusal(.malformed, "the sync message could not be read: \(error)", replica: replica)
        } catch let error as StoreError {
            let code: ErrorCode =
                switch error.code {
                case .counterGap: .counterGap
                case .futureStamp: .futureStamp
                case .forbidden: .forbidden
                case .invalidOp: .invalidOp
                case .conflictingOp: .conflictingOp
                default: .internalError
                }
            return refusal(code, error.message, replica: replica)
        } catch {
            return refusal(.internalError, "the node failed: retry later", replica: replica)
        }
    }

    func refusal(_ code: ErrorCode, _ message: String, replica: String) -> Outcome {
        Outcome(
            status: Self.httpStatus(code), body: Frame.encode([.error(ErrorMessage(code: code, message: message))]),
            replica: replica, opsIn: 0, opsOut: 0, error: code)
    }

    /// SPEC §5's HTTP status for each protocol error code.
    public static func httpStatus(_ code: ErrorCode) -> Int {
        switch code {
        case .tooLarge: 413
        case .unauthorized: 401
        case .forbidden: 403
        case .counterGap, .conflictingOp: 409
        case .internalError: 500
        default: 400
        }
    }
}
