import FieldModel
import FieldStore
import Foundation
import Hummingbird
import ServiceLifecycle
import Synchronization

/// Keeps unfinished uploads from filling the node's disk: each principal's unfinished
/// bytes are capped, and uploads untouched for the TTL are deleted: at start, every
/// `interval` while the node runs (it is one of the application's services), and on a
/// blob request when a sweep is due.
final class PartialUploads: Service, Sendable {
    let blobs: any NodeBlobStore
    let ttl: UInt64
    let cap: UInt64
    let clock: @Sendable () -> UInt64
    private let lastSweep = Mutex<Date?>(nil)
    /// Bytes granted to uploads in progress, by principal: two uploads at once cannot each
    /// take the whole room left under the cap.
    private let granted = Mutex<[String: UInt64]>([:])

    init(blobs: any NodeBlobStore, ttl: UInt64, cap: UInt64, clock: @escaping @Sendable () -> UInt64) {
        self.blobs = blobs
        self.ttl = ttl
        self.cap = cap
        self.clock = clock
    }

    /// A sweep every tenth of the TTL, between one second and one hour.
    var interval: TimeInterval { min(3600, max(1, Double(ttl) / 10)) }

    /// Deletes expired partial uploads, forgets their owners, and drops expired challenges.
    func sweep() async {
        lastSweep.withLock { $0 = Date() }
        for digest in await blobs.sweepPartials(untouchedFor: .seconds(ttl)) { try? await blobs.forgetPartial(digest) }
        // Owners of uploads that finished or vanished some other way.
        for digest in (try? await blobs.allPartials()) ?? [] {
            if case .partial = (try? await blobs.state(of: digest)) ?? .absent { continue }
            try? await blobs.forgetPartial(digest)
        }
        try? await blobs.dropExpiredChallenges(now: clock())
    }

    /// Sweeps every `interval` until the node shuts down.
    func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            let interval = interval
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(interval)) }
            } catch {
                return
            }
            if Task.isShuttingDownGracefully { return }
            await sweep()
        }
    }

    /// Starts a sweep in the background if the last one is older than `interval`.
    func sweepIfDue() {
        let due = lastSweep.withLock { last in
            guard last.map({ Date().timeIntervalSince($0) >= interval }) ?? true else { return false }
            last = Date()
            return true
        }
        if due { Task { await self.sweep() } }
    }

    /// How many more bytes `principal` may add to the upload of `digest` that holds
    /// `held` bytes: the cap minus its other unfinished uploads and this one.
    func room(for principal: Principal, _ digest: Digest, held: UInt64) async throws -> UInt64 {
        var used = held
        for other in try await blobs.partials(ownedBy: principal.name) where other != digest {
            if case .partial(let received) = try await blobs.state(of: other) { used = used.addingReportingOverflow(received).overflow ? .max : used + received }
        }
        return used >= cap ? 0 : cap - used
    }

    /// Reserves up to `want` (all that is free without a declared length) of `room` for
    /// one upload of `principal`, less what its other uploads in progress hold; `release`
    /// gives it back when the upload ends.
    func grant(_ principal: String, room: UInt64, want: UInt64?) -> UInt64 {
        granted.withLock { held in
            let others = held[principal, default: 0]
            let free = room > others ? room - others : 0
            let give = min(free, want ?? free)
            // others + give <= room: cannot overflow.
            held[principal] = others + give
            return give
        }
    }

    func release(_ principal: String, _ amount: UInt64) {
        granted.withLock { held in
            let left = held[principal, default: 0] - min(amount, held[principal, default: 0])
            held[principal] = left == 0 ? nil : left
        }
    }

    static let insufficientStorage = HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage")

    func refusal(_ principal: Principal) -> HTTPError {
        HTTPError(
            Self.insufficientStorage,
            message: "this upload would take \(principal.name)'s unfinished uploads on the node past \(cap) bytes, the most allowed: finish the others first (unfinished uploads expire \(ttl) s after their last byte)")
    }
}
