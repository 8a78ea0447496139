import FieldModel
import Foundation

/// One knowledge-base article as its author wrote it: YAML front matter between two `---`
/// lines, then the Markdown body.
///
/// ```markdown
/// ---
/// id: fan-not-spinning
/// title: Condenser fan does not start
/// device_models: [Chiller X2]
/// fault_codes: [E42]
/// ---
/// Check the capacitor first. ![wiring](img/fan-wiring.png)
/// ```
///
/// Parsing reads no other file: images are resolved later, against the folder
/// (``KnowledgeBaseFolder``).
public struct ArticleFile: Sendable, Equatable {
    /// The path relative to the imported folder, as problems name it.
    public let path: String
    public let frontMatter: ArticleFrontMatter
    /// The Markdown after the closing `---` line, as written.
    public let body: String
    /// The file line the body starts on, so problems found in the body name their line.
    public let bodyLine: Int

    /// The most bytes an article file may have: front matter plus a body at the model's
    /// text limit. Checked before the file is read, so a stray video named `.md` is
    /// refused without being loaded.
    public static let maxFileBytes = ArticleFrontMatter.maxBytes + Op.maxTextBytes + 1024

    /// Parses `data`, the contents of the file at `path`; throws every problem found.
    public static func parse(_ data: Data, path: String) throws(KnowledgeBaseError) -> ArticleFile {
        if let offset = firstInvalidUTF8(in: data) {
            let line = data.prefix(offset).reduce(1) { $1 == 0x0A ? $0 + 1 : $0 }
            throw KnowledgeBaseError([
                ArticleProblem(file: path, line: line, "not valid UTF-8 (byte \(offset)): save the file as UTF-8")
            ])
        }
        var text = String(decoding: data, as: UTF8.self)
        if text.hasPrefix("\u{FEFF}") { text.removeFirst() }
        // Split on bytes: as Characters, "\r\n" is one grapheme and would not split on "\n".
        let lines = text.utf8.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
            .map { String(decoding: $0, as: UTF8.self) }
        func isFence(_ line: String, _ marks: Set<String>) -> Bool {
            marks.contains(line.trimmingCharacters(in: .whitespaces.union(CharacterSet(charactersIn: "\r"))))
        }
        guard let first = lines.first, isFence(first, ["---"]) else {
            throw KnowledgeBaseError([
                ArticleProblem(
                    file: path, line: 1,
                    "missing front matter: the file must start with a '---' line, then YAML (id:, title:, …), then '---'")
            ])
        }
        guard let close = lines.indices.dropFirst().first(where: { isFence(lines[$0], ["---", "..."]) }) else {
            throw KnowledgeBaseError([
                ArticleProblem(file: path, line: 1, "the front matter is never closed: end it with a '---' line")
            ])
        }
        let yaml = lines[1..<close].joined(separator: "\n")
        // Line 1 of the YAML is line 2 of the file.
        let frontMatter = try ArticleFrontMatter.parse(yaml, file: path, firstLine: 2)
        return ArticleFile(
            path: path, frontMatter: frontMatter, body: lines[(close + 1)...].joined(separator: "\n"), bodyLine: close + 2)
    }

    /// The offset of the first byte that is not part of valid UTF-8, or nil if all are.
    static func firstInvalidUTF8(in data: Data) -> Int? {
        var parser = Unicode.UTF8.ForwardParser()
        var bytes = data.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &bytes) {
            case .valid(let scalar): offset += scalar.count
            case .emptyInput: return nil
            case .error: return offset
            }
        }
    }
}
