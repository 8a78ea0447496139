import FieldModel
import FieldTestSupport
import FieldWire
import Testing

/// Every limit of SPEC §6 as the decoder enforces it: a value at the limit decodes; one
/// past it, with every byte it counts present, is refused `too-large`; and a claim far
/// past it with nothing behind it is refused `too-large` as well (not `truncated`), so
/// the limit is checked before anything is read or allocated for it.
@Suite struct LimitTests {
    static let t0: UInt64 = 1_795_424_400_000
    static let e17 = ReplicaID("e17-1a2b")!
    static let ticket = EntityID("T1-central")!
    /// 2^40: what a hostile length or count claims.
    static let huge: UInt64 = 1 << 40

    static func op(_ counter: UInt64 = 1, _ body: OpBody) -> Op {
        Op(id: OpID(replica: e17, counter: counter), wallMillis: t0, logical: 0, subject: ticket, body: body)
    }

    static func push(_ ops: [Op]) -> [WireMessage] { [.push(Push(ops: ops))] }
    static func push(_ body: OpBody) -> [WireMessage] { push([op(1, body)]) }
    static func text(_ n: Int) -> String { String(repeating: "a", count: n) }
    static func ids(_ n: Int) -> [OpID] { (1...n).map { OpID(replica: e17, counter: UInt64($0)) } }
    static func notes(_ n: Int) -> [Op] { (1...n).map { op(UInt64($0), .note(Note(text: "x", at: t0))) } }

    struct Limit: CustomTestStringConvertible, Sendable {
        let what: String
        /// Messages holding the largest value allowed.
        let at: @Sendable () -> [WireMessage]
        /// The same one past it.
        let past: @Sendable () -> [WireMessage]
        var testDescription: String { what }
    }

