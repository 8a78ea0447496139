/// One thing wrong with one file of a knowledge-base folder, where it is: what an
/// author must fix before the folder imports.
public struct ArticleProblem: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The file's path relative to the imported folder (`guides/fan.md`); empty when the
    /// problem is the folder itself.
    public let file: String
    /// The 1-based line in `file`, when the problem has one.
    public let line: Int?
    public let reason: String

    public init(file: String, line: Int?, _ reason: String) {
        self.file = file
        self.line = line
        self.reason = reason
    }

    /// `guides/fan.md:3: device_models must be a list of strings`: the shape compilers
    /// use, so editors and terminals can jump to it.
    public var description: String {
        switch (file.isEmpty, line) {
        case (true, _): reason
        case (false, let line?): "\(file):\(line): \(reason)"
        case (false, nil): "\(file): \(reason)"
        }
    }

    public static func < (a: ArticleProblem, b: ArticleProblem) -> Bool {
        if a.file != b.file { return a.file.utf8.lexicographicallyPrecedes(b.file.utf8) }
        return (a.line ?? 0, a.reason) < (b.line ?? 0, b.reason)
    }
}

/// Why `kb import` imported nothing: every problem in every file, so one run tells the
/// authors everything to fix (an import is all or nothing; fixing one file at a time
/// would take as many runs as there are bad files).
public struct KnowledgeBaseError: Error, Sendable, CustomStringConvertible {
    public let problems: [ArticleProblem]

    public init(_ problems: [ArticleProblem]) { self.problems = problems.sorted() }

    init(folder reason: String) { self.init([ArticleProblem(file: "", line: nil, reason)]) }

    /// The files refused, one problem a line, after a headline saying nothing was imported.
    public var description: String {
        let files = Set(problems.map(\.file).filter { !$0.isEmpty }).count
        let head =
            files == 0
            ? "nothing imported"
            : "nothing imported: \(files) file\(files == 1 ? "" : "s") to fix (\(problems.count) problem\(problems.count == 1 ? "" : "s"))"
        return ([head] + problems.map { "  \($0)" }).joined(separator: "\n")
    }
}
