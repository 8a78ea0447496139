import FieldModel
import FieldStore
import FieldWire
import Foundation

/// Answers a device's sync frame: push in, acknowledgement and a pull page out, in one
/// round trip, over either backend (``NodeStore``). Independent of HTTP, so it is tested
/// directly. Thread-safe: the store serialises writes; the service holds no mutable state.
public struct SyncService: Sendable {
    public struct Outcome: Sendable {
        public let status: Int
        public let body: [UInt8]
        public let replica: String
        public let opsIn: Int
        public let opsOut: Int
        /// Machine-readable code when refused (SPEC §5).
        public let error: ErrorCode?
        /// For the node's log only: what went wrong inside (may name the node's files).
        public var internalDetail: String?
    }

    let store: any NodeStore
    /// The replica id the node answers with in its hello.
    let nodeReplica: ReplicaID
    let pageSize: Int
    let maxAttachmentBytes: UInt64
    let clock: @Sendable () -> UInt64
    /// New at each start of the node (SPEC §3.2): a restore is always followed by a start.
    let incarnation: String
    /// Signs the ops this node serves and checks those given back to it (SPEC §3.10).
    let voucherKey: [UInt8]

    public init(
        store: any NodeStore, nodeReplica: ReplicaID, pageSize: Int = 5_000, maxAttachmentBytes: UInt64 = NodeLimits.defaultMaxAttachmentBytes,
        incarnation: String = SyncService.newIncarnation(), voucherKey: [UInt8] = [], clock: @escaping @Sendable () -> UInt64
    ) {
        self.store = store
        self.nodeReplica = nodeReplica
        self.voucherKey = voucherKey
        self.pageSize = pageSize
        self.maxAttachmentBytes = maxAttachmentBytes
        self.incarnation = incarnation
        self.clock = clock
    }

    /// 16 random hex digits.
    public static func newIncarnation() -> String {
        var rng = SystemRandomNumberGenerator()
        let n = UInt64.random(in: 0...UInt64.max, using: &rng)
        let hex = String(n, radix: 16)
        return String(repeating: "0", count: 16 - hex.count) + hex
    }

    /// ``handle(_:principal:)`` on the blocking pool (``BlockingWork/executor``): decoding a
    /// frame, checking its checksums and compressing a page of thousands of ops are CPU work
    /// that must not hold the two threads of the cooperative pool, where `/healthz` and
    /// small pushes are answered.
    public func handleOffThePool(_ body: [UInt8], principal: Principal) async -> Outcome {
        await withTaskExecutorPreference(BlockingWork.executor) { await handle(body, principal: principal) }
    }

