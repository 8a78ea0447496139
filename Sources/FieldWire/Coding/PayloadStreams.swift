import FieldModel

/// Where an op payload's fields go. In a message's op batch (SPEC §4.1) each kind of
/// field has its own stream: structure (numbers, flags, names through the string table),
/// times, free text and hashes, so zstd compresses each with its own statistics. A
/// self-contained payload (as stored, or of a kind added later) puts them all in one.
protocol PayloadSink {
    mutating func uint(_ v: UInt64)
    mutating func sint(_ v: Int64)
    mutating func byte(_ b: UInt8)
    /// An identifier that repeats: field names, part numbers, units, locations, replicas.
    mutating func name(_ s: String)
    /// Free text: notes, values, captions, reasons, signers.
    mutating func text(_ s: String)
    /// A device time, as whole seconds relative to the op's stamp.
    mutating func time(_ t: UInt64)
    mutating func hash(_ d: Digest)
}

/// Reads what a ``PayloadSink`` wrote, from untrusted bytes.
protocol PayloadSource {
    mutating func uint() throws(WireError) -> UInt64
    mutating func sint() throws(WireError) -> Int64
    mutating func byte() throws(WireError) -> UInt8
    mutating func count(max: Int, _ what: String) throws(WireError) -> Int
    mutating func name(max: Int) throws(WireError) -> String
    mutating func text() throws(WireError) -> String
    mutating func time() throws(WireError) -> UInt64
    mutating func hash() throws(WireError) -> Digest
}

/// Seconds helpers shared by every sink and source.
enum WireTime {
    /// The signed difference `t − base` in whole seconds.
    static func delta(_ t: UInt64, from base: UInt64) -> Int64 {
        Int64(bitPattern: t / 1000) &- Int64(bitPattern: base / 1000)
    }

    /// `base + delta` seconds, in ms; refuses results past what ms can hold.
    static func apply(_ delta: Int64, to base: UInt64) throws(WireError) -> UInt64 {
        let seconds = (base / 1000) &+ UInt64(bitPattern: delta)
        guard seconds <= UInt64.max / 1000 else { throw WireError(.malformed, "a time is out of range") }
        return seconds * 1000
    }
}

/// One writer for every field: the self-contained form.
struct InlineSink: PayloadSink {
    var w = WireWriter(capacity: 64)
    mutating func uint(_ v: UInt64) { w.varint(v) }
    mutating func sint(_ v: Int64) { w.zigzag(v) }
    mutating func byte(_ b: UInt8) { w.byte(b) }
    mutating func name(_ s: String) { w.string(s) }
    mutating func text(_ s: String) { w.string(s) }
    mutating func time(_ t: UInt64) { w.zigzag(WireTime.delta(t, from: 0)) }
    mutating func hash(_ d: Digest) { w.raw(d.bytes) }
}

struct InlineSource: PayloadSource {
    var r: WireReader
    mutating func uint() throws(WireError) -> UInt64 { try r.varint() }
    mutating func sint() throws(WireError) -> Int64 { try r.zigzag() }
    mutating func byte() throws(WireError) -> UInt8 { try r.byte() }
    mutating func count(max: Int, _ what: String) throws(WireError) -> Int { try r.count(max: max, what) }
    mutating func name(max: Int) throws(WireError) -> String { try r.string(max: max) }
    mutating func text() throws(WireError) -> String { try r.string() }
    mutating func time() throws(WireError) -> UInt64 { try WireTime.apply(try r.zigzag(), to: 0) }
    mutating func hash() throws(WireError) -> Digest { try r.digest() }
}

/// The four streams of an op batch, and its string table.
struct BatchSink: PayloadSink {
    var structure = WireWriter(capacity: 1024)
    var times = WireWriter(capacity: 512)
    var texts = WireWriter(capacity: 4096)
    var hashes = WireWriter(capacity: 1024)
    let table = StringTable()
    /// The stamp of the op being written: payload times are relative to it.
    var base: UInt64 = 0

    mutating func uint(_ v: UInt64) { structure.varint(v) }
    mutating func sint(_ v: Int64) { structure.zigzag(v) }
    mutating func byte(_ b: UInt8) { structure.byte(b) }
    mutating func name(_ s: String) { table.write(s, to: &structure) }
    mutating func text(_ s: String) { texts.string(s) }
    mutating func time(_ t: UInt64) { times.zigzag(WireTime.delta(t, from: base)) }
    mutating func hash(_ d: Digest) { hashes.raw(d.bytes) }
}

struct BatchSource: PayloadSource {
    var structure: WireReader
    var times: WireReader
    var texts: WireReader
    var hashes: WireReader
    let table = StringTable()
    var base: UInt64 = 0

    mutating func uint() throws(WireError) -> UInt64 { try structure.varint() }
    mutating func sint() throws(WireError) -> Int64 { try structure.zigzag() }
    mutating func byte() throws(WireError) -> UInt8 { try structure.byte() }
    mutating func count(max: Int, _ what: String) throws(WireError) -> Int { try structure.count(max: max, what) }
    mutating func name(max: Int) throws(WireError) -> String { try table.read(from: &structure, max: max) }
    mutating func text() throws(WireError) -> String { try texts.string() }
    mutating func time() throws(WireError) -> UInt64 { try WireTime.apply(try times.zigzag(), to: base) }
    mutating func hash() throws(WireError) -> Digest { try hashes.digest() }

    var isAtEnd: Bool { structure.isAtEnd && times.isAtEnd && texts.isAtEnd && hashes.isAtEnd }
}
