import Foundation
import Logging
import PostgresNIO
#if canImport(Glibc)
import Glibc
#endif

/// A throwaway PostgreSQL cluster for tests (../shared/TOOLCHAIN.md): Debian's `postgresql`,
/// `initdb` and `pg_ctl` in a temporary folder, trust authentication, listening on
/// 127.0.0.1 on a free port and on a socket in that folder.
///
/// `Tools/test` starts one cluster for the run (Tools/lib/postgres.sh) and names it in
/// `FIELDSYNC_TEST_POSTGRES`; without it (`swift test` alone) the test process starts one of
/// its own at first use and stops it at exit. Each test takes a database of its own
/// (``database(_:)``), so tests running at once never see each other's rows. A machine
/// without PostgreSQL fails the tests that need it, with the command to run, rather than
/// skipping them.
///
/// As root (CI), the cluster runs as the `postgres` user (`initdb` refuses root); otherwise
/// as the current user.
package final class TestPostgres: Sendable {
    package let port: Int

    /// The cluster `Tools/test` started, when it did.
    private init(port: Int) { self.port = port }

    /// The process's cluster, started on first use.
    package static func shared() throws -> TestPostgres {
        try started.get()
    }

    private static let started: Result<TestPostgres, any Error> = Result {
        if let url = ProcessInfo.processInfo.environment["FIELDSYNC_TEST_POSTGRES"] {
            guard let port = url.split(separator: ":").last.flatMap({ Int($0) }) else {
                throw TestPostgresError("FIELDSYNC_TEST_POSTGRES is \(url), not postgres://postgres@127.0.0.1:PORT")
            }
            return TestPostgres(port: port)
        }
        let (port, bin, folder) = try startCluster()
        running = (bin, folder)
        atexit { TestPostgres.stopRunning() }
        return TestPostgres(port: port)
    }

    /// What `atexit` needs to stop the cluster (a C callback captures nothing).
    nonisolated(unsafe) private static var running: (bin: String, folder: String)?

    private static func stopRunning() {
        guard let (bin, folder) = running else { return }
        _ = try? asOwnerQuietly(bin + "/pg_ctl", ["-D", folder + "/db", "-m", "immediate", "-w", "stop"])
        try? FileManager.default.removeItem(atPath: folder)
    }

    /// Starts a cluster of this process's own: its port, the tools' folder, its folder.
    private static func startCluster() throws -> (Int, String, String) {
        guard let bin = ["/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/17/bin"]
            .first(where: { FileManager.default.isExecutableFile(atPath: $0 + "/initdb") })
        else {
            throw TestPostgresError(
                "PostgreSQL is not installed: `apt-get install -y postgresql` (Tools/test installs it), then run the tests again")
        }
        let folder = NSTemporaryDirectory() + "fieldsync-pg-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        if getuid() == 0 { _ = try Binaries.run(executable: "/bin/chown", ["postgres:postgres", folder]) }
        let initdb = try asOwner(bin + "/initdb", ["-D", folder + "/db", "-A", "trust", "-U", "postgres", "--no-sync"])
        guard initdb.status == 0 else { throw TestPostgresError("initdb failed: \(initdb.stderr)") }
        // A free port: a few tries, since another process may take the one found first.
        var lastError = ""
        for _ in 0..<5 {
            let port = try LoopbackSocket.freePort()
            // Its output is not read: the server it leaves running would hold a pipe open for ever.
            let start = try asOwnerQuietly(
                bin + "/pg_ctl",
                [
                    "-D", folder + "/db", "-l", folder + "/log", "-w", "-t", "30",
                    "-o", "-p \(port) -k \(folder) -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=1000", "start",
                ])
            if start == 0 { return (port, bin, folder) }
            lastError = ((try? String(contentsOfFile: folder + "/log", encoding: .utf8)) ?? "")
        }
        throw TestPostgresError("PostgreSQL did not start: \(lastError)")
    }

    /// Runs a PostgreSQL tool as the cluster's owner.
    private static func asOwner(_ tool: String, _ args: [String]) throws -> ProcessResult {
        getuid() == 0
            ? try Binaries.run(executable: "/usr/sbin/runuser", ["-u", "postgres", "--", tool] + args)
            : try Binaries.run(executable: tool, args)
    }

    /// Runs a PostgreSQL tool as the cluster's owner, its output to /dev/null; its exit status.
    /// posix_spawn and waitpid, not Foundation's Process: `pg_ctl start` leaves a server
    /// behind, and Process (whose pipes the server would hold, and whose exit monitor left
    /// `runuser` a zombie when called from a test's async task) never returned.
    private static func asOwnerQuietly(_ tool: String, _ args: [String]) throws -> Int32 {
        let argv = getuid() == 0 ? ["/usr/sbin/runuser", "-u", "postgres", "--", tool] + args : [tool] + args
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        for fd: Int32 in [0, 1, 2] { posix_spawn_file_actions_addopen(&actions, fd, "/dev/null", fd == 0 ? O_RDONLY : O_WRONLY, 0) }
        var cArgs = argv.map { strdup($0) } + [nil]
        defer { for p in cArgs { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, nil, &cArgs, environ)
        guard rc == 0 else { throw TestPostgresError("could not run \(argv[0]): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        return (status & 0x7F) == 0 ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
    }

    /// Makes a new, empty database and returns its URL (`postgres://postgres@127.0.0.1:PORT/NAME`),
    /// over a connection of PostgresNIO's (no process is started: a test's thread is never held).
    /// With `template`, a copy of that database (which no session may be using).
    package func database(_ prefix: String = "fieldsync", template: String? = nil) async throws -> String {
        let name = "\(prefix)_\(UUID().uuidString.prefix(8).lowercased())"
        let connection = try await PostgresConnection.connect(
            configuration: .init(host: "127.0.0.1", port: port, username: "postgres", password: nil, database: "postgres", tls: .disable),
            id: 1, logger: Logger(label: "fieldsync.test-postgres"))
        do {
            _ = try await connection.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)" + (template.map { " TEMPLATE \($0)" } ?? "")), logger: Logger(label: "fieldsync.test-postgres"))
        } catch {
            try? await connection.close()
            throw TestPostgresError("CREATE DATABASE failed: \(String(reflecting: error))")
        }
        try await connection.close()
        return "postgres://postgres@127.0.0.1:\(port)/\(name)"
    }
}

/// Why the test cluster could not be had.
package struct TestPostgresError: Error, CustomStringConvertible {
    package let description: String
    init(_ description: String) { self.description = description }
}
