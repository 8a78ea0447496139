import FieldModel
import FieldStore
import PostgresNIO

extension PostgresNodeBlobStore {
    public func state(of digest: Digest) async throws(StoreError) -> BlobState {
        let logger = logger
        return try await guarded("reading a blob's state") {
            try await client.withConnection { connection in
                switch try await Self.row(digest, connection, logger) {
                case .some((let size, true)): .complete(size: size)
                case .some((let received, false)): .partial(received: received)
                case nil: .absent
                }
            }
        }
    }

    /// PostgreSQL refuses a write it has no room for (then ``StoreError/Code/diskFull``);
    /// the database's disk is its operator's, not the node's data folder: nothing to check here.
    public func ensureRoom(for incoming: UInt64) async throws(StoreError) {}

    public func beginUpload(_ digest: Digest, at offset: UInt64, holder: String) async throws(StoreError) -> any BlobUpload {
        let logger = logger
        let token = try await guarded("starting an upload") {
            try await client.checkedTransaction(logger: logger) { connection in
                guard let token = try await takeLease(digest, for: holder, connection) else {
                    throw StoreError(
                        .uploadBusy,
                        "another upload of blob \(digest.hex.prefix(12)) is in progress: retry in \(policy.idle.components.seconds) s (an upload that stalls loses the blob then)")
                }
                // A refusal below rolls the lease back too: a wrong offset changes nothing.
                switch try await Self.row(digest, connection, logger, lock: true) {
                case .some((_, true)):
                    throw StoreError(.blobComplete, "blob \(digest.hex.prefix(12)) is already complete")
                case .some((let held, false)):
                    guard offset == held else { throw StoreError(.wrongOffset, "the node holds \(held) bytes of this blob: send from byte \(held)") }
                    try await connection.checkedQuery("UPDATE blobs SET touched = clock_timestamp() WHERE sha256 = \(digest.hex)", logger: logger)
                case nil:
                    guard offset == 0 else { throw StoreError(.wrongOffset, "the node holds 0 bytes of this blob: send from byte 0") }
                    try await connection.checkedQuery("INSERT INTO blobs (sha256, received) VALUES (\(digest.hex), 0)", logger: logger)
                }
                return token
            }
        }
        return PostgresBlobUpload(store: self, digest: digest, token: token, position: offset)
    }
}

/// One upload request's appends to a blob in PostgreSQL: bytes gather into chunks of at
/// most ``BlobContent/pieceLimit``, each stored in a transaction of its own that first
/// renews the lease (refused once another upload took it over) and checks that the blob
/// still ends where this upload writes. A chunk is stored when full, when bytes have
/// waited ``flushEvery`` (so a slow link keeps its lease alive), and at `close`: what the
/// node acknowledges is committed.
///
/// An actor: its buffer and position change across awaits; one request appends at a time.
actor PostgresBlobUpload: BlobUpload {
    /// Bytes that waited this long are stored even if their chunk is not full: the lease's
    /// last-byte time moves only when a chunk is stored, and must stay well inside
    /// ``UploadLease/Policy/idle`` while bytes arrive.
    static let flushEvery: Duration = .seconds(1)

    let store: PostgresNodeBlobStore
    let digest: Digest
    let token: String
    /// Where the next chunk goes: what the blob holds in the database.
    private var position: UInt64
    private var pending = ByteBuffer()
    private var lastFlush = ContinuousClock.now
    /// Another upload took the lease over: nothing more of this one is stored.
    private var revoked = false
    private var closed = false

    init(store: PostgresNodeBlobStore, digest: Digest, token: String, position: UInt64) {
        self.store = store
        self.digest = digest
        self.token = token
        self.position = position
    }

    func append(_ bytes: ByteBuffer) async throws(StoreError) {
        guard !closed, !revoked else { throw taken() }
        var bytes = bytes
        while bytes.readableBytes > 0 {
            let room = BlobContent.pieceLimit - pending.readableBytes
            // readSlice cannot fail: the length is at most what is readable.
            guard var slice = bytes.readSlice(length: min(room, bytes.readableBytes)) else { break }
            pending.writeBuffer(&slice)
            if pending.readableBytes >= BlobContent.pieceLimit { try await flush() }
        }
        if pending.readableBytes > 0, ContinuousClock.now - lastFlush >= Self.flushEvery { try await flush() }
    }

    func close() async throws(StoreError) {
        guard !closed else { return }
        closed = true
        guard !revoked else { return }
        var failure: StoreError?
        do { try await flush() } catch { failure = error }
        let (store, digest, token) = (store, digest, token)
        try await store.guarded("ending an upload") {
            try await store.client.withConnection { connection in try await store.releaseLease(digest, token: token, connection) }
        }
        if let failure { throw failure }
    }

    private func taken() -> StoreError {
        StoreError(.uploadBusy, "this upload of blob \(digest.hex.prefix(12)) stalled and a newer one took it over: its bytes are refused")
    }

    /// Stores the pending bytes as one chunk at `position`.
    private func flush() async throws(StoreError) {
        guard pending.readableBytes > 0 else { return }
        let (store, digest, token, chunk, at) = (store, digest, token, pending, position)
        let count = Int64(chunk.readableBytes)
        let logger = store.logger
        do {
            try await store.guarded("storing an upload's bytes") {
                try await store.client.checkedTransaction(logger: logger) { connection in
                    let live = try await connection.checkedQuery(
                        """
                        UPDATE blob_leases SET last_byte = clock_timestamp() WHERE sha256 = \(digest.hex) AND token = \(token) RETURNING 1
                        """, logger: logger
                    ).all()
                    guard !live.isEmpty else { throw StoreError(.uploadBusy, "lease taken over") }
                    let grown = try await connection.checkedQuery(
                        """
                        UPDATE blobs SET received = received + \(count), touched = clock_timestamp()
                        WHERE sha256 = \(digest.hex) AND received = \(Int64(clamping: at)) AND NOT complete RETURNING 1
                        """, logger: logger
                    ).all()
                    guard !grown.isEmpty else {
                        throw StoreError(.damaged, "blob \(digest.hex.prefix(12)) no longer ends at byte \(at) under its upload: upload it again")
                    }
                    try await connection.checkedQuery(
                        "INSERT INTO blob_chunks (sha256, pos, bytes) VALUES (\(digest.hex), \(Int64(clamping: at)), \(chunk))", logger: logger)
                }
            }
        } catch where error.code == .uploadBusy {
            revoked = true
            pending.clear()
            throw taken()
        }
        position += UInt64(count)
        pending.clear()
        lastFlush = .now
    }
}
