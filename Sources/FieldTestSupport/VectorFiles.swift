import Foundation

/// Reads and writes vector files: hex with `#` comments, whitespace ignored.
package enum VectorFiles {
    /// Protocol/vectors, found from this source file's path.
    package static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Protocol/vectors")

    package static func names(in folder: String) -> [String] {
        let dir = root.appendingPathComponent(folder).path
        return ((try? FileManager.default.contentsOfDirectory(atPath: dir)) ?? [])
            .filter { $0.hasSuffix(".hex") }.map { String($0.dropLast(4)) }.sorted()
    }

    package static func text(_ folder: String, _ file: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent("\(folder)/\(file)"), encoding: .utf8)
    }

    /// The bytes of a hex file; nil if it holds anything but hex digits and comments.
    package static func bytes(fromHex text: String) -> [UInt8]? {
        var digits: [UInt8] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let code = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            for c in code.utf8 where c != 0x20 && c != 0x09 && c != 0x0D {
                guard let v = hexValue(c) else { return nil }
                digits.append(v)
            }
        }
        guard digits.count % 2 == 0 else { return nil }
        return stride(from: 0, to: digits.count, by: 2).map { digits[$0] << 4 | digits[$0 + 1] }
    }

    /// The `# key: value` header lines of a vector file.
    package static func header(_ text: String, _ key: String) -> String? {
        for line in text.split(separator: "\n") where line.hasPrefix("# \(key): ") {
            return String(line.dropFirst(key.count + 4)).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    /// Formats bytes as hex, 16 per line, after the given comment lines.
    package static func hexText(_ bytes: [UInt8], comments: [String]) -> String {
        var out = comments.map { "# \($0)" }
        out.append(bytes.prefix(6).map { String(format: "%02x", $0) }.joined(separator: " ") + "   # FSYN, version, flags")
        let rest = Array(bytes.dropFirst(6))
        for i in stride(from: 0, to: rest.count, by: 16) {
            out.append(rest[i..<min(i + 16, rest.count)].map { String(format: "%02x", $0) }.joined(separator: " "))
        }
        return out.joined(separator: "\n") + "\n"
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: c - 0x30
        case 0x61...0x66: c - 0x61 + 10
        case 0x41...0x46: c - 0x41 + 10
        default: nil
        }
    }
}
