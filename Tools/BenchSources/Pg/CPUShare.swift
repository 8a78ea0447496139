import Foundation

/// Where a shift end's CPU went: the node processes, PostgreSQL's backends, this process
/// (the 200 replicas: their SQLite and HTTP), and everything else on the machine (the
/// other builds that share it). On 2 cores a wall-clock target is out of reach when these
/// add up to more than 2 × the seconds: this says which of them took the time.
struct CPUShare {
    var nodes = 0.0
    var postgres = 0.0
    var bench = 0.0
    /// Busy CPU time of the whole machine, every process.
    var machine = 0.0
    var others: Double { max(0, machine - nodes - postgres - bench) }

    static func now(nodes pids: [Int32], postmaster: Int32?) -> CPUShare {
        CPUShare(
            nodes: pids.reduce(0) { $0 + CPUTime.of(pid: $1) }, postgres: postmaster.map(postgresSeconds) ?? 0,
            bench: CPUTime.of(pid: getpid()), machine: machineBusySeconds())
    }

    static func - (a: CPUShare, b: CPUShare) -> CPUShare {
        CPUShare(nodes: a.nodes - b.nodes, postgres: a.postgres - b.postgres, bench: a.bench - b.bench, machine: a.machine - b.machine)
    }

    /// The bench cluster's server process: the one started with `-p port` (others' test
    /// clusters may run on the machine too, and are theirs).
    static func postmaster(port: Int) -> Int32? {
        processes().first { $0.command.contains("-p \(port) ") && $0.name == "postgres" }?.pid
    }

    /// User and system time of the cluster's server and its children (one backend per
    /// connection: the nodes' pools keep theirs for the whole run; background writers).
    static func postgresSeconds(postmaster: Int32) -> Double {
        let ticks = processes().filter { $0.pid == postmaster || $0.parent == postmaster }.reduce(0) { $0 + $1.ticks }
        return Double(ticks) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    struct ProcessStat {
        var pid: Int32
        var name: Substring
        var parent: Int32
        var ticks: Int
        var command: String
    }

    /// Every process's /proc/PID/stat: after the name in parentheses, the state is field 3,
    /// the parent field 4, utime and stime fields 14 and 15.
    static func processes() -> [ProcessStat] {
        guard let pids = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return pids.compactMap { pid in
            guard pid.allSatisfy(\.isNumber), let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
                let open = stat.firstIndex(of: "("), let close = stat.lastIndex(of: ")")
            else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            guard fields.count > 12, let parent = Int32(fields[1]), let user = Int(fields[11]), let system = Int(fields[12]) else { return nil }
            let command = (try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")))
                .map { String(decoding: $0.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self) } ?? ""
            return ProcessStat(pid: Int32(pid)!, name: stat[stat.index(after: open)..<close], parent: parent, ticks: user + system, command: command)
        }
    }

    /// Busy time of all CPUs together, from /proc/stat's first line (user, nice, system,
    /// idle, iowait, irq, softirq, steal …: all but idle and iowait).
    static func machineBusySeconds() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/stat", encoding: .utf8), let line = text.split(separator: "\n").first
        else { return 0 }
        let values = line.split(separator: " ").dropFirst().compactMap { Int($0) }
        guard values.count >= 8 else { return 0 }
        let busy = values[0] + values[1] + values[2] + values[5] + values[6] + values[7]
        return Double(busy) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// "CPU s: nodes 1.2, PostgreSQL 0.8, replicas 1.5, rest of the machine 0.9, of 4.4 (2 cores × 2.2 s)".
    func line(wall: Double) -> String {
        let cores = ProcessInfo.processInfo.activeProcessorCount
        return "CPU s: node(s) \(Format.fixed(nodes, 2)), PostgreSQL \(Format.fixed(postgres, 2)), "
            + "replicas (this process) \(Format.fixed(bench, 2)), rest of the machine \(Format.fixed(others, 2)); "
            + "\(Format.fixed(Double(cores) * wall, 2)) available (\(cores) cores × \(Format.fixed(wall, 2)) s)"
    }
}