    /// The limits a writer can reach with well-formed values: the encoder does not check them.
    static let limits: [Limit] = [
        Limit(what: "messages in a frame: 16",
              at: { Array(repeating: .unknown(type: 0x7E, body: []), count: 16) },
              past: { Array(repeating: .unknown(type: 0x7E, body: []), count: 17) }),
        Limit(what: "ops in a batch: 100,000", at: { push(notes(100_000)) }, past: { push(notes(100_001)) }),
        Limit(what: "op ids in a list: 4,096",
              at: { push(.fieldSet(FieldWrite(field: Field.priority, value: "high", replaces: ids(4_096)))) },
              past: { push(.fieldSet(FieldWrite(field: Field.priority, value: "high", replaces: ids(4_097)))) }),
        Limit(what: "op ids in a lifecycle's 'after': 4,096",
              at: { push(.lifecycle(LifecycleEvent(kind: .paused, at: t0, after: ids(4_096)))) },
              past: { push(.lifecycle(LifecycleEvent(kind: .paused, at: t0, after: ids(4_097)))) }),
        Limit(what: "fields of a ticket-created: 256",
              at: { push(.ticketCreated(TicketCreated(fields: fields(256), at: t0))) },
              past: { push(.ticketCreated(TicketCreated(fields: fields(257), at: t0))) }),
        Limit(what: "payload of an unknown kind: 1 MiB",
              at: { push(.unknown(UnknownOp(kind: OpKind(rawValue: 30), payload: [UInt8](repeating: 1, count: 1 << 20)))) },
              past: { push(.unknown(UnknownOp(kind: OpKind(rawValue: 30), payload: [UInt8](repeating: 1, count: (1 << 20) + 1)))) }),
        Limit(what: "note text: 65,536 bytes",
              at: { push(.note(Note(text: text(65_536), at: t0))) }, past: { push(.note(Note(text: text(65_537), at: t0))) }),
        Limit(what: "field value: 65,536 bytes",
              at: { push(.fieldSet(FieldWrite(field: Field.resolution, value: text(65_536), replaces: []))) },
              past: { push(.fieldSet(FieldWrite(field: Field.resolution, value: text(65_537), replaces: []))) }),
        Limit(what: "ticket-created value: 65,536 bytes",
              at: { push(.ticketCreated(TicketCreated(fields: ["fault": text(65_536)], at: t0))) },
              past: { push(.ticketCreated(TicketCreated(fields: ["fault": text(65_537)], at: t0))) }),
        Limit(what: "lifecycle reason: 65,536 bytes",
              at: { push(.lifecycle(LifecycleEvent(kind: .paused, at: t0, after: [], reason: text(65_536)))) },
              past: { push(.lifecycle(LifecycleEvent(kind: .paused, at: t0, after: [], reason: text(65_537)))) }),
        Limit(what: "caption: 65,536 bytes",
              at: { push(.attachmentAdded(photo(caption: text(65_536)))) }, past: { push(.attachmentAdded(photo(caption: text(65_537)))) }),
        Limit(what: "signer: 65,536 bytes",
              at: { push(.attachmentAdded(signature(signer: text(65_536)))) }, past: { push(.attachmentAdded(signature(signer: text(65_537)))) }),
        Limit(what: "field name: 256 bytes",
              at: { push(.fieldSet(FieldWrite(field: "custom." + text(249), value: "v", replaces: []))) },
              past: { push(.fieldSet(FieldWrite(field: "custom." + text(250), value: "v", replaces: []))) }),
        Limit(what: "part number: 256 bytes", at: { push(.partAdded(part(number: text(256)))) }, past: { push(.partAdded(part(number: text(257)))) }),
        Limit(what: "unit: 64 bytes", at: { push(.partAdded(part(unit: text(64)))) }, past: { push(.partAdded(part(unit: text(65)))) }),
        Limit(what: "stock location: 256 bytes", at: { push(.partAdded(part(location: text(256)))) }, past: { push(.partAdded(part(location: text(257)))) }),
        Limit(what: "media type: 256 bytes", at: { push(.attachmentAdded(photo(mediaType: text(256)))) }, past: { push(.attachmentAdded(photo(mediaType: text(257)))) }),
        Limit(what: "assignee: 256 bytes",
              at: { push(.lifecycle(LifecycleEvent(kind: .assigned, at: t0, after: [], assignee: text(256)))) },
              past: { push(.lifecycle(LifecycleEvent(kind: .assigned, at: t0, after: [], assignee: text(257)))) }),
        Limit(what: "replica id: 64 bytes (hello)",
              at: { [.hello(Hello(replica: ReplicaID(text(64))!, clock: t0))] }, past: { [.unknown(type: 0x01, body: string(text(65)) + [0x00, 0x00])] }),
        Limit(what: "subject: 128 bytes",
              at: { [.push(Push(ops: [Op(id: OpID(replica: e17, counter: 1), wallMillis: t0, logical: 0, subject: EntityID(text(128))!,
                                         body: .note(Note(text: "x", at: t0)))]))] },
              past: { [.unknown(type: 0x02, body: batch(structure: [0x04, 0x00, 0x01, 0x61, 0x02, 0x00, 0x00] + string(text(129)),
                                                          times: [0x02, 0x00], text: [0x01, 0x78]))] }),
        Limit(what: "cursor of a pull-request: 256 bytes",
              at: { [.pullRequest(PullRequest(cursor: [UInt8](repeating: 7, count: 256), maxOps: 1))] },
              past: { [.pullRequest(PullRequest(cursor: [UInt8](repeating: 7, count: 257), maxOps: 1))] }),
        Limit(what: "cursor of a pull-page: 256 bytes",
              at: { [.pullPage(PullPage(ops: [], nextCursor: [UInt8](repeating: 7, count: 256), more: false))] },
              past: { [.pullPage(PullPage(ops: [], nextCursor: [UInt8](repeating: 7, count: 257), more: false))] }),
        Limit(what: "replicas in a version vector: 100,000",
              at: { [.pushAck(PushAck(acked: vector(100_000)))] }, past: { [.pushAck(PushAck(acked: vector(100_001)))] }),
        Limit(what: "error message: 4,096 bytes",
              at: { [.error(ErrorMessage(code: .malformed, message: text(4_096)))] },
              past: { [.error(ErrorMessage(code: .malformed, message: text(4_097)))] }),
        Limit(what: "incarnation: 64 bytes",
              at: { [.hello(Hello(replica: e17, clock: t0, incarnation: text(64)))] },
              past: { [.hello(Hello(replica: e17, clock: t0, incarnation: text(65)))] }),
    ]

