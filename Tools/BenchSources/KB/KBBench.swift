import Foundation
import FieldTestSupport

/// `fieldsync-bench kb`: the knowledge base on a device, measured on 10,000 generated
/// guides of ~2 KB (``ArticleCorpus``).
///
/// Each section is one call here and prints its own report: the search on the device,
/// then the pull of the same guides through the real node (first pull, re-pull after 1%
/// changed).
enum KBBench {
    static func run() async throws {
        try KBSearch.run()
        print("")
        let corpus = ArticleCorpus(seed: 7)
        let count = Int(ProcessInfo.processInfo.environment["FIELDSYNC_BENCH_KB_DOCS"] ?? "") ?? 10_000
        try await KBPull.run((0..<count).map { i in
            let a = corpus.article(i)
            return KBPull.Document(name: "guide-\(i)", title: a.title, body: a.body)
        })
    }
}
