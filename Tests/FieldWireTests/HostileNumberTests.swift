import FieldModel
import FieldWire
import Testing

/// Numbers a hostile sender chose: decoding and re-encoding them (a node stores what it
/// decoded) must never trap, and the model must refuse the ones that are not facts.
@Suite struct HostileNumberTests {
    static let wall: UInt64 = 1_795_424_400_000

    func arrival(_ p: Position) -> Op {
        Op(id: OpID(replica: ReplicaID("e17-1a2b")!, counter: 1), wallMillis: Self.wall, logical: 0, subject: EntityID("T1-x")!,
           body: .lifecycle(LifecycleEvent(kind: .arrived, at: Self.wall, after: [], position: p)))
    }

    @Test("positions and accuracies at the ends of their 64-bit wire range re-encode and are refused", arguments: [
        Position(latitude: 9.3e11, longitude: 0), Position(latitude: -9.3e11, longitude: 0), Position(latitude: 0, longitude: 9.3e11),
        Position(latitude: 0, longitude: 0, accuracyMetres: 1.9e18), Position(latitude: 0, longitude: 0, accuracyMetres: 1e9),
        Position(latitude: 0, longitude: 0, accuracyMetres: 1_000_000.1),
    ])
    func hostilePositions(position: Position) throws {
        let frame = Frame.encode([.push(Push(ops: [arrival(position)]))], compress: false)
        let decoded = try Frame.decode(frame)
        // What a node does with a decoded op before it refuses it: encode it again.
        _ = Frame.encode(decoded, compress: false)
        guard case .push(let push) = try #require(decoded.first) else { Issue.record("not a push"); return }
        #expect(throws: ModelError.self) { try push.ops[0].validate() }
    }

    @Test func positionsOnEarthStillRoundTrip() throws {
        let op = arrival(Position(latitude: -90, longitude: 180, accuracyMetres: 1_000_000))
        try op.validate()
        #expect(try Frame.decode(Frame.encode([.push(Push(ops: [op]))])) == [.push(Push(ops: [op]))])
    }
}
