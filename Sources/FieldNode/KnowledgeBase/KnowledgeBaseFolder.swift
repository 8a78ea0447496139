import Foundation

/// A folder of article files, and the one place that decides which paths are inside it.
///
/// Nothing outside the folder is read: an image reference or an article file that leads
/// out (`..`, an absolute path, a symlink pointing elsewhere) is a problem to fix, never
/// a file to import, so importing someone's folder cannot publish `/etc/passwd` to every
/// device.
public struct KnowledgeBaseFolder: Sendable {
    /// The folder as given.
    public let path: String
    /// The folder with symlinks resolved: what every file's real path must be under.
    let root: String

    public init(_ path: String) throws(KnowledgeBaseError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue,
            let root = Self.realPath(path)
        else { throw KnowledgeBaseError(folder: "\(path) is not a folder: give the folder that holds the .md files") }
        self.path = path
        self.root = root
    }

    /// Every `.md` file under the folder, as paths relative to it, sorted by their bytes
    /// so an import runs the same on any machine. Hidden entries (`.git`) are skipped;
    /// symlinked folders are not followed (a link to `..` would never end).
    public func markdownFiles() throws(KnowledgeBaseError) -> [String] {
        var out: [String] = []
        var pending = [""]
        while let relative = pending.popLast() {
            let absolute = relative.isEmpty ? root : root + "/" + relative
            let names: [String]
            do { names = try FileManager.default.contentsOfDirectory(atPath: absolute) } catch {
                throw KnowledgeBaseError(folder: "cannot list \(absolute): \(error.localizedDescription)")
            }
            for name in names where !name.hasPrefix(".") {
                let child = relative.isEmpty ? name : relative + "/" + name
                var info = stat()
                guard lstat(root + "/" + child, &info) == 0 else { continue }
                switch info.st_mode & S_IFMT {
                case S_IFDIR: pending.append(child)
                case S_IFREG, S_IFLNK: if name.lowercased().hasSuffix(".md") { out.append(child) }
                default: break
                }
            }
        }
        return out.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
    }

    /// Reads the article file at `relative` (a path from ``markdownFiles()``).
    func read(_ relative: String) throws(KnowledgeBaseError) -> Data {
        let real: String
        switch resolve(relative) {
        case .success(let path): real = path
        case .failure(let reason):
            throw KnowledgeBaseError([ArticleProblem(file: relative, line: nil, reason.text(for: relative))])
        }
        let size = ((try? FileManager.default.attributesOfItem(atPath: real))?[.size] as? NSNumber)?.intValue ?? 0
        guard size <= ArticleFile.maxFileBytes else {
            throw KnowledgeBaseError([
                ArticleProblem(file: relative, line: nil, "the file is \(size) bytes; an article is at most \(ArticleFile.maxFileBytes)")
            ])
        }
        guard let data = FileManager.default.contents(atPath: real) else {
            throw KnowledgeBaseError([ArticleProblem(file: relative, line: nil, "cannot read the file: check its permissions")])
        }
        return data
    }

    /// Why a path does not lead to a file inside the folder.
    enum Refusal: Error, Equatable {
        case absolute, escapes, symlinkOut, missing, notAFile

        func text(for shown: String) -> String {
            switch self {
            case .absolute: "'\(shown)' is an absolute path: use a path relative to the article"
            case .escapes: "'\(shown)' is outside the imported folder"
            case .symlinkOut: "'\(shown)' is a symlink pointing outside the imported folder"
            case .missing: "'\(shown)' does not exist"
            case .notAFile: "'\(shown)' is not a file"
            }
        }
    }

    /// The real path of the regular file at `relative` (from the folder), if it is inside
    /// the folder once `..` and symlinks are followed.
    func resolve(_ relative: String) -> Result<String, Refusal> {
        guard !relative.hasPrefix("/") else { return .failure(.absolute) }
        var parts: [Substring] = []
        for part in relative.split(separator: "/") where part != "." {
            if part == ".." {
                guard parts.popLast() != nil else { return .failure(.escapes) }
            } else {
                parts.append(part)
            }
        }
        guard !parts.isEmpty else { return .failure(.notAFile) }
        let lexical = root + "/" + parts.joined(separator: "/")
        guard let real = Self.realPath(lexical) else { return .failure(.missing) }
        guard real.hasPrefix(root == "/" ? "/" : root + "/") else { return .failure(.symlinkOut) }
        var info = stat()
        guard stat(real, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { return .failure(.notAFile) }
        return .success(real)
    }

    /// The path with every symlink resolved, or nil if it does not exist.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
