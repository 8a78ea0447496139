import HTTPTypes

/// The node's routes by method and path pattern (`:name` matches one segment), to tell
/// "no such path" (404) from "not with this method" (405); the router says only 404.
struct RouteShapes: Sendable {
    private(set) var routes: [(HTTPRequest.Method, [Substring])] = []

    mutating func add(_ method: HTTPRequest.Method, _ path: String) {
        routes.append((method, path.split(separator: "/")))
    }

    func methods(for path: String) -> [HTTPRequest.Method] {
        let segments = path.split(separator: "/")
        var out: [HTTPRequest.Method] = []
        for (method, pattern) in routes where pattern.count == segments.count {
            if zip(pattern, segments).allSatisfy({ $0.hasPrefix(":") || $0 == $1 }), !out.contains(method) { out.append(method) }
        }
        return out
    }
}
