import FieldModel
import Foundation
import Yams

/// The YAML front matter of an article file, checked key by key.
///
/// Keys (anything else is refused, so a typo such as `device_model:` cannot silently
/// make an article reach no device):
/// - `id` (required): letters, digits, `-`, `_`, `.`, starting with a letter or digit,
///   at most ``maxIDLength``; the article is `article:ID`.
/// - `title` (required): one line, at most ``maxTitleLength`` characters.
/// - `device_models`, `fault_codes`, `keywords`: lists of one-line strings, at most
///   `ArticlePublished.maxListEntries` each; numbers are taken as written (`- 1001`).
/// - `language`: a BCP 47 tag such as `en`, `zh` or `zh-Hans`; `en` when absent.
/// - `everyone`: `true` for an article every device gets, whatever its tickets.
public struct ArticleFrontMatter: Sendable, Equatable {
    public let id: String
    /// The file line of the `id` key, for problems that involve two files.
    public let idLine: Int
    public let title: String
    public let deviceModels: [String]
    public let faultCodes: [String]
    public let keywords: [String]
    public let language: String
    public let everyone: Bool

    public static let keys = ["id", "title", "device_models", "fault_codes", "keywords", "language", "everyone"]
    public static let maxIDLength = 100
    /// A title is shown in one line of a device's list.
    public static let maxTitleLength = 200
    /// Front matter is a handful of keys; a bigger one is a mistake (or a YAML bomb).
    public static let maxBytes = 64 * 1024

    /// Whether `id` may name an article: kept to characters that are safe in a path, a
    /// URL and a shell, and never `.` or `..`.
    public static func isValidID(_ id: String) -> Bool {
        guard let first = id.unicodeScalars.first, id.utf8.count <= maxIDLength,
            isASCIIAlphanumeric(first)
        else { return false }
        return id.unicodeScalars.allSatisfy { isASCIIAlphanumeric($0) || "-_.".unicodeScalars.contains($0) }
    }

    static func isASCIIAlphanumeric(_ s: Unicode.Scalar) -> Bool {
        ("a"..."z").contains(s) || ("A"..."Z").contains(s) || ("0"..."9").contains(s)
    }

    /// Whether `tag` looks like a BCP 47 language tag: 2–3 letters, then subtags of 1–8
    /// letters or digits (`en`, `zh-Hans`, `pt-BR`).
    public static func isValidLanguage(_ tag: String) -> Bool {
        let parts = tag.split(separator: "-", omittingEmptySubsequences: false)
        guard let primary = parts.first, (2...3).contains(primary.count), tag.utf8.count <= 35,
            primary.unicodeScalars.allSatisfy({ isASCIIAlphanumeric($0) && !("0"..."9").contains($0) })
        else { return false }
        return parts.dropFirst().allSatisfy { (1...8).contains($0.count) && $0.unicodeScalars.allSatisfy(isASCIIAlphanumeric) }
    }

    /// Parses `yaml`, whose first line is line `firstLine` of `file`; throws every problem.
    static func parse(_ yaml: String, file: String, firstLine: Int) throws(KnowledgeBaseError) -> ArticleFrontMatter {
        func at(_ yamlLine: Int?) -> Int { firstLine - 1 + max(yamlLine ?? 1, 1) }
        guard yaml.utf8.count <= maxBytes else {
            throw KnowledgeBaseError([ArticleProblem(file: file, line: firstLine, "front matter is over \(maxBytes / 1024) KiB")])
        }
        if let line = firstAnchorLine(yaml) {
            throw KnowledgeBaseError([
                ArticleProblem(file: file, line: at(line), "YAML anchors (&name) are not allowed in front matter: write the values out")
            ])
        }
        let root: Node?
        do { root = try Yams.compose(yaml: yaml) } catch {
            let (line, reason) = describe(error, in: yaml)
            throw KnowledgeBaseError([ArticleProblem(file: file, line: at(line), "front matter is not valid YAML: \(reason)")])
        }
        var reader = Reader(file: file, at: at)
        let mapping: Node.Mapping
        switch root {
        case .mapping(let m): mapping = m
        case nil: mapping = Node.Mapping([])
        case .scalar(let s) where s.string.isEmpty: mapping = Node.Mapping([])
        case let other?:
            throw KnowledgeBaseError([
                ArticleProblem(file: file, line: at(other.mark?.line), "front matter must be YAML keys (id: …, title: …)")
            ])
        }
        var values: [String: (key: Node, value: Node)] = [:]
        for (key, value) in mapping {
            guard let name = key.scalar?.string, keys.contains(name) else {
                let shown = key.scalar?.string ?? "a non-text key"
                reader.problem(key, "unknown key '\(shown)': use \(keys.joined(separator: ", "))")
                continue
            }
            values[name] = (key, value)
        }
        let id = reader.text("id", values, required: true)
        if let id, !isValidID(id) {
            reader.problem(
                values["id"]!.value,
                "id '\(id)' is not valid: use 1 to \(maxIDLength) letters, digits, '-', '_' or '.', starting with a letter or digit")
        }
        let title = reader.text("title", values, required: true)
        if let title, title.count > maxTitleLength {
            reader.problem(values["title"]!.value, "title is \(title.count) characters; at most \(maxTitleLength)")
        } else if let title, title.contains(where: \.isNewline) {
            reader.problem(values["title"]!.value, "title must be one line")
        }
        let language = reader.text("language", values, required: false) ?? "en"
        if values["language"] != nil, !isValidLanguage(language) {
            reader.problem(values["language"]!.value, "language '\(language)' is not a language tag such as en, zh or zh-Hans")
        }
        var everyone = false
        if let (_, value) = values["everyone"] {
            if case .scalar = value, let flag = value.bool { everyone = flag } else { reader.problem(value, "everyone must be true or false") }
        }
        let deviceModels = reader.list("device_models", values)
        let faultCodes = reader.list("fault_codes", values)
        let keywords = reader.list("keywords", values)
        guard reader.problems.isEmpty, let id, let title else { throw KnowledgeBaseError(reader.problems) }
        return ArticleFrontMatter(
            id: id, idLine: at(values["id"]?.key.mark?.line), title: title, deviceModels: deviceModels,
            faultCodes: faultCodes, keywords: keywords, language: language, everyone: everyone)
    }

