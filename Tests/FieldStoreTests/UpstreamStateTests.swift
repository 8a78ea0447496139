import FieldModel
import FieldStore
import Foundation
import Testing

/// A depot's sync state with its upstream (M8): what it sends up is every op it relays past
/// what the upstream said it holds, and a page, its cursor and that ack commit together.
@Suite struct UpstreamStateTests {
    let now: UInt64 = 1_795_424_400_000
    let e1 = Principal(name: "E1", role: .engineer)
    let e2 = Principal(name: "E2", role: .engineer)
    let up = "https://central.example:8443"

    /// A depot-like store (replica `node-depot`) with a ticket assigned to E1, made by the
    /// depot itself, and E1's and E2's devices' pushes.
    func depot() throws -> (TempReplica, TicketID) {
        let r = try TempReplica(replica: "node-depot")
        let (id, _) = try r.store.edit(now: now) { edit in
            try edit.createTicket(TicketCreated(customer: "Acme", site: "P3", deviceModel: "X2", category: "repair", fault: "trips", assignee: "E1", at: now)).subject
        }
        return (r, id)
    }

    func note(_ counter: UInt64, _ replica: String, on ticket: TicketID, _ text: String = "n") -> Op {
        Op(id: OpID(replica: ReplicaID(replica)!, counter: counter), wallMillis: now, logical: 0, subject: ticket, body: .note(Note(text: text, at: now)))
    }

    @Test("ops go up past what the upstream holds, a page by counter; an ack moves that, a lower ack (a restored upstream) sends them again")
    func whatGoesUp() throws {
        let (r, t) = try depot()
        _ = try r.store.ingest((1...3).map { note($0, "e1-tab", on: t) }, from: e1, replica: ReplicaID("e1-tab")!, now: now)
        _ = try r.store.ingest((1...2).map { note($0, "e2-tab", on: t) }, from: e2, replica: ReplicaID("e2-tab")!, now: now)
        // The depot's own ticket, E1's three notes and E2's two (quarantined here: the ticket
        // is E1's; central decides their scope itself, and E2's counters must not gap there).
        let first = try r.store.opsForUpstream(up, limit: 100)
        #expect(first.map(\.id.description) == ["1@e1-tab", "2@e1-tab", "3@e1-tab", "1@e2-tab", "2@e2-tab", "1@node-depot"])
        #expect(try r.store.upstreamBacklog(up) == 6)
        #expect(try r.store.opsForUpstream(up, limit: 2).map(\.id.description) == ["1@e1-tab", "2@e1-tab"])

        let e1tab = ReplicaID("e1-tab")!, e2tab = ReplicaID("e2-tab")!, own = ReplicaID("node-depot")!
        try r.store.commitUpstreamPage(up, ops: [], cursor: [2, 7], acked: [e1tab: 3, e2tab: 1, own: 1], now: now + 1)
        #expect(try r.store.opsForUpstream(up, limit: 100).map(\.id.description) == ["2@e2-tab"])
        #expect(try r.store.upstreamBacklog(up) == 1)
        let state = try r.store.upstreamState(up)
        #expect(state.cursor == [2, 7] && state.lastSync == now + 1 && state.held[e1tab] == 3)

        // The upstream came back from a backup and holds E1's first op only: the rest again.
        try r.store.commitUpstreamPage(up, ops: [], cursor: [2, 8], acked: [e1tab: 1], now: now + 2)
        #expect(try r.store.opsForUpstream(up, limit: 100).map(\.id.description) == ["2@e1-tab", "3@e1-tab", "2@e2-tab"])
        // Another upstream has its own state: everything is still to go there.
        #expect(try r.store.opsForUpstream("https://other.example", limit: 100).count == 6)
    }

    @Test("an upstream claiming more than was made, or replicas this depot never relayed, moves nothing it should not")
    func hostileAcks() throws {
        let (r, t) = try depot()
        _ = try r.store.ingest((1...2).map { note($0, "e1-tab", on: t) }, from: e1, replica: ReplicaID("e1-tab")!, now: now)
        let e1tab = ReplicaID("e1-tab")!
        try r.store.commitUpstreamPage(
            up, ops: [], cursor: [], acked: [e1tab: .max, ReplicaID("e9-ghost")!: 40, ReplicaID("node-depot")!: 0], now: now)
        #expect(try r.store.upstreamState(up).held == [e1tab: 2, ReplicaID("node-depot")!: 0])
        // E1's device makes two more: both go up, although the upstream claimed to hold them.
        _ = try r.store.ingest((3...4).map { note($0, "e1-tab", on: t) }, from: e1, replica: e1tab, now: now)
        #expect(try r.store.opsForUpstream(up, limit: 100).map(\.id.description) == ["3@e1-tab", "4@e1-tab", "1@node-depot"])
    }

