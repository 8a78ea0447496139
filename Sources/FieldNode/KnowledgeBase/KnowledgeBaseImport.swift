import FieldModel
import FieldStore
import Foundation

/// `fieldsync-node kb import`: publishes a folder of Markdown articles at central, all or
/// nothing.
///
/// Every file is read and checked first; if any is wrong, nothing is written and every
/// problem is named (``KnowledgeBaseError``). Then the images of what changed are stored
/// as complete blobs, and every op is recorded in one store transaction, so a crash
/// leaves either the whole import or none of it (at worst, images no article refers to).
public enum KnowledgeBaseImport {
    public enum Change: String, Sendable, Codable {
        case new, updated, unchanged, retired
    }

    /// What the import did to one article.
    public struct Entry: Sendable, Equatable, Codable {
        /// The front-matter id (`fan-guide` for `article:fan-guide`).
        public let id: String
        /// The file it came from; nil for a retired article.
        public let file: String?
        public let change: Change
        /// The version central holds after the import.
        public let version: UInt64
    }

    public struct Summary: Sendable, Equatable {
        /// Articles by path, then retirements by id.
        public let entries: [Entry]
        /// How many images were written to the blob store (the rest were already there).
        public let imagesStored: Int

        public func count(_ change: Change) -> Int { entries.count { $0.change == change } }
    }

    /// How often `progress` hears of a large folder.
    public static let progressEvery = 500

    /// Imports `folder` into `store`, images into `images` (skipping those held whole
    /// already), stamping ops at `now`; `progress` is told (files checked, files in all)
    /// every ``progressEvery`` files.
    public static func run(
        _ folder: KnowledgeBaseFolder, into store: any CentralStore, images: any ArticleImageStore, prune: Bool, now: UInt64,
        progress: (Int, Int) -> Void = { _, _ in }
    ) async throws -> Summary {
        let articles = try prepare(folder, progress: progress)
        let plan = KnowledgeBasePlan(articles, existing: try await store.articles(), prune: prune)
        var stored = 0
        for (digest, path) in plan.imageFiles.sorted(by: { $0.key < $1.key }) {
            guard try await !images.contains(digest) else { continue }
            guard try await images.store(fileAt: path, as: digest) else {
                throw KnowledgeBaseError(folder: "\(path) changed while it was imported: run the import again")
            }
            stored += 1
        }
        if !plan.ops.isEmpty {
            _ = try await store.writeAsCentral(plan.ops.map { .onEntity($0.id, $0.body) }, now: now)
        }
        return Summary(entries: plan.entries, imagesStored: stored)
    }

    /// Reads and checks every article file; throws every problem of every file.
    static func prepare(_ folder: KnowledgeBaseFolder, progress: (Int, Int) -> Void) throws(KnowledgeBaseError) -> [KnowledgeBasePlan.Article] {
        let paths = try folder.markdownFiles()
        var problems: [ArticleProblem] = []
        var articles: [KnowledgeBasePlan.Article] = []
        for (index, path) in paths.enumerated() {
            do throws(KnowledgeBaseError) {
                articles.append(try prepare(path, in: folder))
            } catch {
                problems += error.problems
            }
            if (index + 1) % progressEvery == 0 || (index + 1 == paths.count && paths.count >= progressEvery) {
                progress(index + 1, paths.count)
            }
        }
        for (_, same) in Dictionary(grouping: articles, by: \.id) where same.count > 1 {
            for article in same {
                let others = same.filter { $0.file.path != article.file.path }.map(\.file.path).joined(separator: ", ")
                problems.append(ArticleProblem(
                    file: article.file.path, line: article.file.frontMatter.idLine,
                    "duplicate id '\(article.file.frontMatter.id)': also used by \(others)"))
            }
        }
        guard problems.isEmpty else { throw KnowledgeBaseError(problems) }
        return articles
    }

    /// One file, parsed, its images hashed, checked as the model will check its op.
    static func prepare(_ path: String, in folder: KnowledgeBaseFolder) throws(KnowledgeBaseError) -> KnowledgeBasePlan.Article {
        let file = try ArticleFile.parse(try folder.read(path), path: path)
        let images = try ArticleImages.resolve(file, in: folder)
        let meta = file.frontMatter
        guard let id = EntityID(kind: Article.kind, name: meta.id) else {
            throw KnowledgeBaseError([ArticleProblem(file: path, line: meta.idLine, "id '\(meta.id)' is not valid")])
        }
        let content = ArticlePublished(
            version: 1, title: meta.title, body: images.body, deviceModels: meta.deviceModels, faultCodes: meta.faultCodes,
            keywords: meta.keywords, language: meta.language, everyone: meta.everyone, images: images.digests)
        do { try content.validate() } catch {
            throw KnowledgeBaseError([ArticleProblem(file: path, line: nil, error.message)])
        }
        return KnowledgeBasePlan.Article(file: file, id: id, content: content, images: images)
    }
}
