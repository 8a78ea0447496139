import FieldModel
import FieldStore
import PostgresNIO

extension PostgresNodeBlobStore {
    /// Verifies the partial blob by streaming its chunks, in order, through SHA-256 (under
    /// a lease of its own, so no upload appends meanwhile): visible if it hashes to
    /// `digest`, deleted otherwise.
    public func finish(_ digest: Digest) async throws(StoreError) -> Bool {
        let logger = logger
        let (token, held) = try await guarded("starting to verify a blob") {
            try await client.checkedTransaction(logger: logger) { connection -> (String, (received: UInt64, complete: Bool)?) in
                // Only an expired upload is taken over: finishing is not uploading, and any
                // principal may ask to finish.
                guard let token = try await takeLease(digest, for: Self.finishing, connection) else {
                    throw StoreError(.uploadBusy, "an upload of blob \(digest.hex.prefix(12)) is in progress: retry shortly")
                }
                return (token, try await Self.row(digest, connection, logger))
            }
        }
        guard let held, !held.complete else {
            try await guarded("ending a blob's verification") {
                try await client.withConnection { connection in try await releaseLease(digest, token: token, connection) }
            }
            return held != nil
        }
        let verified = try await guarded("verifying a blob") { try await hash(digest, upTo: held.received) == digest }
        return try await guarded("ending a blob's verification") {
            try await client.checkedTransaction(logger: logger) { connection in
                if verified {
                    try await connection.checkedQuery(
                        """
                        UPDATE blobs SET complete = true, touched = clock_timestamp()
                        WHERE sha256 = \(digest.hex) AND received = \(Int64(clamping: held.received))
                        """, logger: logger)
                } else {
                    // The chunks go with the row (ON DELETE CASCADE).
                    try await connection.checkedQuery("DELETE FROM blobs WHERE sha256 = \(digest.hex) AND NOT complete", logger: logger)
                }
                try await releaseLease(digest, token: token, connection)
                return verified
            }
        }
    }

    /// The SHA-256 of the blob's first `end` bytes, read chunk by chunk (each must start
    /// where the last ended); nil if they do not run on to `end`. Hashed on
    /// ``BlockingWork``'s threads, off the cooperative pool.
    func hash(_ digest: Digest, upTo end: UInt64) async throws -> Digest? {
        let (client, logger) = (client, logger)
        return try await withTaskExecutorPreference(BlockingWork.executor) {
            let hasher = BlobHasher()
            var at: UInt64 = 0
            while at < end {
                let rows = try await client.query(
                    "SELECT bytes FROM blob_chunks WHERE sha256 = \(digest.hex) AND pos = \(Int64(clamping: at))", logger: logger
                ).decode(ByteBuffer.self).all()
                guard let chunk = rows.first, chunk.readableBytes > 0 else { return nil }
                chunk.withUnsafeReadableBytes { hasher.update($0) }
                at += UInt64(chunk.readableBytes)
            }
            return at == end ? hasher.digest : nil
        }
    }

    public func sweepPartials(untouchedFor age: Duration) async -> [Digest] {
        let logger = logger
        let seconds = age.seconds
        let stale = (try? await client.query(
            """
            SELECT sha256 FROM blobs WHERE NOT complete AND touched < clock_timestamp() - make_interval(secs => \(seconds))
            ORDER BY sha256
            """, logger: logger
        ).decode(String.self).all()) ?? []
        var dropped: [Digest] = []
        for hex in stale {
            guard let digest = Digest(hex: hex) else { continue }
            // An upload holding it now is not abandoned (another node's, too).
            let gone = try? await client.checkedTransaction(logger: logger) { connection -> Bool in
                guard let token = try await takeLease(digest, for: Self.sweeping, connection) else { return false }
                let deleted = try await connection.checkedQuery(
                    """
                    DELETE FROM blobs WHERE sha256 = \(hex) AND NOT complete AND touched < clock_timestamp() - make_interval(secs => \(seconds))
                    RETURNING 1
                    """, logger: logger
                ).all()
                try await releaseLease(digest, token: token, connection)
                return !deleted.isEmpty
            }
            if gone == true { dropped.append(digest) }
        }
        return dropped
    }

    public func content(of digest: Digest) async throws(StoreError) -> BlobContent? {
        let logger = logger
        let held = try await guarded("reading a blob's state") {
            try await client.withConnection { connection in try await Self.row(digest, connection, logger) }
        }
        guard let held, held.complete else { return nil }
        return BlobContent(size: held.received, file: nil) { offset, limit throws(StoreError) in
            try await piece(of: digest, at: offset, limit: limit)
        }
    }

    /// At most `limit` bytes from `offset`, from the one chunk that holds that byte.
    func piece(of digest: Digest, at offset: UInt64, limit: Int) async throws(StoreError) -> ByteBuffer {
        let logger = logger
        return try await guarded("reading a blob") {
            // offset < size, which came from a bigint: it fits.
            let at = Int64(clamping: offset)
            let rows = try await client.query(
                "SELECT pos, bytes FROM blob_chunks WHERE sha256 = \(digest.hex) AND pos <= \(at) ORDER BY pos DESC LIMIT 1", logger: logger
            ).decode((Int64, ByteBuffer).self).all()
            guard let (pos, chunk) = rows.first, at - pos < Int64(chunk.readableBytes) else {
                throw StoreError(.damaged, "blob \(digest.hex.prefix(12)) has no byte \(offset) in the central database: it is damaged")
            }
            var bytes = chunk
            bytes.moveReaderIndex(forwardBy: Int(at - pos))
            return bytes.readSlice(length: min(limit, bytes.readableBytes)) ?? ByteBuffer()
        }
    }
}
