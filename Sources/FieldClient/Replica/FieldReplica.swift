import FieldModel
import FieldStore
import Foundation

/// The engineer's replica: every `fieldsync` command that works offline is a method here.
/// Each method is one transaction on the store; bad input throws before anything is
/// written.
public final class FieldReplica: Sendable {
    public let home: FieldHome
    public let store: ReplicaStore
    public let blobs: BlobFolder
    let clock: @Sendable () -> UInt64

    init(home: FieldHome, store: ReplicaStore, clock: @escaping @Sendable () -> UInt64) {
        self.home = home
        self.store = store
        self.blobs = BlobFolder(root: home.blobsPath)
        self.clock = clock
    }

    /// Creates a new replica in `home` for `engineer`, with a fresh replica id.
    public static func initialise(
        home: FieldHome, engineer: String, clock: @escaping @Sendable () -> UInt64 = DeviceClock.nowMillis
    ) throws -> FieldReplica {
        guard ReplicaID.isValid(engineer), engineer.utf8.count <= 40 else {
            throw ClientError(.badArgument, "engineer id '\(engineer)' must be 1–40 letters, digits, '.', '_' or '-'")
        }
        try FileManager.default.createDirectory(atPath: home.path, withIntermediateDirectories: true)
        let suffix = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let replica = ReplicaID("\(engineer.lowercased())-\(suffix)")!
        let store = try ReplicaStore.create(at: home.replicaPath, replica: replica, engineer: engineer)
        return FieldReplica(home: home, store: store, clock: clock)
    }

    public static func open(home: FieldHome, clock: @escaping @Sendable () -> UInt64 = DeviceClock.nowMillis) throws -> FieldReplica {
        FieldReplica(home: home, store: try ReplicaStore.open(at: home.replicaPath), clock: clock)
    }

    public var engineer: String { store.identity.engineer }
    public var replicaID: ReplicaID { store.identity.replica }

    // MARK: Reading

    public func tickets(status: String?) throws -> [TicketSummary] {
        var filter: TicketStatus?
        if let status {
            guard let s = TicketStatus(rawValue: status) else {
                throw ClientError(
                    .badArgument,
                    "unknown status '\(status)': use one of \(TicketStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            filter = s
        }
        return try store.tickets(status: filter)
    }

    public func ticket(_ raw: String) throws -> Ticket {
        guard let id = EntityID(raw), let t = try store.ticket(id) else {
            throw ClientError(.unknownTicket, "no ticket '\(raw)' on this replica: `fieldsync tickets` lists the ones you have")
        }
        return t
    }

    /// Where an attachment's blob is: on this device (and whether the node has it yet),
    /// or only on the node.
    public func attachmentState(_ digest: Digest) -> String {
        guard blobs.contains(digest) else { return "remote only: fetch" }
        return (try? store.isBlobConfirmed(digest)) == true ? "local" : "local, pending upload"
    }

    public func conflicts() throws -> [Ticket] { try store.ticketsWithConflicts() }

    // MARK: Recording

    func stampTime(_ deviceNow: UInt64) throws -> UInt64 {
        let offset = try store.syncState().clockOffset
        return UInt64(max(0, Int64(bitPattern: deviceNow) &+ offset))
    }

    /// Records ops made by `make` on ticket `raw` in one transaction.
    func record(_ raw: String, _ make: (Ticket, UInt64) throws -> [OpBody]) throws -> Recorded {
        let id = try ticket(raw).id
        let now = clock()
        // Device times are recorded as the device shows them; the clock stamp uses the
        // device clock corrected by the offset the node measured at the last sync.
        let (ticket, ops) = try store.edit(now: try stampTime(now)) { edit in
            for body in try make(try edit.ticket(id), now) {
                try edit.record(body, on: id)
            }
            return try edit.ticket(id)
        }
        return Recorded(ticket, ops)
    }

    public func step(_ kind: LifecycleKind, ticket raw: String, position: Position? = nil, reason: String? = nil) throws -> Recorded {
        try record(raw) { t, now in [t.step(kind, at: now, position: position, reason: reason)] }
    }

    public func arrive(ticket raw: String, latitude: Double, longitude: Double, accuracy: Double?) throws -> Recorded {
        guard latitude.isFinite, (-90...90).contains(latitude) else {
            throw ClientError(.badArgument, "latitude \(latitude) is out of range: it must be between -90 and 90")
        }
        guard longitude.isFinite, (-180...180).contains(longitude) else {
            throw ClientError(.badArgument, "longitude \(longitude) is out of range: it must be between -180 and 180")
        }
        if let accuracy, !(accuracy.isFinite && accuracy >= 0) {
            throw ClientError(.badArgument, "accuracy \(accuracy) must be a distance in metres, 0 or more")
        }
        let p = Position(latitude: latitude, longitude: longitude, accuracyMetres: accuracy)
        return try step(.arrived, ticket: raw, position: p)
    }

    public func note(ticket raw: String, text: String) throws -> Recorded {
        guard !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ClientError(.badArgument, "the note is empty: give the text to record")
        }
        return try record(raw) { _, now in [.note(Note(text: text, at: now))] }
    }

    public func set(ticket raw: String, field: String, value: String) throws -> Recorded {
        guard Field.isValid(field) else {
            throw ClientError(.badArgument, "unknown field '\(field)': use one of \(Field.all.joined(separator: ", ")) or custom.NAME")
        }
        return try record(raw) { t, now in
            [field == Field.assignee ? t.assigning(to: value, at: now) : t.setting(field, to: value)]
        }
    }

    public func complete(ticket raw: String, resolution: String) throws -> Recorded {
        guard !resolution.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw ClientError(.badArgument, "say what was done: --resolution TEXT cannot be empty")
        }
        return try record(raw) { t, now in [t.setting(Field.resolution, to: resolution), t.step(.completed, at: now)] }
    }

