import FieldStore
import Hummingbird

/// Per-request context: who is calling, once the bearer token is checked.
public struct NodeRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var principal: Principal?

    public init(source: Source) {
        coreContext = .init(source: source)
        principal = nil
    }
}
