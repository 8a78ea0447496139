/// The body of an op of a kind beyond the ticket kinds (a knowledge-base article's, a
/// stock movement's): each such op kind is a type conforming to this in its entity's
/// model folder, with its codec in FieldWire (`EntityOpCodec`).
public protocol EntityOpBody: Hashable, Sendable {
    /// Its op kind on the wire (SPEC §4.9: kinds are an open set).
    static var opKind: OpKind { get }
    /// Throws if the body is not one a replica may record (``Op/validate()``).
    func validate() throws(ModelError)
    /// The body with every op id it refers to passed through `transform` (a restored
    /// replica's ops moving to new counters, ``OpRenumbering``). Bodies that refer to no
    /// op keep the default: themselves.
    func mapOpIDs(_ transform: (OpID) -> OpID) -> Self
}

extension EntityOpBody {
    public func mapOpIDs(_ transform: (OpID) -> OpID) -> Self { self }
}

/// An op body of one of the kinds beyond tickets, of any type (``EntityOpBody``).
public struct EntityOp: Hashable, Sendable {
    public let body: any EntityOpBody

    public init(_ body: any EntityOpBody) { self.body = body }

    public var kind: OpKind { type(of: body).opKind }

    public static func == (a: EntityOp, b: EntityOp) -> Bool { AnyHashable(a.body) == AnyHashable(b.body) }
    public func hash(into h: inout Hasher) { h.combine(AnyHashable(body)) }
}
