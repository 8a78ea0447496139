import ArgumentParser
import FieldNode
import Hummingbird
import Logging
import Metrics
import Prometheus

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve sync over HTTP (SIGTERM finishes requests in flight, then exits).",
        discussion: """
            Examples:
              fieldsync-node serve --data /var/lib/fieldsync
              fieldsync-node serve --data /var/lib/fieldsync --host 0.0.0.0 --port 8443 --tls-cert node.pem --tls-key node.key
            Endpoints: POST /v1/sync (bearer token), GET /healthz, GET /metrics (Prometheus).
            """)

    @Option(help: "The node's data folder (created on first use).") var data: String
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0 picks a free one).") var port = 8080
    @Option(name: .customLong("tls-cert"), help: "PEM certificate chain: with --tls-key, serve HTTPS.") var tlsCert: String?
    @Option(name: .customLong("tls-key"), help: "PEM private key for --tls-cert.") var tlsKey: String?

    func validate() throws {
        if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("--tls-cert and --tls-key go together") }
    }

    func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        var logger = Logger(label: "fieldsync-node")
        logger.logLevel = .info
        let config = NodeConfiguration(dataDirectory: data, host: host, port: port, tlsCertificate: tlsCert, tlsKey: tlsKey)
        let app: any ApplicationProtocol
        do {
            app = try buildApplication(configuration: config, metrics: registry, logger: logger)
        } catch {
            try reportingErrors { throw error }
            return
        }
        try await app.runService()
    }
}
