/// `fieldsync-bench kb`: the knowledge base on a device, measured on 10,000 generated
/// guides of ~2 KB (``ArticleCorpus``).
///
/// Each section is one call here and prints its own report, so a section is added with
/// one line: the pull of the articles (first pull of 10,000, re-pull after 1% changed)
/// belongs after the search section, as `try KBPull.run()`.
enum KBBench {
    static func run() throws {
        try KBSearch.run()
    }
}
