import FieldModel
import FieldNode
import FieldStore
import FieldTestSupport
import Foundation

/// Central and a depot `north` as real `fieldsync-node` processes on 127.0.0.1, the depot
/// relaying every second to central through a counting proxy (FieldTestSupport's
/// CuttingProxy with no cuts), which gives the bytes that crossed depot → central and back.
/// Central holds the morning's tickets, a token per engineer (which the depot adopts at its
/// first sync) and every engineer as north's member.
final class DepotRig {
    let centralFolder: String
    let depotFolder: String
    let depotLog: String
    let tokens: [Int: String]
    /// The depot's token at central (a bundle's request carries it).
    let depotToken: String
    private(set) var central: NodeServer
    private(set) var depot: NodeServer
    private let centralPort: Int
    let proxy: CuttingProxy

    init(days: [EngineerDay], in dir: TempDirectory, now: UInt64) throws {
        centralFolder = dir.file("central")
        depotFolder = dir.file("depot")
        depotLog = dir.file("depot.log")
        var tokens: [Int: String] = [:]
        do {
            let store = try NodeData.open(centralFolder)
            try store.apply(days.flatMap(\.morning), now: now)
            depotToken = try store.createToken(name: "north", role: .depot, now: now).token
            for day in days {
                tokens[day.engineer] = try store.createToken(name: "E\(day.engineer)", role: .engineer, now: now).token
                _ = try store.setDepotMember(depot: "north", engineer: "E\(day.engineer)", member: true, now: now)
            }
        }
        self.tokens = tokens
        central = try NodeServer(data: centralFolder)
        centralPort = central.port
        proxy = try CuttingProxy(targetPort: centralPort)
        depot = try Self.startDepot(depotFolder, upstream: proxy.url, token: depotToken, log: depotLog)
    }

    private static func startDepot(_ folder: String, upstream: String, token: String, log: String) throws -> NodeServer {
        try NodeServer(data: folder, port: 0, options: ["--upstream", upstream, "--upstream-token", token, "--upstream-interval", "1"], log: log)
    }

    /// Waits until the depot synced once and holds every one of its engineers' `tickets`.
    func waitForMorning(tickets: Int, timeout: Double = 120) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try upstream()?.lastSync != nil, try NodeData.open(depotFolder).tickets().count == tickets { return }
            usleep(100_000)
        }
        throw BenchError("the depot did not pull its \(tickets) tickets in \(Int(timeout)) s; its log: \(logTail)")
    }

    /// How the depot's relay to central stands (`fieldsync-node status`).
    func upstream() throws -> DepotStatus.Upstream? {
        try DepotStatus.read(dataDirectory: depotFolder).upstreams.first { $0.url == proxy.url }
    }

    func stopCentral() { central.stop() }

    func stopDepot() { depot.stop() }

    /// Central again on its port (the proxy's target), retried while the port is not free yet.
    func startCentral() throws {
        var lastError: (any Error)?
        for _ in 0..<50 {
            do {
                central = try NodeServer(data: centralFolder, port: centralPort, options: [])
                return
            } catch {
                lastError = error
                usleep(100_000)
            }
        }
        throw BenchError("central did not start again on port \(centralPort): \(lastError.map { "\($0)" } ?? "")")
    }

    func startDepot() throws { depot = try Self.startDepot(depotFolder, upstream: proxy.url, token: depotToken, log: depotLog) }

    func stop() {
        depot.stop()
        central.stop()
        proxy.stop()
    }

    var logTail: String {
        ((try? String(contentsOfFile: depotLog, encoding: .utf8)) ?? "").split(separator: "\n").suffix(8).joined(separator: "\n")
    }
}
