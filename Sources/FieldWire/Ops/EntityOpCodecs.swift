import FieldModel

/// How the ops of one kind beyond tickets (``EntityOpBody``) travel: its payload's
/// fields, in order, through the batch's streams or one buffer (SPEC §4). A new kind's
/// codec is a type conforming to this, registered once in ``EntityOpCodecs``.
protocol EntityOpCodec: SendableMetatype {
    associatedtype Body: EntityOpBody
    /// `Body.opKind` (the registry reads it through the codec's type).
    static var opKind: OpKind { get }
    static func encode<S: PayloadSink>(_ body: Body, to s: inout S)
    static func decode<S: PayloadSource>(from s: inout S) throws(WireError) -> Body
}

extension EntityOpCodec {
    static var opKind: OpKind { Body.opKind }

    static func encodeAny<S: PayloadSink>(_ body: any EntityOpBody, to s: inout S) {
        // The registry finds the codec by the body's own kind, so the cast holds.
        if let body = body as? Body { encode(body, to: &s) }
    }

    static func decodeAny<S: PayloadSource>(from s: inout S) throws(WireError) -> EntityOp {
        EntityOp(try decode(from: &s))
    }
}

/// The op kinds beyond tickets this version reads and writes: the one place a new
/// kind's codec is registered. Any other kind travels as its bytes (SPEC §4.9).
enum EntityOpCodecs {
    static let registered: [any EntityOpCodec.Type] = [
        ArticlePublishedCodec.self, ArticleRetiredCodec.self,
        StockReceivedCodec.self, StockSentCodec.self, StockArrivedCodec.self, StockWrittenOffCodec.self, StockCountedCodec.self,
    ]

    static func codec(for kind: OpKind) -> (any EntityOpCodec.Type)? { byKind[kind] }

    /// Whether this version decodes ops of `kind` (tickets' kinds, or a registered one).
    static func decodes(_ kind: OpKind) -> Bool { OpKind.known.contains(kind) || byKind[kind] != nil }

    private static let byKind: [OpKind: any EntityOpCodec.Type] = Dictionary(
        uniqueKeysWithValues: registered.map { ($0.opKind, $0) })
}
