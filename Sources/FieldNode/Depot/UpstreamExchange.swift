import FieldModel
import FieldWire

/// One exchange of a depot with its upstream, as the relay makes it over HTTP and a bundle
/// carries it in a file (SPEC §7.1, §11): the request's frame, and what the answer says.
enum UpstreamExchange {
    /// The request: the depot's hello, naming its own replica only (SPEC §3.2's MUST: the
    /// upstream takes a replica it holds less of than a hello names for a sign it was
    /// restored, §9.4, and the depot's engineers' replicas go up in this very push), a push
    /// of `ops` if any, and a pull request from `cursor` if given.
    static func request(own: ReplicaID, held: UInt64, ops: [Op], cursor: [UInt8]?, maxOps: UInt64, clock: UInt64) -> [UInt8] {
        var messages: [WireMessage] = [.hello(Hello(replica: own, have: VersionVector([own: held]), clock: clock))]
        if !ops.isEmpty { messages.append(.push(Push(ops: ops))) }
        if let cursor { messages.append(.pullRequest(PullRequest(cursor: cursor, maxOps: maxOps))) }
        return Frame.encode(OpChecksums.attach(to: messages))
    }

    /// What an answer says: what the upstream holds of each pushed replica, its pull page,
    /// and its refusal, if any.
    struct Answer {
        var ack: [ReplicaID: UInt64] = [:]
        var page: PullPage?
        var refusal: ErrorMessage?
        /// The upstream's incarnation (SPEC §3.2), new at each of its starts.
        var incarnation: String?
    }

    /// Reads an answer frame, its op checksums verified.
    static func answer(_ bytes: [UInt8]) throws(WireError) -> Answer {
        let messages = try Frame.decode(bytes)
        try OpChecksums.verify(messages)
        var out = Answer()
        for message in messages {
            switch message {
            case .pushAck(let a): out.ack = a.acked.counters
            case .pullPage(let p): out.page = p
            case .error(let e): out.refusal = e
            case .hello(let h): out.incarnation = h.incarnation
            default: break
            }
        }
        return out
    }
}
