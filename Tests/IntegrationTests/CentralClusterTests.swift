import FieldCentral
import FieldClient
import FieldModel
import FieldStore
import FieldTestSupport
import Foundation
import Logging
import Testing

/// Several `fieldsync-node serve --postgres` processes on one database, as behind a load
/// balancer: engineers sync (ops and photos) through either at random, one node is killed
/// mid-push and another mid-photo, and every replica converges with the database, every op
/// there exactly once and every photo whole.
@Suite(.serialized) struct CentralClusterTests {
    func pick(_ rng: inout SeededRandom, _ n: Int) -> Int { Int(rng.next() % UInt64(n)) }

    /// A dispatcher's device and engineers' devices, each a real replica syncing through
    /// the client library with the node processes over loopback.
    final class Cluster: @unchecked Sendable {
        // Safe: used from one test task at a time (the suite is serialized and each test
        // drives its cluster sequentially).
        let folder: TempFolder
        let url: String
        var nodes: [NodeProcess] = []
        var tokens: [String: String] = [:]
        var devices: [String: FieldReplica] = [:]
        /// Ops each device recorded (what the database must hold exactly once).
        var recorded = 0
        /// Photos attached, by SHA-256: their sizes.
        var photos: [Digest: UInt64] = [:]

        init(nodes count: Int) async throws {
            folder = try TempFolder("fieldsync-cluster")
            url = try await TestPostgres.shared().database("cluster")
            for i in 0..<count { nodes.append(try NodeProcess(postgres: url, logPath: folder.path + "/node\(i).log")) }
        }

        func token(_ name: String, role: String) throws -> String {
            let r = try Binaries.run("fieldsync-node", ["token", "create", "--postgres", url, "--role", role, "--name", name])
            #expect(r.status == 0, "token create: \(r.stderr)")
            return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func device(_ name: String, role: String = "engineer") throws -> FieldReplica {
            let home = FieldHome(explicit: folder.path + "/" + name)
            let replica = try FieldReplica.initialise(home: home, engineer: name)
            tokens[name] = try token(name, role: role)
            devices[name] = replica
            return replica
        }

        /// Syncs `name`'s device through node `node`, then uploads its pending photos there
        /// (as `fieldsync sync` does).
        @discardableResult
        func sync(
            _ name: String, through node: Int, progress: @Sendable (SyncReport) -> Void = { _ in },
            uploading: @escaping @Sendable (BlobTransfer.Progress) -> Void = { _ in }
        ) async throws -> SyncReport {
            let replica = devices[name]!
            try NodeLink.save(home: replica.home, url: nodes[node].url, token: tokens[name]!)
            do {
                let link = try NodeLink.load(home: replica.home)
                let report = try await SyncClient(replica: replica, link: link).sync(progress: progress)
                let (_, refused) = try await BlobTransfer(replica: replica, link: link).uploadPending(progress: uploading)
                #expect(refused.isEmpty, "\(name)'s photos refused: \(refused)")
                return report
            } catch {
                // What the node said is what tells a crash from a slow machine.
                throw SyncFailed(error: "\(error)", nodeLog: String(nodes[node].log.suffix(2_000)))
            }
        }

        struct SyncFailed: Error, CustomStringConvertible {
            let error: String
            let nodeLog: String
            var description: String { "\(error)\n-- the node's log ends:\n\(nodeLog)" }
        }

        /// Attaches a photo of `bytes` random bytes to `ticket` on `name`'s device.
        func photo(_ name: String, on ticket: String, bytes: Int, seed: UInt64) throws -> Int {
            let path = folder.path + "/photo-\(seed).jpg"
            let digest = try BlobTests.randomFile(path, bytes: bytes, seed: seed)
            photos[digest] = UInt64(bytes)
            return try devices[name]!.attachPhoto(ticket: ticket, file: path, caption: "seed \(seed)").ops.count
        }

        /// The database's view: every ticket's digest, its op log, and the photos it holds whole.
        func central() async throws -> (tickets: [String: String], log: OpLogDigest, photos: [Digest: UInt64]) {
            var logger = Logger(label: "test")
            logger.logLevel = .error
            return try await PostgresNodeStore.with(url: url, logger: logger) { store in
                let blobs = PostgresNodeBlobStore(store)
                var whole: [Digest: UInt64] = [:]
                for digest in photos.keys {
                    if case .complete(let size) = try await blobs.state(of: digest) { whole[digest] = size }
                }
                return (try await store.ticketDigests(), try await store.opLogDigest(), whole)
            }
        }

        /// `name`'s device downloads every photo of its tickets through node `node`.
        func fetchPhotos(_ name: String, through node: Int) async throws {
            let replica = devices[name]!
            try NodeLink.save(home: replica.home, url: nodes[node].url, token: tokens[name]!)
            let transfer = BlobTransfer(replica: replica, link: try NodeLink.load(home: replica.home))
            for ticket in try replica.tickets(status: nil) { _ = try await transfer.fetch(ticket: ticket.id) }
        }
    }

