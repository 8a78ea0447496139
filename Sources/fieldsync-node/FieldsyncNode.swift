import ArgumentParser
import FieldNode

@main
struct FieldsyncNode: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fieldsync-node",
        abstract: "The FieldSync sync node: central store or depot relay."
    )
}