    static func fields(_ n: Int) -> [String: String] {
        Dictionary(uniqueKeysWithValues: (0..<n).map { ("custom.f\($0)", "v") })
    }

    static func photo(mediaType: String = "image/jpeg", caption: String = "") -> FieldModel.Attachment {
        FieldModel.Attachment(kind: .photo, sha256: SHA256.hash([1]), byteSize: 1, mediaType: mediaType, caption: caption)
    }

    static func signature(signer: String) -> FieldModel.Attachment {
        FieldModel.Attachment(kind: .signature, sha256: SHA256.hash([1]), byteSize: 1, mediaType: "image/png", caption: "",
                   signature: Signature(signer: signer, signedAt: t0, summarySHA256: SHA256.hash([2])))
    }

    static func part(number: String = "P-1", unit: String = "pcs", location: String = "van:E17") -> PartLine {
        PartLine(partNumber: number, quantity: Quantity(thousandths: 1000), unit: unit, location: location)
    }

    static func vector(_ n: Int) -> VersionVector {
        VersionVector(Dictionary(uniqueKeysWithValues: (0..<n).map { (ReplicaID("r\($0)")!, UInt64(1)) }))
    }

    static func string(_ s: String) -> [UInt8] {
        var w = WireWriter()
        w.string(s)
        return w.bytes
    }

    static func varint(_ v: UInt64) -> [UInt8] {
        var w = WireWriter()
        w.varint(v)
        return w.bytes
    }

    /// An op batch (SPEC §4.1) of `count` ops from its four streams.
    static func batch(count: UInt64 = 1, structure: [UInt8], times: [UInt8], text: [UInt8] = [], hashes: [UInt8] = []) -> [UInt8] {
        var w = WireWriter()
        w.varint(count)
        for stream in [structure, times, text, hashes] { w.varint(UInt64(stream.count)) }
        w.raw(structure + times + text + hashes)
        return w.bytes
    }

    /// An uncompressed frame of messages given as (type, body).
    static func frame(_ messages: [(UInt8, [UInt8])]) -> [UInt8] {
        var w = WireWriter()
        w.raw(Frame.magic + [Frame.version, 0x00])
        w.varint(UInt64(messages.count))
        for (type, body) in messages {
            w.byte(type)
            w.blob(body)
        }
        return w.bytes
    }

    static func repeated(_ bytes: [UInt8], _ n: Int) -> [UInt8] { Array([[UInt8]](repeating: bytes, count: n).joined()) }

    static func expectTooLarge(_ bytes: [UInt8], _ what: String) {
        expectTooLarge(what) { () throws(WireError) in _ = try Frame.decode(bytes) }
    }

    static func expectTooLarge(_ what: String, doing body: () throws(WireError) -> Void) {
        do {
            try body()
            Issue.record("\(what): accepted")
        } catch {
            #expect(error.code == .tooLarge, "\(what): \(error)")
        }
    }

    @Test("a value at each limit decodes; one past it is too-large", arguments: limits)
    func atAndPastTheLimit(_ limit: Limit) throws {
        let at = limit.at()
        #expect(try Frame.decode(Frame.encode(at, compress: false)) == at, "\(limit.what): at the limit")
        Self.expectTooLarge(Frame.encode(limit.past(), compress: false), "\(limit.what): past the limit")
    }

