import FieldStore
import FieldTestSupport
import Foundation
import GRDB
import Testing

/// An in-memory database whose connections know the search tokenizer, with a few documents.
private func makeIndex(_ documents: [SearchDocument] = SearchIndexTests.guides) throws -> (DatabaseQueue, SearchIndex) {
    var config = Configuration()
    SearchIndex.registerOnEveryConnection(&config)
    let queue = try DatabaseQueue(configuration: config)
    let index = SearchIndex(table: "guide_search")
    try queue.write { db in
        try index.create(db)
        for document in documents { try index.put(document, db) }
    }
    return (queue, index)
}

private func ids(_ text: String, _ queue: DatabaseQueue, _ index: SearchIndex, limit: Int = 50) throws -> [String] {
    try queue.read { db in try index.search(SearchQuery(text), limit: limit, db).map(\.id) }
}

private func hits(_ text: String, _ queue: DatabaseQueue, _ index: SearchIndex) throws -> [SearchHit] {
    try queue.read { db in try index.search(SearchQuery(text), db) }
}

@Suite struct SearchIndexTests {
    static let guides = [
        SearchDocument(
            id: "en-fan", title: "Replacing the condenser fan motor",
            body: "Switch off the unit. Remove the fan guard, then the condenser fan motor. Check the capacitor before fitting the new motor."),
        SearchDocument(
            id: "en-comp", title: "Compressor will not start",
            body: "If the compressor hums but will not start, test the start capacitor and the contactor. Measure the voltage at the terminals."),
        SearchDocument(
            id: "zh-cap", title: "更换冷凝风扇电容",
            body: "断开电源后，拆下风扇护罩，用万用表测量电容容量。容量低于标称值的百分之八十时更换电容。"),
        SearchDocument(
            id: "zh-comp", title: "压缩机无法启动",
            body: "压缩机嗡嗡响但不启动时，检查启动电容和接触器，并测量端子电压。"),
        SearchDocument(
            id: "mixed", title: "R410A冷媒 recovery",
            body: "回收R410A冷媒前，确认recovery machine已连接。Weigh the cylinder: 冷媒重量不得超过钢瓶容量的80%。"),
        // 电 and 容 stand apart here: a comma and a full stop split the runs, so no 电容 bigram.
        SearchDocument(
            id: "zh-split", title: "供电说明",
            body: "本机使用三相电，容许电压波动百分之十。检查电。容器外壳接地。"),
        SearchDocument(
            id: "fr-diacritics", title: "Surchauffe du détendeur",
            body: "Vérifier la surchauffe à l'évaporateur; régler le détendeur thermostatique. Café-crème optional."),
    ]

    // MARK: - The tokenizer

    @Test func tokenizerEmitsBigramsWithTheirFirstCharacterAndUnicode61ForTheRest() throws {
        let queue = try DatabaseQueue()
        try queue.inDatabase { db in
            SearchIndex.register(db)
            let tokenizer = try db.makeTokenizer(MixedScriptTokenizer.tokenizerDescriptor())
            let document = try tokenizer.tokenize(document: "Café 压缩机, R410A冷媒!")
            #expect(document.map(\.token) == ["cafe", "压", "压缩", "缩", "缩机", "机", "r410a", "冷", "冷媒", "媒"])
            let colocated = document.map { $0.flags.contains(.colocated) }
            #expect(colocated == [false, false, true, false, true, false, false, false, true, false])

            #expect(try tokenizer.tokenize(query: "压缩机").map(\.token) == ["压缩", "缩机"])
            #expect(try tokenizer.tokenize(query: "电容").map(\.token) == ["电容"])
            #expect(try tokenizer.tokenize(query: "电").map(\.token) == ["电"])
            #expect(try tokenizer.tokenize(query: "冷媒r410a").map(\.token) == ["冷媒", "媒", "r410a"])
            #expect(try tokenizer.tokenize(query: "ÜBERHITZUNG Straße").map(\.token) == ["uberhitzung", "straße"])
            // Kana and hangul are split the same way.
            #expect(try tokenizer.tokenize(query: "ファン").map(\.token) == ["ファ", "ァン"])
            #expect(try tokenizer.tokenize(query: "압축기").map(\.token) == ["압축", "축기"])
        }
    }

