import ArgumentParser
import FieldClient
import FieldStore
import FieldModel

/// accept, depart, pause, resume: a lifecycle step with nothing else to say.
protocol SimpleStep: ParsableCommand {
    static var step: LifecycleKind { get }
    var ticket: String { get }
    var global: GlobalOptions { get }
}

extension SimpleStep {
    func run() throws {
        try global.withReplica { r in
            let rec = try r.step(Self.step, ticket: ticket)
            global.emit(rec) { confirmation(Self.step.description, rec) }
        }
    }
}

struct Accept: SimpleStep {
    static let configuration = CommandConfiguration(
        abstract: "Accept a ticket assigned to you.", discussion: "Example:\n  fieldsync accept T1-central")
    static let step = LifecycleKind.accepted
    @Argument(help: "The ticket id.") var ticket: String
    @OptionGroup var global: GlobalOptions
}

struct Depart: SimpleStep {
    static let configuration = CommandConfiguration(
        abstract: "Record leaving for the site (en route).", discussion: "Example:\n  fieldsync depart T1-central")
    static let step = LifecycleKind.departed
    @Argument(help: "The ticket id.") var ticket: String
    @OptionGroup var global: GlobalOptions
}

struct Pause: SimpleStep {
    static let configuration = CommandConfiguration(
        abstract: "Pause work on a ticket (waiting for parts, access…).", discussion: "Example:\n  fieldsync pause T1-central")
    static let step = LifecycleKind.paused
    @Argument(help: "The ticket id.") var ticket: String
    @OptionGroup var global: GlobalOptions
}

struct Resume: SimpleStep {
    static let configuration = CommandConfiguration(
        abstract: "Resume work on a paused ticket.", discussion: "Example:\n  fieldsync resume T1-central")
    static let step = LifecycleKind.resumed
    @Argument(help: "The ticket id.") var ticket: String
    @OptionGroup var global: GlobalOptions
}

struct Arrive: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record arriving on site, with where you are.",
        discussion: "Example:\n  fieldsync arrive T1-central --lat 52.5163 --lon 13.3777 --accuracy 8")

    @Argument(help: "The ticket id.") var ticket: String
    @Option(parsing: .unconditional, help: "Latitude in degrees (-90 to 90).") var lat: Double
    @Option(parsing: .unconditional, help: "Longitude in degrees (-180 to 180).") var lon: Double
    @Option(help: "Accuracy of the fix in metres.") var accuracy: Double?
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try global.withReplica { r in
            let rec = try r.arrive(ticket: ticket, latitude: lat, longitude: lon, accuracy: accuracy)
            global.emit(rec) { confirmation("arrived", rec) }
        }
    }
}

struct Complete: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Complete a ticket, saying what was done.",
        discussion: "Example:\n  fieldsync complete T1-central --resolution \"Replaced condenser fan; tested 30 min\"")

    @Argument(help: "The ticket id.") var ticket: String
    @Option(help: "What was done.") var resolution: String
    @OptionGroup var global: GlobalOptions

    func run() throws {
        try global.withReplica { r in
            let rec = try r.complete(ticket: ticket, resolution: resolution)
            global.emit(rec) { confirmation("completed", rec) }
        }
    }
}
