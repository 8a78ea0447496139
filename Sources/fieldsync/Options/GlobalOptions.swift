import ArgumentParser
import FieldClient
import FieldStore
import Foundation

/// Options every command takes.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "The replica's folder (default: $FIELDSYNC_HOME, else ~/.fieldsync).")
    var home: String?

    @Flag(name: .long, help: "Print machine-readable JSON.")
    var json = false

    var fieldHome: FieldHome { FieldHome(explicit: home) }

    /// Opens the replica and runs `body`; any error is one line on stderr and exit 1.
    func withReplica(_ body: (FieldReplica) throws -> Void) throws {
        try reportingErrors { try body(announcingFork(try FieldReplica.open(home: fieldHome))) }
    }

    /// Prints `value` as JSON, or `text` otherwise.
    func emit<T: Encodable>(_ value: T, text: () -> String) {
        print(json ? JSONOutput.string(value) : text())
    }
}

/// Says so on stderr when opening found the replica's file to be a copy and forked it
/// (SPEC §9.3); returns the replica.
func announcingFork(_ replica: FieldReplica) -> FieldReplica {
    if let old = replica.store.forkedFrom {
        FileHandle.standardError.write(Data(
            "note: this replica's file is a copy (restored from a backup, or moved): it records from now on as \(replica.replicaID), no longer as \(old), so nothing recorded here can reuse an id the node already holds; everything it held is kept and syncs as before\n".utf8))
    }
    return replica
}

/// Runs `body`; prints a thrown error as one line on stderr and exits non-zero.
func reportingErrors(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExitCode {
        throw error
    } catch {
        FileHandle.standardError.write(Data("error: \(error)\n".utf8))
        throw ExitCode(1)
    }
}

/// The usual one-line confirmation of a recorded change.
func confirmation(_ what: String, _ r: Recorded) -> String {
    "✓ \(what) on \(r.ticket) (\(r.ops.joined(separator: ", "))), status \(r.status)"
}