    /// Reads typed values out of the mapping, collecting a located problem for each
    /// value of the wrong shape.
    struct Reader {
        let file: String
        let at: (Int?) -> Int
        var problems: [ArticleProblem] = []

        mutating func problem(_ node: Node, _ reason: String) {
            problems.append(ArticleProblem(file: file, line: at(node.mark?.line), reason))
        }

        /// A one-value key: any non-null scalar, as written (`id: 1001` is the id "1001").
        mutating func text(_ key: String, _ values: [String: (key: Node, value: Node)], required: Bool) -> String? {
            guard let (_, value) = values[key] else {
                if required { problems.append(ArticleProblem(file: file, line: at(1) - 1, "missing \(key)")) }
                return nil
            }
            guard case .scalar(let scalar) = value, value.null == nil else {
                problem(value, value.null != nil ? "\(key) is empty" : "\(key) must be a string")
                return nil
            }
            let text = scalar.string.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else {
                problem(value, "\(key) is empty")
                return nil
            }
            return text
        }

        /// A list key: a YAML sequence of non-null one-line scalars; empty when absent.
        mutating func list(_ key: String, _ values: [String: (key: Node, value: Node)]) -> [String] {
            guard let (_, value) = values[key] else { return [] }
            guard case .sequence(let sequence) = value else {
                problem(value, "\(key) must be a list of strings")
                return []
            }
            guard sequence.count <= ArticlePublished.maxListEntries else {
                problem(value, "\(key) lists \(sequence.count) entries; at most \(ArticlePublished.maxListEntries)")
                return []
            }
            var out: [String] = []
            for entry in sequence {
                guard case .scalar(let scalar) = entry, entry.null == nil else {
                    problem(entry, "\(key) must be a list of strings")
                    return []
                }
                let text = scalar.string.trimmingCharacters(in: .whitespaces)
                guard !text.isEmpty, !text.contains(where: \.isNewline) else {
                    problem(entry, "\(key) entries must be non-empty and one line")
                    return []
                }
                out.append(text)
            }
            return out
        }
    }

    /// The YAML line of the first anchor (`&name` where a value starts), if any.
    ///
    /// Refused before Yams sees the text: aliases of an anchor can nest a few lines into
    /// billions of nodes, and Yams hashes a mapping's keys whole to find duplicates, so
    /// ten lines with an alias as a key took minutes. Front matter has no use for them.
    /// Without anchors an alias is an error Yams reports. `R&D` and `Tom & Jerry` are not
    /// anchors; `a, &b` inside a quoted title is mistaken for one (rephrase it).
    static func firstAnchorLine(_ yaml: String) -> Int? {
        let anchor = #/(?:^|[\[{,]|[-?:][ \t])[ \t]*&[^ \t\[\]{},]/#
        for (index, line) in yaml.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
        where line.contains("&") && line.contains(anchor) {
            return index + 1
        }
        return nil
    }

    /// The YAML line (1-based) and a short reason for a Yams error.
    static func describe(_ error: any Error, in yaml: String) -> (line: Int?, reason: String) {
        guard let error = error as? YamlError else { return (nil, "\(error)") }
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return (mark.line, problem)
        case .duplicatedKeysInMapping(let duplicates, let context):
            return (context.mark.line, "key \(duplicates.map { "'\($0)'" }.joined(separator: ", ")) appears more than once")
        case .reader(let problem, let offset, _, _):
            let line = offset.map { o in yaml.utf8.prefix(o).reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 } }
            return (line, problem)
        default:
            return (nil, "\(error)")
        }
    }
}
