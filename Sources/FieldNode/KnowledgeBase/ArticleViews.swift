import FieldModel
import FieldStore
import Foundation

/// An article in `kb list`: enough to see what central publishes.
public struct ArticleListItem: Sendable, Equatable, Codable {
    public let id: String
    public let version: UInt64
    public let title: String
    public let language: String
    public let everyone: Bool
    public let retired: Bool
    /// How many images it shows.
    public let images: Int

    public init(_ a: StoredArticle) {
        id = a.name
        version = a.version.version
        title = a.version.title
        language = a.version.language
        everyone = a.version.everyone
        retired = a.retired
        images = a.version.images.count
    }

    /// One line: `fan-guide  v2  en  Condenser fan does not start  (2 images, everyone, retired)`.
    public var line: String {
        let notes = [images > 0 ? "\(images) image\(images == 1 ? "" : "s")" : nil, everyone ? "everyone" : nil, retired ? "retired" : nil]
            .compactMap { $0 }
        return "\(id)  v\(version)  \(language)  \(title)" + (notes.isEmpty ? "" : "  (\(notes.joined(separator: ", ")))")
    }
}

/// An article in `kb show`: its front-matter fields under the same names, and its body
/// as published (images as `sha256:HEX`).
public struct ArticleDetail: Sendable, Equatable, Codable {
    public let id: String
    public let version: UInt64
    public let title: String
    public let deviceModels: [String]
    public let faultCodes: [String]
    public let keywords: [String]
    public let language: String
    public let everyone: Bool
    public let retired: Bool
    /// SHA-256 hex of each image.
    public let images: [String]
    public let body: String

    enum CodingKeys: String, CodingKey {
        case id, version, title, language, everyone, retired, images, body, keywords
        case deviceModels = "device_models"
        case faultCodes = "fault_codes"
    }

    public init(_ a: StoredArticle) {
        id = a.name
        version = a.version.version
        title = a.version.title
        deviceModels = a.version.deviceModels
        faultCodes = a.version.faultCodes
        keywords = a.version.keywords
        language = a.version.language
        everyone = a.version.everyone
        retired = a.retired
        images = a.version.images.map(\.hex)
        body = a.version.body
    }

    /// The fields one a line, then a blank line and the body.
    public var text: String {
        var lines = ["\(id)  version \(version)\(retired ? "  (retired)" : "")", "title: \(title)", "language: \(language)"]
        if everyone { lines.append("everyone: yes") }
        for (name, list) in [("device_models", deviceModels), ("fault_codes", faultCodes), ("keywords", keywords), ("images", images)]
        where !list.isEmpty {
            lines.append("\(name): \(list.joined(separator: ", "))")
        }
        return (lines + ["", body]).joined(separator: "\n")
    }
}

/// What `kb import` prints: the counts, then each article that changed.
public struct KnowledgeBaseImportReport: Sendable, Equatable, Codable {
    public let new: Int
    public let updated: Int
    public let unchanged: Int
    public let retired: Int
    public let imagesStored: Int
    public let articles: [KnowledgeBaseImport.Entry]

    public init(_ s: KnowledgeBaseImport.Summary) {
        new = s.count(.new)
        updated = s.count(.updated)
        unchanged = s.count(.unchanged)
        retired = s.count(.retired)
        imagesStored = s.imagesStored
        articles = s.entries
    }

    /// `3 new, 1 updated, 12 unchanged, 0 retired`, then a line per change.
    public var text: String {
        let head = "\(new) new, \(updated) updated, \(unchanged) unchanged, \(retired) retired"
            + (imagesStored > 0 ? " (\(imagesStored) image\(imagesStored == 1 ? "" : "s") stored)" : "")
        let lines = articles.filter { $0.change != .unchanged }.map { e in
            "  \(e.change.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(e.id) v\(e.version)" + (e.file.map { "  \($0)" } ?? "")
        }
        return ([head] + lines).joined(separator: "\n")
    }
}

/// What `kb import --json` prints when it imports nothing: each problem with its file
/// and line, so a script can point an author at them.
public struct KnowledgeBaseRefusal: Sendable, Equatable, Codable {
    public var imported = false
    public let problems: [ArticleProblem]

    public init(_ error: KnowledgeBaseError) { problems = error.problems }
}