    @Test("a pulled page, its cursor and the ack commit together; the same page again changes nothing; a failure is noted, not the cursor")
    func pulledPages() throws {
        let (r, t) = try depot()
        let central = (1...3).map { note($0, "node-central", on: t, "from central \($0)") }
        let first = try r.store.commitUpstreamPage(up, ops: central, cursor: [2, 3], acked: [:], now: now)
        #expect(first.inserted == 3)
        let again = try r.store.commitUpstreamPage(up, ops: central, cursor: [2, 3], acked: [:], now: now + 1)
        #expect(again.inserted == 0 && again.duplicates == 3)
        #expect(try r.store.ticket(t)?.notes.count == 3)
        // Pulled ops are not the depot's to relay: nothing of central's goes back up.
        #expect(try r.store.opsForUpstream(up, limit: 100).map(\.id.description) == ["1@node-depot"])

        try r.store.noteUpstreamError(up, "central unreachable: connection refused", now: now + 2)
        var state = try r.store.upstreamState(up)
        #expect(state.cursor == [2, 3] && state.lastError == "central unreachable: connection refused" && state.lastErrorAt == now + 2)
        try r.store.commitUpstreamPage(up, ops: [], cursor: [2, 4], acked: [:], now: now + 3)
        state = try r.store.upstreamState(up)
        #expect(state.lastError == nil && state.lastSync == now + 3 && state.cursor == [2, 4])
    }

    @Test("engineers' tokens from the upstream: adopted as hashes, revoked with it, revoked when no longer sent; nothing else taken, local tokens untouched")
    func adoptedTokens() throws {
        let (r, _) = try depot()
        let (local, localRecord) = try r.store.createToken(name: "E1", role: .engineer, now: now)
        func hash(_ name: String, _ role: Principal.Role = .engineer, revoked: UInt64? = nil, sha: String? = nil) throws -> (String, TokenHash) {
            let t = try NewToken(name: name, role: role, now: now)
            return (t.token, TokenHash(record: TokenRecord(id: t.record.id, name: name, role: role, createdAt: now, revokedAt: revoked), sha256: sha ?? t.sha256))
        }
        let (t2, h2) = try hash("E2")
        let (admin, hAdmin) = try hash("E3", .admin)
        let (_, hBadSha) = try hash("E4", sha: "ZZ")
        let (t5, h5) = try hash("E5")
        // A hostile list: an admin token, a malformed hash, a name no principal has, and a
        // record reusing a local token's id (it must not take that token over).
        let hostileName = TokenHash(record: TokenRecord(id: "x1", name: "E 6", role: .engineer, createdAt: now, revokedAt: nil), sha256: String(repeating: "a", count: 64))
        let takeover = TokenHash(record: TokenRecord(id: localRecord.id, name: "E1", role: .engineer, createdAt: now, revokedAt: now), sha256: String(repeating: "b", count: 64))
        try r.store.adoptUpstreamTokens([h2, hAdmin, hBadSha, h5, hostileName, takeover], from: up, now: now)
        #expect(try r.store.principal(forToken: t2) == Principal(name: "E2", role: .engineer))
        #expect(try r.store.principal(forToken: t5) != nil)
        #expect(try r.store.principal(forToken: admin) == nil)
        #expect(try r.store.principal(forToken: local) == Principal(name: "E1", role: .engineer), "a local token was changed by the upstream")
        #expect(try r.store.tokens().count == 3)

        // Revoked at central: revoked here. No longer sent (E5 left the depot): revoked here.
        let revoked = TokenHash(record: TokenRecord(id: h2.record.id, name: "E2", role: .engineer, createdAt: now, revokedAt: now + 9), sha256: h2.sha256)
        try r.store.adoptUpstreamTokens([revoked], from: up, now: now + 10)
        #expect(try r.store.principal(forToken: t2) == nil)
        #expect(try r.store.principal(forToken: t5) == nil)
        #expect(try r.store.principal(forToken: local) != nil)

        // A token revoked here stays revoked though the upstream sends it live again; an
        // engineer token named as a warehouse here is not taken.
        let (t7, h7) = try hash("E7")
        try r.store.adoptUpstreamTokens([h7], from: up, now: now + 11)
        #expect(try r.store.revokeToken(id: h7.record.id, now: now + 12) == 1)
        try r.store.adoptUpstreamTokens([h7], from: up, now: now + 13)
        #expect(try r.store.principal(forToken: t7) == nil, "a local revocation was undone by the upstream")
        _ = try r.store.createToken(name: "w1", role: .warehouse, now: now)
        let (tw, hw) = try hash("w1")
        try r.store.adoptUpstreamTokens([h7, hw], from: up, now: now + 14)
        #expect(try r.store.principal(forToken: tw) == nil)

        // The depot moves to another upstream: what the old one sent and the new one does
        // not is revoked; what both send is kept, and revoked when the new one revokes it.
        let (t8, h8) = try hash("E8")
        try r.store.adoptUpstreamTokens([h7, h8], from: up, now: now + 15)
        try r.store.adoptUpstreamTokens([h8], from: "https://region.example:8443", now: now + 16)
        #expect(try r.store.principal(forToken: t8) != nil)
        try r.store.adoptUpstreamTokens([], from: "https://region.example:8443", now: now + 17)
        #expect(try r.store.principal(forToken: t8) == nil, "a token the old upstream sent outlived the move")
        #expect(try r.store.principal(forToken: local) != nil)
        // Bundles are a source of their own: a network sync does not revoke what a bundle
        // brought, nor a bundle what the network brought.
        let (t9, h9) = try hash("E9")
        try r.store.adoptUpstreamTokens([h9], from: "bundle:central", now: now + 18)
        try r.store.adoptUpstreamTokens([], from: "https://region.example:8443", now: now + 19)
        #expect(try r.store.principal(forToken: t9) != nil, "a network sync revoked a bundle's token")
        try r.store.adoptUpstreamTokens([], from: "bundle:central", now: now + 20)
        #expect(try r.store.principal(forToken: t9) == nil)
    }

