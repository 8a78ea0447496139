import FieldModel
import FieldStore
import Foundation

/// An article rendered for a terminal: headings underlined, lists as bullets, code blocks
/// indented, images named with whether they are on this device. Plain text, no escapes:
/// it reads the same in a pager, a log or a serial console.
public enum ArticleText {
    public static func render(_ article: StoredArticle, missing: Set<Digest>) -> String {
        let v = article.version
        var out = [v.title, String(repeating: "=", count: min(72, max(8, v.title.count * 2)))]
        var facts: [String] = ["\(article.name) · version \(v.version) · \(v.language)"]
        if !v.deviceModels.isEmpty { facts.append("models: " + v.deviceModels.joined(separator: ", ")) }
        if !v.faultCodes.isEmpty { facts.append("fault codes: " + v.faultCodes.joined(separator: ", ")) }
        out.append(facts.joined(separator: " · "))
        out.append("")
        var inCode = false
        for line in v.body.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if line.hasPrefix("```") {
                inCode.toggle()
                continue
            }
            if inCode {
                out.append("    " + line)
                continue
            }
            out.append(contentsOf: prose(line, missing: missing))
        }
        if !missing.isEmpty {
            out.append("")
            out.append("\(missing.count) image(s) not on this device: `fieldsync kb fetch \(article.name)` downloads them when you have signal.")
        }
        return out.joined(separator: "\n")
    }

    /// One line of Markdown outside code blocks.
    static func prose(_ line: String, missing: Set<Digest>) -> [String] {
        let trimmed = line.drop { $0 == " " }
        if trimmed.hasPrefix("#") {
            let title = String(trimmed.drop { $0 == "#" }.drop { $0 == " " })
            return ["", title, String(repeating: "-", count: min(72, max(4, title.count * 2)))]
        }
        var text = images(in: line, missing: missing)
        for bullet in ["- ", "* ", "+ "] where trimmed.hasPrefix(bullet) {
            let indent = String(repeating: " ", count: line.count - trimmed.count)
            text = indent + "  • " + String(trimmed.dropFirst(2))
        }
        return [text.replacingOccurrences(of: "**", with: "").replacingOccurrences(of: "`", with: "")]
    }

    /// `![alt](sha256:HEX)` as `[image: alt]`, saying when it is not on this device.
    public static func images(in line: String, missing: Set<Digest>) -> String {
        var out = ""
        var rest = Substring(line)
        while let start = rest.range(of: "!["), let close = rest[start.upperBound...].range(of: "]("),
            let end = rest[close.upperBound...].firstIndex(of: ")")
        {
            out += rest[..<start.lowerBound]
            let alt = rest[start.upperBound..<close.lowerBound]
            let target = rest[close.upperBound..<end]
            var label = "[image: \(alt.isEmpty ? "untitled" : String(alt))"
            if target.hasPrefix("sha256:"), let digest = Digest(hex: String(target.dropFirst(7))), missing.contains(digest) {
                label += " — not on this device"
            }
            out += label + "]"
            rest = rest[rest.index(after: end)...]
        }
        return out + rest
    }
}
