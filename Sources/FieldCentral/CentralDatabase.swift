import Foundation
import Logging
import NIOSSL
import PostgresNIO

/// Where a central's PostgreSQL database is, from a `postgres://USER:PASSWORD@HOST:PORT/DB`
/// URL (`?sslmode=require` for TLS), and the client a node talks to it through.
///
/// The password is kept only in the client's configuration: ``description`` and every
/// error name the database without it, so it never reaches a log line or a terminal.
///
/// Every session the client opens has a statement timeout and an idle-in-transaction
/// timeout (``sessionSettings``): one open transaction anywhere holds back the op log's
/// visibility horizon (``PostgresNodeStore/pull(for:requester:cursor:limit:)``) for every node, so none may stay open long.
public struct CentralDatabase: Sendable, CustomStringConvertible {
    public let host: String
    public let port: Int
    public let user: String
    public let database: String
    public let requireTLS: Bool
    private let password: String?

    /// Statement timeout, and how long a session may sit idle inside a transaction.
    public static let sessionSettings: [(String, String)] = [
        ("statement_timeout", "30s"), ("idle_in_transaction_session_timeout", "15s"),
    ]

    public init(url: String) throws(CentralError) {
        guard let components = URLComponents(string: url), ["postgres", "postgresql"].contains(components.scheme ?? "")
        else {
            throw CentralError(.badURL, "the PostgreSQL URL must look like postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        }
        guard let host = components.host, !host.isEmpty else {
            throw CentralError(.badURL, "the PostgreSQL URL names no host: postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, !database.contains("/") else {
            throw CentralError(.badURL, "the PostgreSQL URL names no database: postgres://USER:PASSWORD@HOST:PORT/DATABASE")
        }
        // A port URLComponents could not read (past 16 bits, say) is no port, not the default.
        if components.port == nil, components.rangeOfPort != nil {
            throw CentralError(.badURL, "the PostgreSQL port must be 1 to 65535")
        }
        let port = components.port ?? 5432
        guard (1...65_535).contains(port) else { throw CentralError(.badURL, "the PostgreSQL port must be 1 to 65535") }
        var requireTLS = false
        for item in components.queryItems ?? [] {
            switch (item.name, item.value) {
            case ("sslmode", "disable"): requireTLS = false
            case ("sslmode", "require"): requireTLS = true
            default:
                throw CentralError(.badURL, "the PostgreSQL URL takes only ?sslmode=disable or ?sslmode=require, not '\(item.name)'")
            }
        }
        self.host = host
        self.port = port
        self.user = components.user.flatMap { $0.removingPercentEncoding ?? $0 } ?? "postgres"
        self.password = components.password.flatMap { $0.removingPercentEncoding ?? $0 }
        self.database = database
        self.requireTLS = requireTLS
    }

    /// The URL without its password: what logs and errors show.
    public var description: String {
        "postgres://\(user)\(password == nil ? "" : ":***")@\(host):\(port)/\(database)\(requireTLS ? "?sslmode=require" : "")"
    }

    /// Connects once and closes: a clear error at once when the database cannot be reached
    /// or refuses the node (a client's pool would retry for a minute before giving up).
    public func check(logger: Logger) async throws(CentralError) {
        var configuration = PostgresConnection.Configuration(
            host: host, port: port, username: user, password: password, database: database,
            tls: requireTLS ? .require(try Self.tlsContext()) : .disable)
        configuration.options.connectTimeout = .seconds(10)
        do {
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
            try? await connection.close()
        } catch {
            throw CentralError(.unavailable, "the central database \(self) cannot be used: \(Self.reason(error))")
        }
    }

    /// What went wrong, in one line: the server's words, or the connection's.
    static func reason(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return message }
            if let underlying = error.underlying { return "\(underlying)" }
            return "\(error.code)"
        }
        return "\(error)"
    }

    static func tlsContext() throws(CentralError) -> NIOSSLContext {
        do { return try NIOSSLContext(configuration: .makeClientConfiguration()) } catch {
            throw CentralError(.badURL, "TLS to the central database cannot be set up: \(error)")
        }
    }

    /// A client for this database. Run it (`client.run()`, in the node's ServiceGroup) for
    /// as long as it is used.
    public func makeClient(logger: Logger) -> PostgresClient {
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: user, password: password, database: database,
            tls: requireTLS ? .require(.makeClientConfiguration()) : .disable)
        configuration.options.additionalStartupParameters = Self.sessionSettings
        configuration.options.connectTimeout = .seconds(10)
        return PostgresClient(configuration: configuration, backgroundLogger: logger)
    }
}
