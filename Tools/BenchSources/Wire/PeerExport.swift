import FieldModel
import Foundation

/// The workload as `Tools/bench-peers/peers.py` reads it: per engineer, the tickets as
/// central created them and the tablet's ops of the day, with hashes as hex.
struct PeerWorkloadFile: Encodable {
    var format = "fieldsync-wire-workload/1"
    let seed: String
    let engineers: [Engineer]

    struct Engineer: Encodable {
        let replica: String
        /// The peer (Loro) / client (Yrs) id of the tablet; central is 1, the merging node 2.
        let peer: Int
        let tickets: [Ticket]
        let ops: [Record]
    }

    struct Ticket: Encodable {
        let id: String
        let at: UInt64
        let fields: [String: String]
    }

    /// One op; which fields are present depends on `kind` (step, note, field, part,
    /// unpart, attachment). `id`, `wall`, `logical`, `after` and `replaces` are ours
    /// (op id, clock stamp, predecessors): the peers have their own and ignore them;
    /// they are there so the workload can be re-encoded elsewhere.
    struct Record: Encodable {
        let ticket: String
        let kind: String
        let id: String
        let wall: UInt64
        let logical: UInt32
        var after: [String]?
        var replaces: [String]?
        var step: String?
        var at: UInt64?
        var latitude: Double?
        var longitude: Double?
        var accuracy: Double?
        var reason: String?
        var text: String?
        var field: String?
        var value: String?
        var line: String?
        var part: String?
        var quantity: Int64?
        var unit: String?
        var location: String?
        var attachment: String?
        var sha256: String?
        var size: UInt64?
        var mediaType: String?
        var caption: String?
        var signer: String?
        var signedAt: UInt64?
        var summarySHA256: String?

        init(_ op: Op) {
            ticket = op.subject.rawValue
            id = op.id.description
            wall = op.stamp.wallMillis
            logical = op.stamp.logical
            switch op.body {
            case .lifecycle(let e):
                kind = "step"
                step = e.kind.description
                at = e.at
                latitude = e.position?.latitude
                longitude = e.position?.longitude
                accuracy = e.position?.accuracyMetres
                reason = e.reason
                after = e.after.map(\.description)
                replaces = e.replaces.isEmpty ? nil : e.replaces.map(\.description)
            case .note(let n):
                kind = "note"
                at = n.at
                text = n.text
            case .fieldSet(let f):
                kind = "field"
                field = f.field
                value = f.value
                replaces = f.replaces.map(\.description)
            case .partAdded(let p):
                kind = "part"
                line = op.id.description
                part = p.partNumber
                quantity = p.quantity.thousandths
                unit = p.unit
                location = p.location
            case .partRemoved(let r):
                kind = "unpart"
                line = r.line.description
            case .attachmentAdded(let a):
                kind = "attachment"
                attachment = a.kind.description
                sha256 = a.sha256.hex
                size = a.byteSize
                mediaType = a.mediaType
                caption = a.caption
                signer = a.signature?.signer
                signedAt = a.signature?.signedAt
                summarySHA256 = a.signature?.summarySHA256.hex
            case .ticketCreated, .entity, .unknown:
                preconditionFailure("a tablet's day has no \(op.body.kind) ops")
            }
        }
    }

    init(_ w: ShiftWorkload) {
        seed = "0x" + String(w.shape.seed, radix: 16)
        engineers = w.days.map { day in
            Engineer(
                replica: day.replica.rawValue, peer: 1_000 + day.engineer,
                tickets: day.morning.map { op in
                    guard case .ticketCreated(let c) = op.body else { preconditionFailure("morning ops create tickets") }
                    return Ticket(id: op.subject.rawValue, at: c.at, fields: c.fields)
                },
                ops: day.ops.map(Record.init))
        }
    }

    func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(self)
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(
            at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
    }
}

/// What peers.py reports (see its docstring).
struct PeerResults: Decodable {
    let python: String
    let zstandard: String
    /// The content floor of each engineer's day, zstd'ed by python-zstandard (a
    /// cross-check of the compressor against ours).
    let floorZstd: [Int]
    let peers: [Peer]

    struct Peer: Decodable {
        let name: String
        let package: String
        let hashes: String
        /// Each engineer's day update, base64.
        let updates: [String]
        let raw: [Int]
        /// python-zstandard level 3, per engineer.
        let zstd: [Int]
        let concatZstd: Int
        let exportSeconds: Double
        let exportPasses: Int
        let exportRuns: [Double]
        let mergeSeconds: Double
        let mergePasses: Int
        let mergeRuns: [Double]
    }

    /// Runs `script` on `workload` with `python`; progress passes through to standard error.
    static func run(python: String, script: String, workload: String) throws -> PeerResults {
        guard FileManager.default.isExecutableFile(atPath: python) else {
            throw BenchError("no Python at \(python): run through Tools/bench wire, which creates the venv")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [script, workload]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchError("\(script) exited with status \(process.terminationStatus)")
        }
        return try JSONDecoder().decode(PeerResults.self, from: data)
    }
}
