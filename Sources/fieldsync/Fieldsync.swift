import ArgumentParser

@main
struct Fieldsync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fieldsync",
        abstract: "The field engineer's offline replica of their tickets.",
        discussion: """
            Everything works with no signal: records go into a local replica and are synced later.
            Start with `fieldsync init --engineer E17`, then `fieldsync tickets` and `fieldsync show TICKET`.
            The replica lives in --home, else $FIELDSYNC_HOME, else ~/.fieldsync.
            """,
        subcommands: [
            Init.self, Tickets.self, Show.self, Accept.self, Depart.self, Arrive.self, Pause.self, Resume.self,
            NoteCommand.self, SetField.self, Part.self, StockCommand.self, Photo.self, Sign.self, Verify.self, Complete.self,
            Conflicts.self, Resolve.self, Login.self, Sync.self, Status.self, Fetch.self, KB.self, TicketCommand.self, Demo.self, Check.self,
        ]
    )
}