    /// Settles a conflict: a write naming every concurrent value of `field`; for
    /// `status`, a lifecycle step after every concurrent head.
    public func resolve(ticket raw: String, field: String, value: String) throws -> Recorded {
        if field == "status" {
            guard let kind = LifecycleKind.allCases.first(where: { $0.description == value }) else {
                throw ClientError(
                    .badArgument,
                    "to settle the status give a step: \(LifecycleKind.allCases.map(\.description).joined(separator: ", "))")
            }
            return try step(kind, ticket: raw)
        }
        return try set(ticket: raw, field: field, value: value)
    }

    public func addPart(ticket raw: String, part: String, quantity: String, unit: String, from location: String?) throws -> Recorded {
        guard let q = Quantity(parsing: quantity), q.thousandths > 0 else {
            throw ClientError(.badArgument, "quantity '\(quantity)' must be a number greater than 0 (up to 3 decimals)")
        }
        let where_ = location ?? "van:\(engineer)"
        // Warned, never refused: the part was used, and the ledger will show the gap.
        var warning: String?
        if where_ == (try? van)?.description {
            let holds = try vanHolds(part) ?? Quantity(0)
            if holds < q {
                warning = "your van should hold \(holds) of \(part), fewer than the \(q) used: the line is recorded; confirm a transfer (`fieldsync stock`) or count the van if it holds more"
            }
        }
        var result = try record(raw) { _, _ in [.partAdded(PartLine(partNumber: part, quantity: q, unit: unit, location: where_))] }
        result.line = result.ops.first
        result.warning = warning
        return result
    }

    public func removePart(ticket raw: String, line: String) throws -> Recorded {
        guard let id = OpID(line) else {
            throw ClientError(.unknownLine, "'\(line)' is not a line id: `fieldsync show \(raw)` lists them (e.g. 7@e17-1a2b)")
        }
        return try record(raw) { t, _ in
            do throws(ModelError) { return [try t.removingPart(id)] } catch { throw ClientError(.unknownLine, error.message) }
        }
    }

    public func attachPhoto(ticket raw: String, file: String, caption: String) throws -> Recorded {
        _ = try ticket(raw)
        let (digest, size) = try blobs.store(fileAt: file)
        let a = Attachment(kind: .photo, sha256: digest, byteSize: size, mediaType: Self.mediaType(file), caption: caption)
        var result = try record(raw) { _, _ in [.attachmentAdded(a)] }
        result.sha256 = digest.hex
        result.bytes = size
        return result
    }

    /// Records the customer's signature over the current work summary.
    public func sign(ticket raw: String, signer: String, image: String) throws -> Recorded {
        guard !signer.trimmingCharacters(in: .whitespaces).isEmpty else {
            throw ClientError(.badArgument, "--signer must name the person signing")
        }
        _ = try ticket(raw)
        let (digest, size) = try blobs.store(fileAt: image)
        var summary: WorkSummary?
        var result = try record(raw) { t, now in
            let s = WorkSummary(ticket: t)
            summary = s
            return [
                .attachmentAdded(
                    Attachment(
                        kind: .signature, sha256: digest, byteSize: size, mediaType: Self.mediaType(image),
                        caption: "signature of \(signer)",
                        signature: Signature(signer: signer, signedAt: now, summarySHA256: s.sha256)))
            ]
        }
        result.sha256 = digest.hex
        result.bytes = size
        result.summary = summary?.text
        result.summarySHA256 = summary?.sha256.hex
        return result
    }

    /// Checks every signature of the ticket against its current work summary.
    public func verify(ticket raw: String) throws -> [SignatureCheck] {
        let t = try ticket(raw)
        let checks = try store.verifySignatures(of: t.id)
        guard !checks.isEmpty else {
            throw ClientError(.noSignature, "ticket \(t.id) has no signature to verify: `fieldsync sign` records one")
        }
        return checks
    }

    /// Creates a ticket on this replica, for trying FieldSync without a node.
    public func createTicket(
        customer: String, site: String, deviceModel: String, category: String, fault: String, priority: String,
        asset: String
    ) throws -> Recorded {
        let now = clock()
        let (ticket, ops) = try store.edit(now: try stampTime(now)) { edit in
            let op = try edit.createTicket(
                TicketCreated(
                    customer: customer, site: site, asset: asset, deviceModel: deviceModel, category: category,
                    fault: fault, priority: priority, assignee: engineer, at: now))
            return try edit.ticket(op.subject)
        }
        return Recorded(ticket, ops)
    }

    static func mediaType(_ file: String) -> String {
        switch (file as NSString).pathExtension.lowercased() {
        case "jpg", "jpeg": "image/jpeg"
        case "png": "image/png"
        case "heic": "image/heic"
        case "webp": "image/webp"
        case "svg": "image/svg+xml"
        default: "application/octet-stream"
        }
    }
}