    @Test func tokenizerSurvivesTextThatIsNotValidUTF8() throws {
        var config = Configuration()
        SearchIndex.registerOnEveryConnection(&config)
        let queue = try DatabaseQueue(configuration: config)
        let index = SearchIndex()
        try queue.write { db in
            try index.create(db)
            // A body written as bytes: a lone continuation byte, a truncated 3-byte sequence
            // inside a CJK run, an overlong lead byte.
            // The index's own copy is stored as is (tag byte 0), so snippets read the same bytes.
            let bytes: [UInt8] = Array("电容".utf8) + [0x80, 0xE7, 0x94] + Array("风扇 fan".utf8) + [0xC0, 0xAF]
            try db.execute(
                sql: "INSERT INTO search_keys (rowid, id, title, body) VALUES (1, 'bad', 'x', ?)", arguments: [Data([0] + bytes)])
            try db.execute(
                sql: "INSERT INTO search (rowid, title, body) VALUES (1, 'x', CAST(? AS TEXT))", arguments: [Data(bytes)])
        }
        let found = try queue.read { db in try index.search(SearchQuery("风扇"), db) }
        #expect(found.map(\.id) == ["bad"])
        #expect(try queue.read { db in try index.search(SearchQuery("fan"), db).map(\.id) } == ["bad"])
    }

    // MARK: - Finding

    @Test func englishWordsAndPhrases() throws {
        let (queue, index) = try makeIndex()
        #expect(Set(try ids("capacitor", queue, index)) == ["en-fan", "en-comp"])
        #expect(try ids("CONDENSER fan", queue, index) == ["en-fan"])
        #expect(try ids("\"fan motor\"", queue, index) == ["en-fan"])
        #expect(try ids("\"motor fan\"", queue, index) == [])
        #expect(try ids("start capacitor contactor", queue, index) == ["en-comp"])
        #expect(try ids("capacitors", queue, index) == [])  // no stemming: unicode61's words
    }

    @Test func chineseTermsOfOneTwoThreeAndFourCharacters() throws {
        let (queue, index) = try makeIndex()
        #expect(Set(try ids("电", queue, index)) == ["zh-cap", "zh-comp", "zh-split"])
        #expect(Set(try ids("电容", queue, index)) == ["zh-cap", "zh-comp"])
        #expect(Set(try ids("压缩机", queue, index)) == ["zh-comp"])
        #expect(try ids("冷凝风扇", queue, index) == ["zh-cap"])
        #expect(try ids("风扇 电容", queue, index) == ["zh-cap"])
        // A word inside a longer run, at its start, middle and end.
        #expect(try ids("万用表", queue, index) == ["zh-cap"])
        #expect(try ids("标称", queue, index) == ["zh-cap"])
        #expect(try ids("嗡嗡", queue, index) == ["zh-comp"])
        #expect(Set(try ids("容量", queue, index)) == ["zh-cap", "mixed"])
    }

    @Test func mixedEnglishAndChinese() throws {
        let (queue, index) = try makeIndex()
        #expect(try ids("capacitor 电容", queue, index) == [])  // no guide has both
        #expect(try ids("compressor 压缩机", queue, index) == [])
        #expect(try ids("recovery 冷媒", queue, index) == ["mixed"])
        #expect(try ids("R410A冷媒", queue, index) == ["mixed"])
        #expect(try ids("r410a 钢瓶", queue, index) == ["mixed"])
        #expect(try ids("\"machine已连接\"", queue, index) == ["mixed"])
        #expect(try ids("weigh cylinder 重量", queue, index) == ["mixed"])
    }

    @Test func termsThatMustNotMatch() throws {
        let (queue, index) = try makeIndex()
        // Reversed: 容电 is nowhere, though both characters are in several guides.
        #expect(try ids("容电", queue, index) == [])
        // zh-split has 电 then 容 across a comma, and 电。容 across a full stop: not the word 电容.
        #expect(try ids("电容", queue, index).contains("zh-split") == false)
        // Neither is 缩机压 (the characters of 压缩机, in another order) nor 风扇电 in zh-comp.
        #expect(try ids("缩机压", queue, index) == [])
        #expect(try ids("机无法", queue, index) == ["zh-comp"])  // but across words inside one run: yes
        #expect(try ids("fanmotor", queue, index) == [])
    }

    @Test func diacriticsAndCaseAreFolded() throws {
        let (queue, index) = try makeIndex()
        #expect(try ids("detendeur", queue, index) == ["fr-diacritics"])
        #expect(try ids("DÉTENDEUR évaporateur", queue, index) == ["fr-diacritics"])
        #expect(try ids("cafe creme", queue, index) == ["fr-diacritics"])
        #expect(try ids("verifier", queue, index) == ["fr-diacritics"])
    }

    @Test func titleMatchesRankAboveBodyMatches() throws {
        let (queue, index) = try makeIndex([
            SearchDocument(id: "body", title: "Unit maintenance", body: "Clean the coil, then check the compressor and the compressor oil."),
            SearchDocument(id: "title", title: "Compressor oil", body: "Check the level through the sight glass."),
        ])
        #expect(try ids("compressor", queue, index) == ["title", "body"])
        let found = try hits("compressor", queue, index)
        #expect(found[0].rank < found[1].rank)
    }

