import FieldCentral
import FieldClient
import FieldModel
import FieldStore
import FieldWire
import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import Metrics
import NIOCore
import NIOSSL
import Prometheus
import ServiceLifecycle

/// Builds the node's HTTP application: `/v1/sync`, `/healthz`, `/metrics`.
///
/// - Parameter metrics: the registry `/metrics` prints; the executable bootstraps
///   swift-metrics with it so counters and timers recorded anywhere appear there.
public func buildApplication(
    configuration: NodeConfiguration, backend: NodeBackend, metrics: PrometheusCollectorRegistry, logger: Logger,
    clock: @escaping @Sendable () -> UInt64 = { UInt64(Date().timeIntervalSince1970 * 1000) }
) throws -> some ApplicationProtocol {
    let sync = SyncService(
        store: backend.store, nodeReplica: backend.replica, pageSize: configuration.pageSize,
        maxAttachmentBytes: configuration.maxAttachmentBytes, incarnation: backend.incarnation, voucherKey: backend.voucherKey, clock: clock)
    let router = Router(context: NodeRequestContext.self)
    var shapes = RouteShapes()
    for (method, path) in [(HTTPRequest.Method.get, "/healthz"), (.get, "/metrics"), (.post, "/v1/sync"), (.get, DepotRoutes.tokensPath), (.get, DepotRoutes.membersPath), (.post, DepotRoutes.vouchPath)]
        + BlobRoutes.shapes.map({ ($0.0, "/v1/" + $0.1) })
    {
        shapes.add(method, path)
    }
    // First, so it sees every refusal, the router's own 404s included.
    router.add(middleware: ErrorFrameMiddleware(routes: shapes, logger: logger))
    router.get("/healthz") { _, _ in "ok\n" }
    router.get("/metrics") { _, _ in
        if let central = backend.central { await CentralMetrics.refresh(central) }
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
    }
    let api = router.group("v1").add(middleware: BearerAuthMiddleware(tokens: backend.store))
    let plain = configuration.tlsCertificate == nil
    // Blobs on either backend: the data folder's files, or chunks in the central database.
    let blobs: any NodeBlobStore
    if let store = backend.folder {
        // The free space blobs leave to the op log: an upload that would cut into it is 507.
        blobs = SQLiteNodeBlobStore(
            store: store, files: FileBlobStore(root: configuration.dataDirectory),
            reserve: DiskReserve(bytes: configuration.diskReserveBytes, folder: configuration.dataDirectory))
        // An operator learns at start, not from engineers, that photos will be refused.
        if let free = DiskSpace.available(at: configuration.dataDirectory), free < configuration.diskReserveBytes {
            logger.warning(
                "the data folder's disk has \(DiskSpace.megabytes(free)) free, under the \(DiskSpace.megabytes(configuration.diskReserveBytes)) reserve kept for the op log: photo uploads are refused until space is freed (serve --disk-reserve-mb)")
        }
    } else if let central = backend.central {
        blobs = PostgresNodeBlobStore(central)
    } else {
        throw NodeError.badRequest("the node has no store for blobs")
    }
    let partials = PartialUploads(blobs: blobs, ttl: configuration.partialUploadTTL, cap: configuration.maxPartialBytesPerPrincipal, clock: clock)
    // Downloads go by sendfile where the blob is a file and the link plain HTTP.
    BlobRoutes(blobs: blobs, sendsFiles: plain && backend.folder != nil, partials: partials, maxAttachmentBytes: configuration.maxAttachmentBytes, clock: clock)
        .add(to: api)
    DepotRoutes(store: backend.store, blobs: blobs, clock: clock).add(to: api)
    api.post("sync") { request, context -> Response in
        let started = DispatchTime.now().uptimeNanoseconds
        let tooLarge = Response.frame(
            status: .contentTooLarge,
            Frame.encode([.error(ErrorMessage(code: .tooLarge, message: "the sync body is over \(WireLimits.maxFrameBytes) bytes: sync in smaller pages"))]))
        // A declared length over the limit is refused at once, not after waiting for its bytes.
        if let declared = request.headers[.contentLength], ByteRange.number(declared[...]).map({ $0 > UInt64(WireLimits.maxFrameBytes) }) ?? false {
            SyncMetrics.errors(.tooLarge)
            return tooLarge
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: WireLimits.maxFrameBytes)
        } catch {
            SyncMetrics.errors(.tooLarge)
            return tooLarge
        }
        guard let principal = context.principal else { return Response(status: .unauthorized) }
        let bytes = [UInt8](buffer: body)
        let outcome = await sync.handleOffThePool(bytes, principal: principal)
        let elapsed = DispatchTime.now().uptimeNanoseconds - started
        SyncMetrics.record(outcome, bytesIn: bytes.count, nanoseconds: elapsed)
        // The op log could not be written for want of room (SyncService's quota): the
        // operator hears of it here; the device gets 507 with the plain words (thrown, as
        // the error layer keeps a handler's 5xx text out of the answer otherwise).
        if outcome.error == .quota {
            ErrorFrameMiddleware.countStorageFull(.sync)
            logger.error("sync refused: the node's storage is full: free space on the data folder's disk", metadata: ["principal": .string(principal.name)])
            throw HTTPError(PartialUploads.insufficientStorage, message: ErrorFrameMiddleware.storageFull(refusing: .sync))
        }
        logger.info(
            "sync",
            metadata: [
                "replica": .string(outcome.replica), "principal": .string(principal.name),
                "ops_in": .stringConvertible(outcome.opsIn), "ops_out": .stringConvertible(outcome.opsOut),
                "bytes_in": .stringConvertible(bytes.count), "bytes_out": .stringConvertible(outcome.body.count),
                "ms": .stringConvertible(elapsed / 1_000_000), "status": .stringConvertible(outcome.status),
            ].merging(outcome.error.map { ["error": .string($0.description)] } ?? [:]) { a, _ in a }
                .merging(outcome.internalDetail.map { ["detail": .string($0)] } ?? [:]) { a, _ in a })
        return Response.frame(status: HTTPResponse.Status(code: outcome.status), outcome.body)
    }
    // Clamped to a day: the limit exists to cut slow or idle connections, not to overflow a timer.
    let headerTimeout = TimeAmount.seconds(min(max(configuration.headerTimeoutSeconds, 1), 86_400))
    let address = BindAddress.hostname(configuration.host, port: configuration.port)
    // One line on stdout with the real port (useful with --port 0), for scripts and tests.
    let announce: @Sendable (any Channel) async -> Void = { channel in
        let scheme = configuration.tlsCertificate == nil ? "http" : "https"
        let line = "fieldsync-node listening on \(scheme)://\(configuration.host):\(channel.localAddress?.port ?? configuration.port)\n"
        FileHandle.standardOutput.write(Data(line.utf8))
    }
    // A depot relays to its upstream in the background (M8); a node on PostgreSQL is central.
    var services: [any Service] = [partials]
    if let url = configuration.upstreamURL, let token = configuration.upstreamToken {
        guard let folder = backend.folder else { throw NodeError.badRequest("--upstream is for a depot, on a --data folder, not for a central on PostgreSQL") }
        services.append(
            UpstreamRelay(
                store: folder, link: try NodeLink(upstream: url, token: token), blobs: FileBlobStore(root: configuration.dataDirectory).complete,
                logger: logger,
                interval: .seconds(max(configuration.upstreamIntervalSeconds, 1)),
                // A short interval (tests, a depot on a good uplink) backs off less far too.
                maxBackoff: .seconds(min(60, 12 * max(configuration.upstreamIntervalSeconds, 1)))))
    }
    if let cert = configuration.tlsCertificate, let key = configuration.tlsKey {
        let tls = TLSConfiguration.makeServerConfiguration(
            certificateChain: try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) },
            privateKey: .privateKey(try NIOSSLPrivateKey(file: key, format: .pem)))
        var app = Application(
            router: router, server: try .tls(LargeReadChannel.builder(sendsFiles: false, headerTimeout: headerTimeout), tlsConfiguration: tls),
            configuration: .init(address: address, serverName: "fieldsync-node"), services: services, onServerRunning: announce, logger: logger)
        // Uploads abandoned while the node was down go before it listens, not at the first request.
        app.beforeServerStarts { await partials.sweep() }
        return app
    }
    var app = Application(
        router: router, server: LargeReadChannel.builder(sendsFiles: plain, headerTimeout: headerTimeout), configuration: .init(address: address, serverName: "fieldsync-node"),
        services: services, onServerRunning: announce, logger: logger)
    app.beforeServerStarts { await partials.sweep() }
    return app
}