    public func handle(_ body: [UInt8], principal: Principal) async -> Outcome {
        let now = clock()
        let messages: [WireMessage]
        do {
            messages = try Frame.decode(body)
            // Every op is checked against the checksum its sender stored, before anything
            // of the frame is kept (SPEC §3.9): a damaged op is named, not taken as truth.
            try OpChecksums.verify(messages)
        } catch {
            return refusal(error.code == .tooLarge ? .tooLarge : error.code == .unsupportedVersion ? .unsupportedVersion : .malformed,
                           "the sync message could not be read: \(error)", replica: "?")
        }
        var hello: Hello?
        var push: [Op] = []
        var pull: PullRequest?
        let vouchers: [OpVoucher?]?
        do { vouchers = try OpVouchers.find(for: .push, in: messages) } catch {
            return refusal(.malformed, "the sync message could not be read: \(error)", replica: "?")
        }
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
            // A node restored from a backup lacks what the device pulled before: it asks for
            // it back first (with its vouchers, SPEC §9.4), so the device's own ops on tickets
            // the node lost are not taken for ops out of scope.
            if !voucherKey.isEmpty, !(vouchers ?? []).contains(where: { $0 != nil }) {
                let lacking = try await store.lacking(hello.have, for: principal).filter { $0 != hello.replica }
                if !lacking.isEmpty {
                    let names = lacking.prefix(3).map(\.rawValue).joined(separator: ", ")
                    return await recovery(
                        StoreError(.behind, "the node holds less than this device of \(lacking.count) other replica(s) (\(names)): it was restored from a backup; give back what it lacks first"),
                        hello: hello, push: push)
                }
            }
            let ingested = try await store.ingest(
                push, vouchers: vouchers, voucherKey: voucherKey, from: principal, replica: hello.replica, now: now, clockOffset: clockOffset,
                maxAttachmentBytes: maxAttachmentBytes)
            var reply: [WireMessage] = []
            if !ingested.quarantined.isEmpty {
                let ids = ingested.quarantined.prefix(5).map(\.description).joined(separator: ", ")
                reply.append(.error(ErrorMessage(
                    code: .forbidden,
                    message: "\(ingested.quarantined.count) op(s) on tickets not assigned to \(principal.name) were refused and kept in quarantine for dispatch (\(ids))")))
            }
            reply.append(.hello(Hello(replica: nodeReplica, clock: now, incarnation: incarnation)))
            // Beside what the push moved: what the node holds of every other replica the
            // device says it holds, so a device can give back what a restore took (SPEC §9.4).
            var acked = try await store.held(of: hello.have.counters.keys.filter { ingested.acked[$0] == nil })
            acked.merge(ingested.acked) { _, pushed in pushed }
            reply.append(.pushAck(PushAck(acked: VersionVector(acked))))
            // A device that holds less of its own history than the node (restored from a
            // backup) gets it back, so it numbers its next ops after it; so do the ids it
            // recorded under before a fork (SPEC §9.3), whichever of its principal's they are.
            var own: [Op] = []
            let held = ingested.acked[hello.replica] ?? 0
            if hello.have[hello.replica] < held { own = try await store.ownOps(of: hello.replica, from: hello.have[hello.replica] + 1, limit: pageSize) }
            for (r, have) in hello.have.sorted where r != hello.replica && own.count < pageSize && have < acked[r] ?? 0 {
                if try await store.owner(of: r) == principal.name { own += try await store.ownOps(of: r, from: have + 1, limit: pageSize - own.count) }
            }
            if !own.isEmpty { reply.append(.push(Push(ops: own))) }
            var opsOut = 0
            if let pull {
                let limit = Int(min(UInt64(pageSize), max(1, pull.maxOps)))
                let page = try await store.pull(for: principal, requester: hello.replica, cursor: pull.cursor, limit: limit)
                opsOut = page.ops.count
                reply.append(.pullPage(PullPage(ops: page.ops, nextCursor: page.cursor, more: page.more)))
                if !voucherKey.isEmpty {
                    reply.append(OpVouchers(covers: .pullPage, vouchers: try await store.vouchers(for: page.ops, key: voucherKey)).message)
                }
                if !page.left.isEmpty { reply.append(ScopeLeft(page.left).message) }
            }
            let refused = !ingested.quarantined.isEmpty
            return Outcome(
                status: refused ? 403 : 200, body: Frame.encode(OpChecksums.attach(to: reply)), replica: replica, opsIn: ingested.inserted,
                opsOut: opsOut, error: refused ? .forbidden : nil)
        } catch where error.code == .badCursor {
            // Everything in the block throws StoreError (typed): the frames were decoded before it.
            return refusal(.malformed, "the sync message could not be read: \(error.message)", replica: replica)
        } catch where error.code == .counterGap || error.code == .conflictingOp || error.code == .behind {
            return await recovery(error, hello: hello, push: push)
        } catch {
            let code: ErrorCode =
                switch error.code {
                case .futureStamp: .futureStamp
                case .forbidden: .forbidden
                case .invalidOp: .invalidOp
                case .diskFull: .quota
                default: .internalError
                }
            // The op log could not grow: the operator's to fix, the device's to wait for.
            if code == .quota { return refusal(.quota, ErrorFrameMiddleware.storageFull(refusing: .sync), replica: replica) }
            guard code == .internalError else { return refusal(code, error.message, replica: replica) }
            var outcome = refusal(.internalError, "the node failed: retry later", replica: replica)
            outcome.internalDetail = error.message
            return outcome
        }
    }

    /// A push the node cannot take because the device and the node disagree on the
    /// device's history: after a restore of either, a counter gap (the node lost ops the
    /// device thinks it acknowledged) or a conflicting op (the device reused counters the
    /// node holds). Nothing is stored; beside the error the answer says what the node
    /// holds of the device (`push-ack`) and gives back the device's own ops from where the
    /// histories may part (`push`), so the device can re-send or renumber and go on.
    func recovery(_ error: StoreError, hello: Hello, push: [Op]) async -> Outcome {
        let code: ErrorCode = error.code == .counterGap ? .counterGap : error.code == .behind ? .behind : .conflictingOp
        var reply: [WireMessage] = [.error(ErrorMessage(code: code, message: error.message))]
        if let held = try? await store.held(of: [hello.replica])[hello.replica] {
            reply.append(.hello(Hello(replica: nodeReplica, clock: clock(), incarnation: incarnation)))
            var acked = (try? await store.held(of: Array(Set(hello.have.counters.keys).union(push.map(\.id.replica))))) ?? [:]
            acked[hello.replica] = held
            reply.append(.pushAck(PushAck(acked: VersionVector(acked))))
            let firstPushed = push.filter { $0.id.replica == hello.replica }.map(\.id.counter).min() ?? .max
            let first = min(hello.have[hello.replica] &+ 1, firstPushed)
            if first <= held, let ops = try? await store.ownOps(of: hello.replica, from: first, limit: pageSize), !ops.isEmpty {
                reply.append(.push(Push(ops: ops)))
            }
        }
        return Outcome(
            status: Self.httpStatus(code), body: Frame.encode(OpChecksums.attach(to: reply)), replica: hello.replica.rawValue, opsIn: 0, opsOut: 0, error: code)
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
        case .counterGap, .conflictingOp, .behind: 409
        case .quota: 507
        case .internalError: 500
        default: 400
        }
    }
}
