import ArgumentParser
import FieldNode
import Foundation
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
              FIELDSYNC_POSTGRES_URL=postgres://fieldsync:PASSWORD@db:5432/fieldsync fieldsync-node serve --postgres --port 8443
            With --postgres (a central on PostgreSQL) the node keeps nothing of its own: run
            several behind a load balancer on one database; each brings the schema up to date
            at start (two starting at once are safe) and serves any request.
            Endpoints: POST /v1/sync and /v1/blobs/… (bearer token), GET /healthz, GET /metrics (Prometheus).
            Limits: attachments up to --max-attachment-mb (256); unfinished uploads expire
            --partial-ttl-hours after their last byte (24) and each token may hold at most
            --max-partial-mb of them (1024); a connection that sends no whole request head
            for 30 s is closed. Photo uploads leave --disk-reserve-mb (512) free on the data
            folder's disk for syncs: past it they are refused (507) and syncs go on.
            """)

    @Option(help: "The node's data folder (created on first use).") var data: String?
    @Option(
        help: ArgumentHelp(
            "Serve a central on PostgreSQL: postgres://USER:PASSWORD@HOST:PORT/DATABASE[?sslmode=require] (or set FIELDSYNC_POSTGRES_URL; the password is never printed).",
            valueName: "URL"))
    var postgres: String?
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Port to listen on (0 picks a free one).") var port = 8080
    @Option(name: .customLong("tls-cert"), help: "PEM certificate chain: with --tls-key, serve HTTPS.") var tlsCert: String?
    @Option(name: .customLong("tls-key"), help: "PEM private key for --tls-cert.") var tlsKey: String?

    @Option(name: .customLong("max-attachment-mb"), help: "Largest attachment an op may declare, in MiB.")
    var maxAttachmentMB: UInt64 = NodeLimits.defaultMaxAttachmentBytes >> 20
    @Option(name: .customLong("max-partial-mb"), help: "Most unfinished upload bytes one token may hold on the node, in MiB.")
    var maxPartialMB: UInt64 = NodeLimits.defaultMaxPartialBytesPerPrincipal >> 20
    @Option(name: .customLong("partial-ttl-hours"), help: "Unfinished uploads untouched this long are deleted.")
    var partialTTLHours: UInt64 = NodeLimits.defaultPartialUploadTTL / 3600
    // For tests: limits in small units.
    @Option(name: .customLong("partial-ttl-seconds"), help: .hidden) var partialTTLSeconds: UInt64?
    @Option(name: .customLong("max-partial-bytes"), help: .hidden) var maxPartialBytes: UInt64?
    @Option(
        name: .customLong("disk-reserve-mb"),
        help: "Free space (MiB) photo uploads leave on the data folder's disk for syncs; an upload that would cut into it is refused.")
    var diskReserveMB: UInt64 = NodeLimits.defaultDiskReserveBytes >> 20
    @Option(name: .customLong("header-timeout"), help: .hidden) var headerTimeout: Int64 = NodeLimits.defaultHeaderTimeoutSeconds
    @Option(help: "Run as a depot relaying to this node (central), e.g. https://central.example:8443; needs --upstream-token.")
    var upstream: String?
    @Option(
        name: .customLong("upstream-token"),
        help: "The depot's token at the upstream (`token create --role depot --name DEPOT` there). Other users see it in `ps`: prefer --upstream-token-file or FIELDSYNC_UPSTREAM_TOKEN.")
    var upstreamToken: String?
    @Option(name: .customLong("upstream-token-file"), help: "A file holding the depot's token at the upstream; keep it readable by the node's user only.")
    var upstreamTokenFile: String?
    @Option(name: .customLong("upstream-interval"), help: .hidden) var upstreamInterval: Int64 = 5

    /// Limits past these are typing mistakes (and would overflow as bytes or seconds).
    static let mostMB: UInt64 = 1 << 30
    static let mostHours: UInt64 = 24 * 365

    func validate() throws {
        if upstream != nil, upstreamToken == nil, upstreamTokenFile == nil, ProcessInfo.processInfo.environment["FIELDSYNC_UPSTREAM_TOKEN"] == nil {
            throw ValidationError("--upstream needs the depot's token there: --upstream-token-file FILE, FIELDSYNC_UPSTREAM_TOKEN or --upstream-token TOKEN")
        }
        if upstream == nil, upstreamToken != nil || upstreamTokenFile != nil { throw ValidationError("an upstream token goes with --upstream URL") }
        if upstreamToken != nil, upstreamTokenFile != nil { throw ValidationError("give --upstream-token-file or --upstream-token, not both") }
        if upstream != nil, data == nil { throw ValidationError("--upstream is for a depot: give its --data DIR") }
        switch (data, postgresURL) {
        case (.some, .some): throw ValidationError("give --data DIR or --postgres URL, not both")
        case (nil, nil): throw ValidationError("give --data DIR (a node's folder) or --postgres URL (a central on PostgreSQL; or set \(NodeStores.postgresURLVariable))")
        default: break
        }
        if (tlsCert == nil) != (tlsKey == nil) { throw ValidationError("--tls-cert and --tls-key go together") }
        guard (1...Self.mostMB).contains(maxAttachmentMB) else { throw ValidationError("--max-attachment-mb is 1 to \(Self.mostMB)") }
        guard (1...Self.mostMB).contains(maxPartialMB) else { throw ValidationError("--max-partial-mb is 1 to \(Self.mostMB)") }
        guard (1...Self.mostHours).contains(partialTTLHours) else { throw ValidationError("--partial-ttl-hours is 1 to \(Self.mostHours)") }
        if let s = partialTTLSeconds, !(1...Self.mostHours * 3600).contains(s) { throw ValidationError("--partial-ttl-seconds is 1 to \(Self.mostHours * 3600)") }
        if let b = maxPartialBytes, !(1...Self.mostMB << 20).contains(b) { throw ValidationError("--max-partial-bytes is 1 to \(Self.mostMB << 20)") }
        guard diskReserveMB <= Self.mostMB else { throw ValidationError("--disk-reserve-mb is 0 to \(Self.mostMB)") }
        guard (1...86_400).contains(headerTimeout) else { throw ValidationError("--header-timeout is 1 to 86400 seconds") }
        // Every byte of an upload is unfinished until its last: a smaller cap would refuse the largest photos for ever.
        if maxPartialBytes == nil, maxPartialMB < maxAttachmentMB {
            throw ValidationError("--max-partial-mb (\(maxPartialMB)) must be at least --max-attachment-mb (\(maxAttachmentMB)): an upload is unfinished until its last byte")
        }
    }

    func run() async throws {
        LoggingSystem.bootstrap { StreamLogHandler.standardError(label: $0) }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        var logger = Logger(label: "fieldsync-node")
        logger.logLevel = .info
        var config = NodeConfiguration(dataDirectory: data ?? "", host: host, port: port, tlsCertificate: tlsCert, tlsKey: tlsKey)
        config.maxAttachmentBytes = maxAttachmentMB << 20
        config.maxPartialBytesPerPrincipal = maxPartialBytes ?? maxPartialMB << 20
        config.partialUploadTTL = partialTTLSeconds ?? partialTTLHours * 3600
        config.headerTimeoutSeconds = headerTimeout
        config.diskReserveBytes = diskReserveMB << 20
        config.postgresURL = postgresURL
        config.upstreamURL = upstream
        config.upstreamIntervalSeconds = upstreamInterval
        // A node that cannot open its store says why in one line, as every command does.
        try await reportingErrors {
            if upstream != nil {
                guard let token = try upstreamToken ?? BundleCommand.siteToken(upstreamTokenFile) else {
                    throw NodeError.badRequest("the depot's token at the upstream must be a token (fs_…): check --upstream-token-file or FIELDSYNC_UPSTREAM_TOKEN")
                }
                config.upstreamToken = token
            }
            try await NodeBackend.with(config, logger: logger) { backend in
                try await buildApplication(configuration: config, backend: backend, metrics: registry, logger: logger).runService()
            }
        }
    }

    /// `--postgres`, or the environment's URL when no data folder is given.
    var postgresURL: String? {
        postgres ?? (data == nil ? ProcessInfo.processInfo.environment[NodeStores.postgresURLVariable] : nil)
    }
}
