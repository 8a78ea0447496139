import FieldTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// A node on loopback and engineers with their own replicas, all real processes.
final class Field {
    let folder: TempFolder
    private(set) var node: NodeProcess
    /// With `tls`: the CA that signed the node's HTTPS certificate.
    let ca: TestCA?

    /// A node on plain HTTP, or with `tls` on HTTPS with a certificate from a CA of its own
    /// (for `certificateName`, a subjectAltName).
    init(tls: Bool = false, certificateName: String = "IP:127.0.0.1") throws {
        folder = try TempFolder("fieldsync-it")
        ca = tls ? try TestCA(in: folder.path, name: certificateName) : nil
        let args = ca.map { ["--tls-cert", $0.nodeCertificate, "--tls-key", $0.nodeKey] } ?? []
        node = try NodeProcess(data: folder.path + "/node", extraArgs: args)
    }

    /// Stops the node, runs `meanwhile` on its stopped data folder (a restore, say), and
    /// starts it again (on a new port: log engineers in again).
    func restartNode(meanwhile: (String) throws -> Void = { _ in }) throws {
        node.stop()
        try meanwhile(node.data)
        node = try NodeProcess(data: node.data)
    }

    /// Creates a token for `name` with `role`; returns it.
    func token(_ name: String, role: String = "engineer") throws -> String {
        let r = try node.admin("token", "create", "--role", role, "--name", name)
        #expect(r.status == 0, "token create: \(r.stderr)")
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Dispatches a ticket to `engineer`; returns its id.
    func dispatch(_ engineer: String, customer: String = "Acme Foods") throws -> String {
        let r = try node.admin(
            "ticket", "create", "--customer", customer, "--site", "Plant 3", "--device-model", "Chiller X2",
            "--category", "repair", "--fault", "Compressor trips", "--assign", engineer)
        #expect(r.status == 0, "ticket create: \(r.stderr)")
        return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The node's view of a ticket (`ticket show --json`).
    func central(_ ticket: String) throws -> [String: Any] { try node.admin("ticket", "show", ticket, "--json").object }

    /// Digest of every ticket at central, by id: equal maps mean nothing changed.
    func centralDigests() throws -> [String: String] {
        let list = try node.admin("tickets", "--json").json as? [[String: Any]] ?? []
        return Dictionary(uniqueKeysWithValues: list.compactMap { t in
            (t["id"] as? String).map { ($0, t["digest"] as? String ?? "") }
        })
    }

    func engineer(_ name: String, env: [String: String] = [:]) throws -> Engineer {
        let e = Engineer(name: name, home: folder.path + "/\(name)", env: env)
        try e.ok("init", "--engineer", name)
        let trust = ca.map { ["--ca", $0.certificate] } ?? []
        try e.ok(["login", "--node", node.url, "--token", try token(name)] + trust)
        return e
    }

    /// POSTs raw bytes to /v1/sync with `token`; returns the status and body.
    func post(_ body: [UInt8], token: String?) async throws -> (Int, [UInt8]) {
        var request = URLRequest(url: URL(string: node.url + "/v1/sync")!)
        request.httpMethod = "POST"
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        request.httpBody = Data(body)
        let (data, response) = try await URLSession.shared.data(for: request)
        return ((response as? HTTPURLResponse)?.statusCode ?? 0, [UInt8](data))
    }
}

/// One engineer's device: a `fieldsync` home.
struct Engineer {
    let name: String
    let home: String
    var env: [String: String] = [:]

    @discardableResult
    func run(_ args: String..., env extra: [String: String] = [:]) throws -> ProcessResult {
        try Binaries.run("fieldsync", args, env: env.merging(extra) { _, b in b }.merging(["FIELDSYNC_HOME": home]) { a, _ in a })
    }

    @discardableResult
    func ok(_ args: String..., sourceLocation: SourceLocation = #_sourceLocation) throws -> ProcessResult {
        try ok(args, sourceLocation: sourceLocation)
    }

    /// `ok` with the arguments in an array.
    @discardableResult
    func ok(_ args: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> ProcessResult {
        let r = try Binaries.run("fieldsync", args, env: env.merging(["FIELDSYNC_HOME": home]) { a, _ in a })
        #expect(r.status == 0, "\(name): fieldsync \(args.joined(separator: " ")) failed: \(r.stderr)", sourceLocation: sourceLocation)
        return r
    }

    func show(_ ticket: String) throws -> [String: Any] { try ok("show", ticket, "--json").object }
    func digest(_ ticket: String) throws -> String? { try show(ticket)["digest"] as? String }
}
