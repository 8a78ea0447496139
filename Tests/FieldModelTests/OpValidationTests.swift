import FieldModel
import Testing

@Suite struct OpValidationTests {
    func op(_ body: OpBody) -> Op {
        Op(id: OpID(replica: ReplicaID("e17")!, counter: 1), wallMillis: 1, logical: 0, subject: EntityID("T1-c")!, body: body)
    }

    @Test func refusesBadInputWithAClearCode() {
        let cases: [(OpBody, ModelError.Code)] = [
            (.partAdded(PartLine(partNumber: "P", quantity: Quantity(-1), location: "van:E1")), .invalidQuantity),
            (.partAdded(PartLine(partNumber: "P", quantity: Quantity(0), location: "van:E1")), .invalidQuantity),
            (.lifecycle(LifecycleEvent(kind: .arrived, at: 1, after: [], position: Position(latitude: 91, longitude: 0))), .invalidPosition),
            (.lifecycle(LifecycleEvent(kind: .arrived, at: 1, after: [], position: Position(latitude: 0, longitude: .nan))), .invalidPosition),
            (.fieldSet(FieldWrite(field: "colour", value: "red", replaces: [])), .invalidField),
            (.note(Note(text: "", at: 1)), .invalidText),
            (.note(Note(text: String(repeating: "x", count: Op.maxTextBytes + 1), at: 1)), .invalidText),
            (.lifecycle(LifecycleEvent(kind: .assigned, at: 1, after: [])), .invalidOp),
        ]
        for (body, code) in cases {
            #expect(throws: ModelError.self) { try op(body).validate() }
            do { try op(body).validate() } catch { #expect(error.code == code) }
        }
    }

    @Test func acceptsGoodOps() throws {
        try op(.fieldSet(FieldWrite(field: "custom.floor", value: "3", replaces: []))).validate()
        try op(.partAdded(PartLine(partNumber: "P", quantity: Quantity(thousandths: 1), location: "van:E1"))).validate()
        try op(.lifecycle(LifecycleEvent(kind: .arrived, at: 1, after: [], position: Position(latitude: -90, longitude: 180, accuracyMetres: 0)))).validate()
    }

    @Test("quantities parse exactly", arguments: [
        ("2", Int64(2000)), ("1.5", 1500), ("0.25", 250), ("0.001", 1), ("-3", -3000),
    ])
    func quantity(text: String, thousandths: Int64) {
        #expect(Quantity(parsing: text)?.thousandths == thousandths)
        #expect(Quantity(parsing: text)?.description == text)
    }

    @Test(arguments: ["", "1.2345", "abc", "1.", ".5", "1e3", "١"])
    func badQuantities(text: String) { #expect(Quantity(parsing: text) == nil) }
}
