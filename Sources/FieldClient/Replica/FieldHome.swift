import Foundation

/// Where an engineer's replica lives: `--home`, else `FIELDSYNC_HOME`, else `~/.fieldsync`.
public struct FieldHome: Sendable {
    public let path: String

    public init(explicit: String? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let explicit, !explicit.isEmpty {
            path = explicit
        } else if let env = environment["FIELDSYNC_HOME"], !env.isEmpty {
            path = env
        } else {
            path = (environment["HOME"] ?? NSHomeDirectory()) + "/.fieldsync"
        }
    }

    public var replicaPath: String { path + "/replica.sqlite" }
    public var blobsPath: String { path + "/blobs" }
}
