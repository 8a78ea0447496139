import Foundation

/// What an engineer reads when a sync fails on a weak link: plain words, never an HTTP
/// client's or NIO's type names (issue H2: "cannot reach the node …
/// (HTTPClientError.deadlineExceeded)").
enum PlainWords {
    /// Words that belong to libraries, not to an engineer's screen.
    static let jargon = [
        "HTTPClientError", "HTTPClient", "deadlineExceeded", "NIO", "ChannelError", "IOError", "readTimeout",
        "writeTimeout", "connectTimeout", "remoteConnectionClosed", "CancellationError", "Stalled(", "errno",
        "Optional(", "Error(",
    ]

    /// The jargon in `text`, if any.
    static func jargon(in text: String) -> [String] { jargon.filter { text.contains($0) } }

    /// Whether `text` says the link is slow or stalled (not "cannot reach", which is no signal).
    static func saysStalled(_ text: String) -> Bool {
        text.contains("too slow") || text.contains("stalled")
    }

    /// Whether `text` is the node refusing an upload because another one holds the photo.
    static func saysLocked(_ text: String) -> Bool {
        text.contains("upload of blob") && text.contains("in progress")
    }

    /// The error line of a failed command, for a report (one line, at most 240 characters).
    static func brief(_ stderr: String) -> String {
        let lines = stderr.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        let line = lines.last { $0.hasPrefix("error:") } ?? lines.last ?? ""
        return line.count > 240 ? String(line.prefix(240)) + "…" : line
    }

    /// "22 KB" of a stalled-photo message ("the link is too slow or stalled: 22 KB of 64 KB
    /// of photo ab12… sent"): the bytes it says were sent, if it says so.
    static func sentBytes(_ text: String) -> Int? {
        guard let range = text.range(of: #"([0-9.]+) (KB|MB) of [0-9.]+ (KB|MB) of photo"#, options: .regularExpression) else { return nil }
        let parts = text[range].split(separator: " ")
        guard let value = Double(parts[0]) else { return nil }
        return Int(value * (parts[1] == "MB" ? 1_000_000 : 1_000))
    }
}