    /// 2^20 entries: a ticket-created defines a string per field name (a writer defines
    /// each string once, but a reader takes every definition as a new entry).
    @Test("the string table of an op batch holds 1,048,576 entries; defining one more is too-large")
    func stringTable() throws {
        func creations(entries: Int) -> [UInt8] {
            // The first op defines its replica and subject (2 entries); then each op is a
            // ticket-created of the same replica and subject (head 0x61) defining up to 256
            // field names "a" with value "v".
            var structure: [UInt8] = [0x01, 0x00, 0x01, 0x61, 0x02, 0x00, 0x00, 0x01, 0x54]
            var times: [UInt8] = []
            var text: [UInt8] = []
            structure.reserveCapacity(3 * entries + 4 * 4_096)
            text.reserveCapacity(2 * entries)
            let names = Self.repeated([0x00, 0x01, 0x61], 256)
            let values = Self.repeated([0x01, 0x76], 256)
            var left = entries - 2
            var ops: UInt64 = 0
            while ops == 0 || left > 0 {
                let n = min(left, 256)
                if ops > 0 { structure.append(0x61) }
                structure += Self.varint(UInt64(n))
                structure += names[..<(3 * n)]
                times += [0x00, 0x00]
                text += values[..<(2 * n)]
                left -= n
                ops += 1
            }
            return Self.frame([(0x02, Self.batch(count: ops, structure: structure, times: times, text: text))])
        }
        let at = try Frame.decode(creations(entries: 1 << 20))
        guard case .push(let push) = try #require(at.first) else { Issue.record("not a push"); return }
        #expect(push.ops.count == 4_096)
        Self.expectTooLarge(creations(entries: (1 << 20) + 1), "string table entry 1,048,577")
    }

    /// A reference brings an entry defined for another field: it is held to the limit of
    /// the field it is read for, as a definition is. Before, a part number of 65 bytes
    /// referred to as the unit (limit 64) was taken, and a frame whose definition of it
    /// was dropped (an empty ticket-created value) re-encoded to a unit definition no
    /// reader takes.
    @Test("a string reference is held to the limit of the field it is read for")
    func referencesAreHeldToTheirFieldsLimit() throws {
        let head: [UInt8] = [0x05, 0x00, 0x01, 0x61, 0x02, 0x00, 0x00, 0x01, 0x54]  // part-added; entries 0 "a", 1 "T"
        func part(_ number: Int) -> [UInt8] {
            // part number: defines entry 2; quantity 1 (zigzag 2000); unit: entry 2; location "v"
            let structure = head + [0x00] + Self.string(Self.text(number)) + [0xD0, 0x0F, 0x03] + [0x00, 0x01, 0x76]
            return Self.frame([(0x02, Self.batch(structure: structure, times: [0x02]))])
        }
        guard case .push(let push) = try #require(try Frame.decode(part(64)).first), case .partAdded(let line) = push.ops[0].body else {
            Issue.record("not a part line")
            return
        }
        #expect(line.unit == Self.text(64) && line.partNumber == line.unit)
        Self.expectTooLarge(part(65), "a unit referring to an entry of 65 bytes")

