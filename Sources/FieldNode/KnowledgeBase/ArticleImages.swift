import FieldModel
import FieldStore
import Foundation

/// The images an article shows, found in its Markdown and read from its folder.
///
/// A local image `![alt](img/fan.png)` becomes `![alt](sha256:HEX)` in the published body
/// and HEX joins the version's `images`: a device sees which blob each picture needs and
/// fetches it by digest, whatever the author's folder looked like. `http(s)` images are
/// left as written; any other scheme (`file:`, `data:`) is refused.
struct ArticleImages: Sendable, Equatable {
    /// The body with every local image pointing at its digest.
    let body: String
    /// Digests in order of first appearance, each once.
    let digests: [Digest]
    /// Where each digest's bytes are (real paths inside the folder), to store them.
    let files: [Digest: String]

    /// An image reference in a body: `![alt](target)` or `![alt](target "title")`.
    struct Reference {
        let range: Range<String.Index>
        let alt: Substring
        /// As written, less any `<…>` around it.
        let target: String
        /// A `"title"` after the target, which the published body drops.
        let title: Substring?
        /// The file line it is on.
        let line: Int
    }

    /// Every image reference in `body`, whose first line is line `firstLine` of its file.
    static func references(in body: String, firstLine: Int) -> [Reference] {
        let pattern = #/!\[(?<alt>[^\]\n]*)\]\(\s*(?<target><[^>\n]*>|[^\s)]+)(?<title>\s+(?:"[^"\n]*"|'[^'\n]*'))?\s*\)/#
        var line = firstLine
        var counted = body.startIndex
        return body.matches(of: pattern).map { match in
            line += body[counted..<match.range.lowerBound].utf8.count(where: { $0 == UInt8(ascii: "\n") })
            counted = match.range.lowerBound
            var target = String(match.output.target)
            if target.hasPrefix("<") { target = String(target.dropFirst().dropLast()) }
            return Reference(range: match.range, alt: match.output.alt, target: target, title: match.output.title, line: line)
        }
    }

    /// Whether `target` is a web address left as written.
    static func isWeb(_ target: String) -> Bool {
        let lower = target.lowercased()
        return lower.hasPrefix("http://") || lower.hasPrefix("https://")
    }

    /// Whether `target` starts with a URL scheme (`data:`, `file:`, `sha256:`).
    static func hasScheme(_ target: String) -> Bool {
        guard let colon = target.firstIndex(of: ":"), let first = target.unicodeScalars.first,
            ("a"..."z").contains(first) || ("A"..."Z").contains(first)
        else { return false }
        return target[..<colon].unicodeScalars.allSatisfy {
            ArticleFrontMatter.isASCIIAlphanumeric($0) || "+.-".unicodeScalars.contains($0)
        }
    }

    /// Finds, checks and hashes the images of `file`; throws every image problem.
    static func resolve(_ file: ArticleFile, in folder: KnowledgeBaseFolder) throws(KnowledgeBaseError) -> ArticleImages {
        let directory = (file.path as NSString).deletingLastPathComponent
        var problems: [ArticleProblem] = []
        var body = ""
        var copied = file.body.startIndex
        var digests: [Digest] = []
        var files: [Digest: String] = [:]
        for reference in references(in: file.body, firstLine: file.bodyLine) {
            let target = reference.target
            if isWeb(target) { continue }
            guard !hasScheme(target) else {
                problems.append(ArticleProblem(
                    file: file.path, line: reference.line,
                    "image '\(target)': use a path relative to the article, or an http(s) URL"))
                continue
            }
            let decoded = target.removingPercentEncoding ?? target
            let relative = decoded.hasPrefix("/") || directory.isEmpty ? decoded : directory + "/" + decoded
            let real: String
            switch folder.resolve(relative) {
            case .success(let path): real = path
            case .failure(let refusal):
                problems.append(ArticleProblem(file: file.path, line: reference.line, "image \(refusal.text(for: target))"))
                continue
            }
            // Devices fetch an image as they fetch a photo: the node's default attachment
            // limit holds for both (checked before a byte is hashed).
            let size = ((try? FileManager.default.attributesOfItem(atPath: real))?[.size] as? NSNumber)?.uint64Value ?? 0
            guard size <= Self.maxBytes else {
                problems.append(ArticleProblem(
                    file: file.path, line: reference.line,
                    "image '\(target)' has \(size >> 20) MiB; an image has at most \(Self.maxBytes >> 20) MiB (the node's attachment limit)"))
                continue
            }
            let digest: Digest
            do { digest = try hash(real) } catch {
                problems.append(ArticleProblem(file: file.path, line: reference.line, "image '\(target)' cannot be read"))
                continue
            }
            if files[digest] == nil {
                files[digest] = real
                digests.append(digest)
            }
            body += file.body[copied..<reference.range.lowerBound]
            // Exactly `![alt](sha256:HEX)`, any title dropped: the form devices look for
            // (FieldClient's ArticleText) to say which image is not on the device yet.
            body += "![\(reference.alt)](sha256:\(digest.hex))"
            copied = reference.range.upperBound
        }
        if digests.count > ArticlePublished.maxListEntries {
            problems.append(ArticleProblem(
                file: file.path, line: nil,
                "the article shows \(digests.count) images; at most \(ArticlePublished.maxListEntries)"))
        }
        guard problems.isEmpty else { throw KnowledgeBaseError(problems) }
        body += file.body[copied...]
        return ArticleImages(body: body, digests: digests, files: files)
    }

    /// The largest image an article may show.
    static let maxBytes = NodeLimits.defaultMaxAttachmentBytes

    /// The SHA-256 of the file at `path`, read in 1 MiB chunks.
    static func hash(_ path: String) throws -> Digest {
        guard let input = FileHandle(forReadingAtPath: path) else { throw CocoaError(.fileReadNoPermission) }
        defer { try? input.close() }
        let hasher = BlobHasher()
        while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(chunk) }
        return hasher.digest
    }
}