    @Test("the depots below this one, from the upstream: their tokens work here as depots', their engineers are theirs here, a new list replaces the old; local rows stay, hostile names and loops change nothing else")
    func adoptedTree() throws {
        let (r, _) = try depot()
        func member(_ engineer: String, removed: UInt64? = nil) -> DepotMember { DepotMember(engineer: engineer, addedAt: now, removedAt: removed) }
        // mine2's depot token, sent as north's upstream sends it: mine2 syncs here as a depot.
        let t = try NewToken(name: "mine2", role: .depot, now: now)
        try r.store.adoptUpstreamTokens([TokenHash(record: t.record, sha256: t.sha256)], from: up, now: now)
        #expect(try r.store.principal(forToken: t.token) == Principal(name: "mine2", role: .depot))
        // A depot token named as an engineer here is not taken.
        _ = try r.store.createToken(name: "E1", role: .engineer, now: now)
        let clash = try NewToken(name: "E1", role: .depot, now: now)
        try r.store.adoptUpstreamTokens([TokenHash(record: t.record, sha256: t.sha256), TokenHash(record: clash.record, sha256: clash.sha256)], from: up, now: now)
        #expect(try r.store.principal(forToken: clash.token) == nil)

        // A relay made here stays whatever the upstream sends.
        _ = try r.store.setDepotMember(depot: "mine2", engineer: "E9", member: true, now: now)
        let sent = DepotTree(
            relays: [
                DepotRelay(parent: "node-depot", child: "mine2", addedAt: now, removedAt: nil),
                DepotRelay(parent: "mine2", child: "shaft", addedAt: now, removedAt: nil),
                // A loop and a name no principal has, as a confused upstream might send them.
                DepotRelay(parent: "shaft", child: "mine2", addedAt: now, removedAt: nil),
                DepotRelay(parent: "mine2", child: "a b", addedAt: now, removedAt: nil),
            ],
            members: [
                DepotMembership(depot: "mine2", member: member("E1")), DepotMembership(depot: "shaft", member: member("E2")),
                DepotMembership(depot: "mine2", member: member("E3", removed: now + 1)), DepotMembership(depot: "shaft", member: member("E 4")),
                DepotMembership(depot: "mine2", member: member("E9", removed: now + 2)),
            ])
        #expect(try r.store.adoptUpstreamTree(sent, from: up))
        #expect(try !r.store.adoptUpstreamTree(sent, from: up), "the same tree twice: no change")
        let served = try r.store.depotMembers(of: "mine2")
        #expect(served.map(\.engineer).sorted() == ["E1", "E2", "E3", "E9"])
        #expect(served.first { $0.engineer == "E9" }?.removedAt == nil, "a local membership was changed by the upstream")
        #expect(served.first { $0.engineer == "E3" }?.removedAt == now + 1)
        #expect(try r.store.depotTree(of: "mine2").relayed(by: "mine2") == ["shaft"])
        #expect(try r.store.depotMembers(of: "shaft").map(\.engineer) == ["E2"])

        // The next list replaces this one: shaft is gone, and E2 with it.
        let next = DepotTree(relays: [sent.relays[0]], members: [sent.members[0]])
        #expect(try r.store.adoptUpstreamTree(next, from: up))
        #expect(try r.store.depotMembers(of: "mine2").map(\.engineer).sorted() == ["E1", "E9"])
        #expect(try r.store.depotTree(of: "mine2").relayed(by: "mine2").isEmpty)
        // Moved to another upstream that sends nothing: nothing adopted stays; local rows do.
        #expect(try r.store.adoptUpstreamTree(DepotTree(), from: "https://region.example:8443"))
        #expect(try r.store.depotMembers(of: "mine2").map(\.engineer) == ["E9"])
    }