        // A ticket-created field name of 65 bytes whose value is empty (a reader drops the
        // field), then that name as a part line's unit.
        let name = Self.string(Self.text(65))
        let structure: [UInt8] = [0x01, 0x00, 0x01, 0x61, 0x02, 0x00, 0x00, 0x01, 0x54, 0x01, 0x00] + name
            + [0x65, 0x00, 0x01, 0x70, 0xD0, 0x0F, 0x03, 0x00, 0x01, 0x76]
        Self.expectTooLarge(Self.frame([(0x02, Self.batch(count: 2, structure: structure, times: [0x02, 0x00, 0x00], text: [0x00]))]),
                            "a dropped field's name as a unit")
    }

    @Test("op-checksums and op-vouchers: 100,000 checksums, vouchers and owners; owners of 128 bytes")
    func checksumAndVoucherLimits() throws {
        let sums = { (n: Int) in OpChecksums(covers: .push, checksums: [OpChecksum](repeating: OpChecksum(rawValue: 1), count: n)).message }
        #expect(try OpChecksums(sums(100_000))?.checksums.count == 100_000)
        Self.expectTooLarge("100,001 checksums") { () throws(WireError) in _ = try OpChecksums(sums(100_001)) }

        let vouchers = { (n: Int) in OpVouchers(covers: .pullPage, vouchers: [OpVoucher?](repeating: nil, count: n)).message }
        #expect(try OpVouchers(vouchers(100_000))?.vouchers.count == 100_000)
        Self.expectTooLarge("100,001 vouchers") { () throws(WireError) in _ = try OpVouchers(vouchers(100_001)) }

        let owner = { (name: String) in
            OpVouchers(covers: .pullPage, vouchers: [OpVoucher(owner: name, mac: [UInt8](repeating: 9, count: OpVoucher.macBytes))]).message
        }
        let longest = try #require(try OpVouchers(owner(Self.text(128))))
        #expect(longest.vouchers == [OpVoucher(owner: Self.text(128), mac: [UInt8](repeating: 9, count: OpVoucher.macBytes))])
        Self.expectTooLarge("an owner of 129 bytes") { () throws(WireError) in _ = try OpVouchers(owner(Self.text(129))) }

        // Owners: a count, that many strings, then the vouchers (none here).
        let owners = { (n: Int) -> WireMessage in
            .unknown(type: OpVouchers.typeCode, body: [0x05] + Self.varint(UInt64(n)) + Self.repeated([0x01, 0x61], n) + [0x00])
        }
        #expect(try OpVouchers(owners(100_000))?.vouchers.isEmpty == true)
        Self.expectTooLarge("100,001 owners") { () throws(WireError) in _ = try OpVouchers(owners(100_001)) }
    }

    /// A count or length of 2^40 with nothing behind it: `too-large`, not `truncated` and
    /// not an allocation of 2^40 of anything.
    @Test("claims of 2^40 with nothing behind them are too-large before anything is read")
    func hugeClaims() throws {
        let huge = Self.varint(Self.huge)
        let head: [UInt8] = [0x00, 0x01, 0x61, 0x02, 0x00, 0x00, 0x01, 0x54]  // replica "a", counter +1, logical 0, subject "T"
        let cases: [(String, [UInt8])] = [
            ("message count", Frame.magic + [Frame.version, 0x00] + huge),
            ("message length", Frame.magic + [Frame.version, 0x00, 0x01, 0x04] + huge),
            ("op count", Self.frame([(0x02, huge)])),
            ("stream length", Self.frame([(0x02, [0x01] + huge)])),
            ("note text", Self.frame([(0x02, Self.batch(structure: [0x04] + head, times: [0x02, 0x00], text: huge))])),
            ("op ids", Self.frame([(0x02, Self.batch(structure: [0x02] + head + [0x00, 0x01, 0x66] + huge, times: [0x02], text: [0x00]))])),
            ("ticket-created fields", Self.frame([(0x02, Self.batch(structure: [0x01] + head + huge, times: [0x02, 0x00]))])),
            ("unknown-kind payload", Self.frame([(0x02, Self.batch(structure: [0x1E] + head + huge, times: [0x02]))])),
            ("replica id in an op", Self.frame([(0x02, Self.batch(structure: [0x04, 0x00] + huge, times: [0x02, 0x00], text: [0x01, 0x78]))])),
            ("hello replica id", Self.frame([(0x01, huge)])),
            ("hello version vector", Self.frame([(0x01, [0x01, 0x61, 0x00] + huge)])),
            ("hello incarnation", Self.frame([(0x01, [0x01, 0x61, 0x00, 0x00] + huge)])),
            ("push-ack version vector", Self.frame([(0x03, huge)])),
            ("pull-request cursor", Self.frame([(0x04, huge)])),
            ("pull-page cursor", Self.frame([(0x05, [0x00] + huge)])),
            ("error message", Self.frame([(0x06, [0x01] + huge)])),
            // A zstd frame header alone: single segment, an 8-byte content size of 2^40.
            ("zstd content size", Frame.magic + [Frame.version, 0x01, 0x28, 0xB5, 0x2F, 0xFD, 0xE0] + [0, 0, 0, 0, 0, 1, 0, 0]),
            ("frame of 8 MiB and a byte", Frame.magic + [Frame.version, 0x00] + [UInt8](repeating: 0, count: 8 << 20 - 5)),
        ]
        for (what, bytes) in cases { Self.expectTooLarge(bytes, what) }
        Self.expectTooLarge("op-checksums count") { () throws(WireError) in _ = try OpChecksums(.unknown(type: OpChecksums.typeCode, body: [0x02] + huge)) }
        Self.expectTooLarge("op-vouchers owner count") { () throws(WireError) in _ = try OpVouchers(.unknown(type: OpVouchers.typeCode, body: [0x02] + huge)) }
        Self.expectTooLarge("op-vouchers count") { () throws(WireError) in _ = try OpVouchers(.unknown(type: OpVouchers.typeCode, body: [0x02, 0x00] + huge)) }
    }
}