    @Test func engineersSyncingThroughTwoNodesAtRandomConverge() async throws {
        let cluster = try await Cluster(nodes: 2)
        let engineers = ["e1", "e2", "e3", "e4"]
        let desk = try cluster.device("desk", role: "dispatcher")
        for e in engineers { _ = try cluster.device(e) }
        // Dispatch: two tickets per engineer, and one shared by e1 and e2 (reassigned).
        var tickets: [String] = []
        let (_, made) = try desk.store.edit(now: DeviceClock.nowMillis()) { edit in
            for e in engineers + engineers {
                tickets.append(
                    try edit.createTicket(
                        TicketCreated(
                            customer: "Acme", site: "Plant \(e)", asset: "", deviceModel: "Chiller X2", category: "repair",
                            fault: "Trips", priority: "normal", assignee: e, at: DeviceClock.nowMillis())
                    ).subject.rawValue)
            }
        }
        cluster.recorded += made.count
        try await cluster.sync("desk", through: 0)

        var rng = SeededRandom(seed: 24)
        for e in engineers { try await cluster.sync(e, through: pick(&rng, 2)) }
        for step in 0..<60 {
            let e = engineers[pick(&rng, engineers.count)]
            let device = cluster.devices[e]!
            let mine = try device.tickets(status: nil).map(\.id)
            let ticket = mine[pick(&rng, mine.count)]
            switch pick(&rng, 4) {
            case 0: cluster.recorded += try device.note(ticket: ticket, text: "step \(step) by \(e)").ops.count
            case 1: cluster.recorded += try device.addPart(ticket: ticket, part: "P-\(step)", quantity: "1", unit: "pc", from: nil).ops.count
            // Photos of several chunks (the database keeps 256 KiB each).
            case 2: cluster.recorded += try cluster.photo(e, on: ticket, bytes: 40_000 + pick(&rng, 700_000), seed: UInt64(step))
            default: cluster.recorded += try device.set(ticket: ticket, field: "fault", value: "seen at step \(step)").ops.count
            }
            if pick(&rng, 2) == 0 { try await cluster.sync(e, through: pick(&rng, 2)) }
        }
        // Shift end: everyone syncs twice (the second pulls what others pushed after their first).
        for _ in 0..<2 {
            for name in ["desk"] + engineers { try await cluster.sync(name, through: pick(&rng, 2)) }
        }
        let central = try await cluster.central()
        #expect(central.log.count == cluster.recorded, "the database holds \(central.log.count) ops of \(cluster.recorded) recorded")
        #expect(central.tickets.count == tickets.count)
        #expect(!cluster.photos.isEmpty)
        #expect(central.photos == cluster.photos, "the database holds \(central.photos.count) of \(cluster.photos.count) photos whole")
        // The desk downloads every photo through either node: each verified by its SHA-256.
        try await cluster.fetchPhotos("desk", through: 1)
        for digest in cluster.photos.keys { #expect(desk.blobs.contains(digest), "the desk lacks photo \(digest.hex.prefix(12))") }
        for name in ["desk"] + engineers {
            let device = cluster.devices[name]!
            for summary in try device.tickets(status: nil) {
                #expect(summary.digest == central.tickets[summary.id], "\(name) holds \(summary.id) unlike the database")
            }
        }
        // Each engineer holds exactly their tickets; the desk all of them.
        #expect(try desk.tickets(status: nil).count == tickets.count)
        for e in engineers { #expect(try cluster.devices[e]!.tickets(status: nil).count == 2, "\(e)") }
    }

    @Test func aNodeKilledMidPushOrMidPhotoLeavesNothingHalfDoneAndAnotherServesOn() async throws {
        let cluster = try await Cluster(nodes: 3)
        let desk = try cluster.device("desk", role: "dispatcher")
        let e1 = try cluster.device("e1")
        let (ticket, made) = try desk.store.edit(now: DeviceClock.nowMillis()) { edit in
            try edit.createTicket(
                TicketCreated(
                    customer: "Acme", site: "Plant 1", asset: "", deviceModel: "Chiller X2", category: "repair", fault: "Trips",
                    priority: "normal", assignee: "e1", at: DeviceClock.nowMillis())
            ).subject.rawValue
        }
        cluster.recorded += made.count
        try await cluster.sync("desk", through: 1)
        try await cluster.sync("e1", through: 0)
        // A long day: many pages to push, so the kill lands while pushes are in flight.
        let (_, day) = try e1.store.edit(now: DeviceClock.nowMillis()) { edit in
            for i in 0..<6_000 { _ = try edit.record(.note(Note(text: "reading \(i): 4.2 bar", at: DeviceClock.nowMillis())), on: EntityID(ticket)!) }
        }
        cluster.recorded += day.count
        // Killed once its first page is acknowledged, while the next is on its way.
        let node = cluster.nodes[0]
        let cut = await #expect(throws: (any Error).self) {
            try await cluster.sync("e1", through: 0) { report in if report.pushed > 0 { node.kill() } }
        }
        #expect(cut != nil, "the push finished before the node was killed")
        #expect(try await cluster.central().log.count < cluster.recorded, "nothing was left to push after the kill")
        // The engineer carries on through the other node: everything arrives once.
        let report = try await cluster.sync("e1", through: 1)
        #expect(report.refused == nil)
        try await cluster.sync("desk", through: 1)
        let central = try await cluster.central()
        #expect(central.log.count == cluster.recorded, "the database holds \(central.log.count) ops of \(cluster.recorded) recorded")
        #expect(try e1.ticket(ticket).digest.hex == central.tickets[ticket])
        #expect(try desk.ticket(ticket).digest.hex == central.tickets[ticket])

        // A 3 MB photo: node 1 is killed once its first chunk is confirmed. The chunks it
        // committed stay in the database; node 2 takes the upload on from there.
        cluster.recorded += try cluster.photo("e1", on: ticket, bytes: 3 << 20, seed: 7)
        let second = cluster.nodes[1]
        let photoCut = await #expect(throws: (any Error).self) {
            try await cluster.sync("e1", through: 1, uploading: { progress in if progress.bytes > 0 { second.kill() } })
        }
        #expect(photoCut != nil, "the photo was uploaded before the node was killed")
        #expect(try await cluster.central().photos.isEmpty, "the photo was whole before the kill")
        try await cluster.sync("e1", through: 2)
        let after = try await cluster.central()
        #expect(after.photos == cluster.photos)
        #expect(after.log.count == cluster.recorded)
        try await cluster.sync("desk", through: 2)
        try await cluster.fetchPhotos("desk", through: 2)
        for digest in cluster.photos.keys { #expect(desk.blobs.contains(digest)) }
    }
}