    @Test("a sub-depot's replica is claimed here only for a depot this one's caller relays, and never one that came from upstream or names an engineer")
    func claimsAtADepot() throws {
        let (r, t) = try depot()
        // Central's own ops came down here: their replica has no owner row, but ops.
        let central = ReplicaID("node-central")!
        let pulled = Op(id: OpID(replica: central, counter: 1), wallMillis: now, logical: 0, subject: t, body: .note(Note(text: "from central", at: now)))
        try r.store.commitUpstreamPage(up, ops: [pulled], cursor: [1], acked: [:], now: now)
        let tree = DepotTree(
            relays: [DepotRelay(parent: "mine2", child: "shaft", addedAt: now, removedAt: nil)],
            members: [DepotMembership(depot: "shaft", member: DepotMember(engineer: "E5", addedAt: now, removedAt: nil))])
        try r.store.adoptUpstreamTree(tree, from: up)
        let claims = [
            RelayedReplica(replica: "node-central", depot: "shaft"), RelayedReplica(replica: "e5-tab", depot: "shaft"),
            RelayedReplica(replica: "node-0000c001", depot: "pit"), RelayedReplica(replica: "node-depot", depot: "shaft"),
        ]
        let refused = try r.store.claimRelayedReplicas(claims, by: "mine2")
        #expect(refused.map(\.replica).sorted() == ["e5-tab", "node-central", "node-0000c001", "node-depot"].sorted(), "\(refused)")
        // The shaft's own node id: claimed, and claimed again without a change.
        let shaft = RelayedReplica(replica: "node-0000c002", depot: "shaft")
        #expect(try r.store.claimRelayedReplicas([shaft], by: "mine2").isEmpty)
        #expect(try r.store.owner(of: ReplicaID("node-0000c002")!) == "shaft")
        #expect(try r.store.claimRelayedReplicas([shaft], by: "mine2").isEmpty)
        #expect(try r.store.claimRelayedReplicas([RelayedReplica(replica: "node-0000c002", depot: "mine2")], by: "north").count == 1)

        // This depot was put above mine2 after the pit's ops reached central, so it pulled them
        // with no owner here: the tree from upstream says whose they are, and mine2's claim
        // for the pit then goes through.
        let pit = ReplicaID("node-0000c009")!
        let pitOp = Op(id: OpID(replica: pit, counter: 1), wallMillis: now, logical: 0, subject: t, body: .note(Note(text: "pit", at: now)))
        try r.store.commitUpstreamPage(up, ops: [pitOp], cursor: [2], acked: [:], now: now)
        let pitClaim = RelayedReplica(replica: pit.rawValue, depot: "pit3")
        var withPit = tree
        withPit.relays.append(DepotRelay(parent: "mine2", child: "pit3", addedAt: now, removedAt: nil))
        try r.store.adoptUpstreamTree(withPit, from: up)
        #expect(try r.store.claimRelayedReplicas([pitClaim], by: "mine2").map(\.replica) == [pit.rawValue], "held ops, no owner: refused")
        withPit.replicas = [pitClaim, RelayedReplica(replica: "node-depot", depot: "pit3"), RelayedReplica(replica: "node-0000c00a", depot: "south")]
        #expect(try r.store.adoptUpstreamTree(withPit, from: up))
        #expect(try r.store.owner(of: pit) == "pit3")
        #expect(try r.store.owner(of: ReplicaID("node-depot")!) != "pit3", "this node's own replica was given away")
        #expect(try r.store.owner(of: ReplicaID("node-0000c00a")!) == nil, "a replica of a depot not below was taken")
        #expect(try r.store.claimRelayedReplicas([pitClaim], by: "mine2").isEmpty)
    }
}
