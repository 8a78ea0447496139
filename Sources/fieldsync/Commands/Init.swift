import ArgumentParser
import FieldClient
import FieldStore
import FieldModel

struct Init: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Create this device's replica for an engineer.",
        discussion: "Example:\n  fieldsync init --engineer E17\n  fieldsync init --engineer E17 --home /media/sd/fieldsync")

    @Option(help: "The engineer's id, as dispatch knows it (e.g. E17).") var engineer: String
    @OptionGroup var global: GlobalOptions

    struct Output: Encodable {
        let engineer: String
        let replica: String
        let home: String
    }

    func run() throws {
        try reportingErrors {
            let r = try FieldReplica.initialise(home: global.fieldHome, engineer: engineer)
            global.emit(Output(engineer: r.engineer, replica: r.replicaID.rawValue, home: r.home.path)) {
                "✓ replica \(r.replicaID) for engineer \(r.engineer) in \(r.home.path)"
            }
        }
    }
}