/// The node's sync metrics, through swift-metrics.
enum SyncMetrics {
    static func record(_ outcome: SyncService.Outcome, bytesIn: Int, nanoseconds: UInt64) {
        Counter(label: "fieldsync_syncs_total").increment()
        Counter(label: "fieldsync_ops_in_total").increment(by: outcome.opsIn)
        Counter(label: "fieldsync_ops_out_total").increment(by: outcome.opsOut)
        Counter(label: "fieldsync_bytes_in_total").increment(by: bytesIn)
        Counter(label: "fieldsync_bytes_out_total").increment(by: outcome.body.count)
        Timer(label: "fieldsync_sync_duration_seconds").recordNanoseconds(Int64(nanoseconds))
        if let error = outcome.error { errors(error) }
    }

    static func errors(_ code: ErrorCode) {
        Counter(label: "fieldsync_sync_errors_total", dimensions: [("code", code.description)]).increment()
    }
}

/// The central database's health, read when `/metrics` is scraped.
enum CentralMetrics {
    /// How long the oldest open transaction has held the visibility horizon back: every pull
    /// waits behind it (SPEC §3.6.1), so an operator alerts on it. -1 when the database
    /// cannot be asked (the scrape still answers).
    static func refresh(_ central: PostgresNodeStore) async {
        let seconds = (try? await central.oldestTransactionSeconds()) ?? -1
        Gauge(label: "fieldsync_central_oldest_transaction_seconds").record(seconds)
    }
}
