import ArgumentParser
import FieldClient
import FieldStore
import FieldModel
import Foundation

struct NoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "note", abstract: "Add a note to a ticket (append-only).",
        discussion: "Example:\n  fieldsync note T1-central \"Condenser fan seized; pressure builds within 4 min\"")

    @Argument(help: "The ticket id.") var ticket: String
    @Argument(help: "The note's text.") var text: String
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try global.withReplica { r in
            let rec = try r.note(ticket: ticket, text: text)
            global.emit(rec) { confirmation("note added", rec) }
        }
    }
}

struct SetField: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set", abstract: "Set a field of a ticket.",
        discussion: """
            Fields: \(Field.all.joined(separator: ", ")), or custom.NAME.
            Examples:
              fieldsync set T1-central fault-code E42
              fieldsync set T1-central custom.floor 3
            """)

    @Argument(help: "The ticket id.") var ticket: String
    @Argument(help: "The field.") var field: String
    @Argument(help: "The new value.") var value: String
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try global.withReplica { r in
            let rec = try r.set(ticket: ticket, field: field, value: value)
            global.emit(rec) { confirmation("\(field) set", rec) }
        }
    }
}

struct Part: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record spare parts used on a ticket.", subcommands: [Add.self, Remove.self])

    struct Add: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Add a part line (from your van unless --from says otherwise).",
            discussion: "Examples:\n  fieldsync part add T1-central FAN-220-EC --qty 1\n  fieldsync part add T1-central CABLE-3G15 --qty 2.5 --unit m --from depot:north")

        @Argument(help: "The ticket id.") var ticket: String
        @Argument(help: "The part number.") var part: String
        @Option(parsing: .unconditional, help: "How many (up to 3 decimals).") var qty: String
        @Option(help: "Unit of the quantity.") var unit = "pcs"
        @Option(help: "Stock location it came from (default: van:<engineer>).") var from: String?
        @OptionGroup var global: GlobalOptions

        func run() throws {
            try global.withReplica { r in
                let rec = try r.addPart(ticket: ticket, part: part, quantity: qty, unit: unit, from: from)
                if let warning = rec.warning { FileHandle.standardError.write(Data("warning: \(warning)\n".utf8)) }
                global.emit(rec) { "✓ part line \(rec.line ?? "") added on \(rec.ticket): \(qty) \(unit) \(part)" }
            }
        }
    }

    struct Remove: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Remove a part line, by the line id `fieldsync show` lists.",
            discussion: "Example:\n  fieldsync part remove T1-central 7@e17-1a2b3c")

        @Argument(help: "The ticket id.") var ticket: String
        @Argument(help: "The line id.") var line: String
        @OptionGroup var global: GlobalOptions

        func run() throws {
            try global.withReplica { r in
                let rec = try r.removePart(ticket: ticket, line: line)
                global.emit(rec) { confirmation("part line \(line) removed", rec) }
            }
        }
    }
}
