import ArgumentParser
import FieldClient

@main
struct Fieldsync: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fieldsync",
        abstract: "The field engineer's offline replica of their tickets.",
        subcommands: [Demo.self]
    )
}

extension Fieldsync {
    struct Demo: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Walk through two replicas editing one ticket offline, then merging.",
            discussion: "Example:\n  fieldsync demo"
        )
        func run() { print(ModelDemo.run()) }
    }
}