    /// Every match is ranked: an old guide whose title matches comes first however many
    /// newer guides mention the word in their body.
    @Test func anOldTitleMatchOutranksManyNewerBodyMatches() throws {
        var documents = [SearchDocument(id: "old", title: "Compressor", body: "Replace the compressor relay.")]
        for i in 0..<1_500 {
            documents.append(SearchDocument(id: "new-\(i)", title: "Unit \(i)", body: "Check the unit, then the compressor."))
        }
        let (queue, index) = try makeIndex(documents)
        let found = try queue.read { db in try index.search(SearchQuery("compressor"), limit: 5, db) }
        #expect(found.first?.id == "old")
        #expect(found.count == 5)
    }

    /// A search within some documents finds only those, ranked as the whole index ranks
    /// them; an id that is not there, or an empty list, finds nothing more.
    @Test func searchWithinSomeDocuments() throws {
        var documents = [SearchDocument(id: "old", title: "Compressor", body: "Replace the compressor relay.")]
        for i in 0..<300 {
            documents.append(SearchDocument(id: "new-\(i)", title: "Unit \(i)", body: "Check the unit, then the compressor."))
        }
        let (queue, index) = try makeIndex(documents)
        let query = try SearchQuery("compressor")
        let (all, some, none, missing) = try queue.read { db in
            (
                try index.search(query, limit: 1000, db),
                try index.search(query, limit: 10, within: ["new-299", "new-7", "old", "no-such-id", "x'); DROP TABLE t; --"], db),
                try index.search(query, within: [], db),
                try index.search(query, within: ["no-such-id"], db)
            )
        }
        #expect(some.map(\.id) == ["old", "new-7", "new-299"])
        let rank = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0.rank) })
        #expect(some.allSatisfy { rank[$0.id] == $0.rank })
        #expect(none.isEmpty && missing.isEmpty)
    }

    // MARK: - Marks

    @Test func snippetsAndTitlesMarkTheWholeMatch() throws {
        let (queue, index) = try makeIndex()
        let cap = try #require(try hits("电容", queue, index).first { $0.id == "zh-cap" })
        #expect(cap.title == "更换冷凝风扇[电容]")
        #expect(cap.snippet.contains("[电容]容量") || cap.snippet.contains("[电容]"))
        #expect(cap.snippet.contains("[电]") == false)

        let comp = try #require(try hits("压缩机", queue, index).first)
        #expect(comp.title == "[压缩机]无法启动")
        #expect(comp.snippet.hasPrefix("[压缩机]嗡嗡响"))

        let one = try #require(try hits("电", queue, index).first { $0.id == "zh-split" })
        #expect(one.title == "供[电]说明")
        #expect(one.snippet.contains("三相[电]，容许[电]压"))

        let mixed = try #require(try hits("R410A冷媒 recovery", queue, index).first)
        #expect(mixed.title == "[R410A冷媒] [recovery]")
        #expect(mixed.snippet.contains("回收[R410A冷媒]前"))

        let english = try #require(try hits("capacitor", queue, index).first { $0.id == "en-fan" })
        #expect(english.snippet.contains("Check the [capacitor] before"))
        let accented = try #require(try hits("detendeur", queue, index).first)
        #expect(accented.title == "Surchauffe du [détendeur]")
    }

    @Test func adjacentMatchesAreMarkedOnceEach() throws {
        // Matches at neighbouring positions: each character's range ends where the next
        // begins, so FTS5's highlight never copies text twice.
        let (queue, index) = try makeIndex([SearchDocument(id: "a", title: "电电电", body: "电容电容 电 容")])
        let hit = try #require(try hits("电", queue, index).first)
        #expect(hit.title == "[电][电][电]")
        #expect(hit.snippet == "[电]容[电]容 [电] 容")
        let pair = try #require(try hits("电 容", queue, index).first)
        #expect(pair.snippet == "[电][容][电][容] [电] [容]")
    }

    // MARK: - Changing documents

    @Test func removingAndReplacingDocuments() throws {
        let (queue, index) = try makeIndex()
        let removed = try queue.write { db in [try index.remove(id: "zh-cap", db), try index.remove(id: "zh-cap", db)] }
        #expect(removed == [true, false])
        #expect(try ids("冷凝风扇", queue, index) == [])
        #expect(Set(try ids("电容", queue, index)) == ["zh-comp"])

        let replaced = SearchDocument(id: "en-comp", title: "Compressor trips on overload", body: "Check the overload relay and the 风扇.")
        let written = try queue.write { db in [try index.put(replaced, db), try index.put(replaced, db)] }
        #expect(written == [true, false])  // the second put is unchanged: nothing written
        #expect(try ids("contactor", queue, index) == [])
        #expect(try ids("overload 风扇", queue, index) == ["en-comp"])
        #expect(try queue.read { db in try index.count(db) } == SearchIndexTests.guides.count - 1)
        #expect(try queue.read { db in try index.ids(db) }.contains("zh-cap") == false)
    }

    @Test func readersOfAPoolFindWhatTheWriterIndexed() throws {
        let dir = NSTemporaryDirectory() + "fieldsync-search-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var config = Configuration()
        SearchIndex.registerOnEveryConnection(&config)
        config.maximumReaderCount = 3
        let pool = try DatabasePool(path: dir + "/search.sqlite", configuration: config)
        let index = SearchIndex()
        try pool.write { db in
            try index.create(db)
            for document in Self.guides { try index.put(document, db) }
        }
        // Several readers at once, each a connection of its own.
        DispatchQueue.concurrentPerform(iterations: 6) { _ in
            do {
                let found = try pool.read { db in try index.search(SearchQuery("电容"), db).map(\.id) }
                #expect(Set(found) == ["zh-cap", "zh-comp"])
            } catch {
                Issue.record(error)
            }
        }
    }

    @Test func aConnectionWithoutTheTokenizerGetsAClearError() throws {
        let dir = NSTemporaryDirectory() + "fieldsync-search-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/search.sqlite"
        var config = Configuration()
        SearchIndex.registerOnEveryConnection(&config)
        let index = SearchIndex()
        try DatabaseQueue(path: path, configuration: config).write { db in
            try index.create(db)
            try index.put(Self.guides[0], db)
        }
        let bare = try DatabaseQueue(path: path)
        #expect(throws: SearchError.self) { try bare.read { db in try index.search(SearchQuery("fan"), db) } }
        do {
            _ = try bare.read { db in try index.search(SearchQuery("fan"), db) }
        } catch let error as SearchError {
            #expect(error.code == .tokenizerMissing)
        }
        #expect(throws: SearchError.self) { try DatabaseQueue().write { db in try index.create(db) } }
    }

    // MARK: - Hostile input

    @Test func userTextIsNeverFTS5Syntax() throws {
        #expect(try SearchQuery("fan AND motor").terms == ["fan", "AND", "motor"])
        #expect(try SearchQuery("  \"condenser  fan\" 电容 ").terms == ["condenser  fan", "电容"])
        #expect(try SearchQuery("\"unclosed phrase").terms == ["unclosed phrase"])
        #expect(try SearchQuery("a\u{0}b").terms == ["a", "b"])
        #expect(try SearchQuery("( ) * ^ - : + \"\" ，。").isEmpty)
        #expect(try SearchQuery("").isEmpty)
        #expect(try SearchQuery("title:fan").pattern == "\"title:fan\"")
        #expect(throws: SearchError(.queryTooLong, "the search text is too long: at most 500 characters")) {
            try SearchQuery(String(repeating: "a", count: 10_000))
        }
        #expect(throws: SearchError.self) { try SearchQuery(Array(repeating: "fan", count: 17).joined(separator: " ")) }
    }

    @Test(arguments: [
        "\"", "\"\"", "\"\"\"", "'", "(", ")", "((fan", "fan)", "fan OR", "OR", "AND", "NOT fan", "NEAR(fan motor, 2)",
        "fan*", "*", "^fan", "-fan", "+fan", "title:fan", "{title body}: fan", "fan:", ":", "\\", "%", "_",
        "fan\"motor", "\"fan\" \"", "电容\"", "（电容）", "电容*", "\u{0}", "fan\u{0}", "电\u{0}容", "\u{FEFF}", "🔥", "e\u{301}",
        String(repeating: "a", count: 500), String(repeating: "电", count: 500), String(repeating: "\"a\" ", count: 100),
        String(repeating: "a", count: 10_000), String(repeating: "电", count: 10_000), String(repeating: "(", count: 10_000),
    ])
    func hostileQueriesGiveAnErrorOrResultsNeverACrash(_ text: String) throws {
        let (queue, index) = try makeIndex()
        do {
            let query = try SearchQuery(text)
            let found = try queue.read { db in try index.search(query, db) }
            #expect(found.count <= SearchIndexTests.guides.count)
        } catch let error as SearchError {
            #expect(error.code == .queryTooLong || error.code == .tooManyTerms)
        }
    }

    @Test func syntaxWordsAreSearchedAsWords() throws {
        let (queue, index) = try makeIndex([
            SearchDocument(id: "and", title: "Fan and motor", body: "near the coil; not the valve"),
            SearchDocument(id: "other", title: "Valve", body: "motor"),
        ])
        #expect(try ids("and", queue, index) == ["and"])
        #expect(try ids("NOT", queue, index) == ["and"])
        #expect(try ids("NEAR coil", queue, index) == ["and"])
        #expect(try ids("fan OR valve", queue, index) == [])  // three words, all required: "or" is nowhere
        #expect(try ids("motor -fan", queue, index) == ["and"])  // "-" is a separator, not NOT
    }
}
