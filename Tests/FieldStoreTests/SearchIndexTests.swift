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

            #expect(try tokenizer.tokenize(query: "压缩机").map(\.token) == ["压缩", "缩机", "机"])
            #expect(try tokenizer.tokenize(query: "电容").map(\.token) == ["电容", "容"])
            #expect(try tokenizer.tokenize(query: "电").map(\.token) == ["电"])
            #expect(try tokenizer.tokenize(query: "冷媒r410a").map(\.token) == ["冷媒", "媒", "r410a"])
            #expect(try tokenizer.tokenize(query: "ÜBERHITZUNG Straße").map(\.token) == ["uberhitzung", "straße"])
            // Kana and hangul are split the same way.
            #expect(try tokenizer.tokenize(query: "ファン").map(\.token) == ["ファ", "ァン", "ン"])
            #expect(try tokenizer.tokenize(query: "압축기").map(\.token) == ["압축", "축기", "기"])
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
            let bytes: [UInt8] = Array("电容".utf8) + [0x80, 0xE7, 0x94] + Array("风扇 fan".utf8) + [0xC0, 0xAF]
            try db.execute(sql: "INSERT INTO search_keys (rowid, id) VALUES (1, 'bad')")
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

    @Test func rankAtMostRanksOnlyTheNewestMatches() throws {
        let (queue, index) = try makeIndex([
            SearchDocument(id: "old", title: "Compressor", body: "compressor compressor"),
            SearchDocument(id: "mid", title: "Unit", body: "the compressor"),
            SearchDocument(id: "new", title: "Unit", body: "a compressor"),
            SearchDocument(id: "other", title: "Fan", body: "fan"),
        ])
        let all = try queue.read { db in try index.search(SearchQuery("compressor"), db).map(\.id) }
        #expect(all.first == "old" && Set(all) == ["old", "mid", "new"])
        let newest = try queue.read { db in try index.search(SearchQuery("compressor"), rankAtMost: 2, db).map(\.id) }
        #expect(Set(newest) == ["mid", "new"])
        let enough = try queue.read { db in try index.search(SearchQuery("compressor"), rankAtMost: 3, db).map(\.id) }
        #expect(enough == all)
        let more = try queue.read { db in try index.search(SearchQuery("compressor"), rankAtMost: 50, db).map(\.id) }
        #expect(more == all)
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

    // MARK: - Measurement (prints; run with FIELDSYNC_SEARCH_BENCH=1)

    @Test(.enabled(if: ProcessInfo.processInfo.environment["FIELDSYNC_SEARCH_BENCH"] != nil, "set FIELDSYNC_SEARCH_BENCH=1"))
    func measureTenThousandGuides() throws {
        let count = Int(ProcessInfo.processInfo.environment["FIELDSYNC_SEARCH_BENCH_DOCS"] ?? "") ?? 10_000
        let corpus = SearchCorpus(seed: 7)
        let documents = (0..<count).map(corpus.document)
        let textBytes = documents.reduce(0) { $0 + $1.title.utf8.count + $1.body.utf8.count }

        let dir = NSTemporaryDirectory() + "fieldsync-search-bench-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var config = Configuration()
        SearchIndex.registerOnEveryConnection(&config)
        let pageSize = Int(ProcessInfo.processInfo.environment["FIELDSYNC_SEARCH_BENCH_PAGE_SIZE"] ?? "") ?? 4096
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA page_size = \(pageSize); PRAGMA journal_mode = WAL") }
        let queue = try DatabaseQueue(path: dir + "/search.sqlite", configuration: config)
        let index = SearchIndex()

        let loadStart = DispatchTime.now()
        try queue.write { db in
            try index.create(db)
            for document in documents { try index.put(document, db) }
        }
        let loadSeconds = seconds(since: loadStart)
        let before = try queue.read { db in try index.storage(db) }
        let optimizeStart = DispatchTime.now()
        try queue.write { db in try index.optimize(db) }
        let optimizeSeconds = seconds(since: optimizeStart)
        let after = try queue.read { db in try index.storage(db) }
        try queue.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
        let fileBytes = (try FileManager.default.attributesOfItem(atPath: dir + "/search.sqlite")[.size] as? NSNumber)?.intValue ?? 0

        func ratio(_ bytes: Int) -> String { String(format: "%.2f×", Double(bytes) / Double(textBytes)) }
        func mb(_ bytes: Int) -> String { String(format: "%.1f MB", Double(bytes) / 1_000_000) }
        print("search bench: \(count) documents, text \(mb(textBytes)) (title + body, UTF-8), page size \(pageSize)")
        print(String(format: "  load: %.1f s (%.0f docs/s), optimize %.1f s", loadSeconds, Double(count) / loadSeconds, optimizeSeconds))
        for (name, s) in [("after load", before), ("after optimize", after)] {
            print(
                "  \(name): inverted index \(mb(s.index)) = \(ratio(s.index)); + lengths, keys \(ratio(s.index + s.lengths + s.keys)); "
                    + "FTS5's copy of the text \(mb(s.content)) = \(ratio(s.content)); all \(mb(s.total)) = \(ratio(s.total))")
        }
        try queue.writeWithoutTransaction { db in try db.execute(sql: "VACUUM; PRAGMA wal_checkpoint(TRUNCATE)") }
        let vacuumed = (try FileManager.default.attributesOfItem(atPath: dir + "/search.sqlite")[.size] as? NSNumber)?.intValue ?? 0
        print("  database file \(mb(fileBytes)) = \(ratio(fileBytes)); after VACUUM \(mb(vacuumed)) = \(ratio(vacuumed))")

        let runs = Int(ProcessInfo.processInfo.environment["FIELDSYNC_SEARCH_BENCH_RUNS"] ?? "") ?? 30
        for rankAtMost in [nil, 2000] as [Int?] {
            print("  ranking \(rankAtMost.map { "at most the \($0) newest matches" } ?? "every match") (limit 20, with title and snippet):")
            var all: [Double] = []
            try queue.read { db in
                let total = try index.count(db)
                for text in SearchCorpus.queries {
                    let query = try SearchQuery(text)
                    let matching = try Int.fetchOne(db, sql: "SELECT count(*) FROM search WHERE search MATCH ?", arguments: [query.pattern]) ?? 0
                    _ = try index.search(query, limit: 20, rankAtMost: rankAtMost, db)  // warm
                    var times: [Double] = []
                    for _ in 0..<runs {
                        let start = DispatchTime.now()
                        _ = try index.search(query, limit: 20, rankAtMost: rankAtMost, db)
                        times.append(seconds(since: start) * 1000)
                    }
                    all += times
                    times.sort()
                    print(
                        String(
                            format: "    %@ %5d matches (%4.1f%%)  p50 %6.2f ms  p99 %6.2f ms", pad(text, 30), matching,
                            100 * Double(matching) / Double(total), percentile(times, 0.5), percentile(times, 0.99)))
                }
            }
            all.sort()
            print(
                String(
                    format: "    all %d searches: p50 %.2f ms, p99 %.2f ms, max %.2f ms", all.count,
                    percentile(all, 0.5), percentile(all, 0.99), all.last ?? 0))
        }
    }
}

private func seconds(since start: DispatchTime) -> Double {
    Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
}

private func percentile(_ sorted: [Double], _ p: Double) -> Double {
    sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
}

/// `text` padded to `width` columns (a CJK character takes two).
private func pad(_ text: String, _ width: Int) -> String {
    let columns = text.unicodeScalars.reduce(0) { $0 + (CJKWidth.isWide($1) ? 2 : 1) }
    return text + String(repeating: " ", count: max(0, width - columns))
}

private enum CJKWidth {
    static func isWide(_ s: Unicode.Scalar) -> Bool { s.value >= 0x2E80 }
}

/// Deterministic repair guides, ~2 KB each: half English, 30% Chinese, 20% both, words drawn
/// with Zipf-like frequencies (s = 1) from a vocabulary whose head is a chiller maker's
/// words (压缩机 and compressor are in most guides of their language), and one sentence in
/// twenty a fixed procedure line, so phrases recur.
struct SearchCorpus {
    static let englishHead = [
        "the", "and", "check", "of", "to", "a", "unit", "is", "compressor", "for", "fan", "in", "pressure", "valve", "with",
        "oil", "replace", "temperature", "condenser", "motor", "sensor", "power", "on", "capacitor", "refrigerant", "filter",
        "coil", "alarm", "fault", "reset", "voltage", "current", "board", "cable", "pump", "water", "flow", "leak", "switch",
        "relay", "evaporator", "contactor", "terminal", "setpoint", "display", "controller", "bearing", "belt", "panel",
        "screw", "gauge", "suction", "discharge", "superheat", "subcooling", "expansion", "defrost", "heater", "drain",
        "thermostat", "fuse", "breaker", "phase", "wiring", "insulation", "vibration", "noise", "cleaning", "inspection",
    ]
    static let chineseHead = [
        "的", "检查", "压缩机", "更换", "是", "机组", "在", "风扇", "冷凝器", "温度", "压力", "电容", "阀门", "故障", "报警",
        "传感器", "电机", "制冷剂", "过滤器", "蒸发器", "油位", "电压", "电流", "主板", "电缆", "水泵", "水流", "泄漏", "开关",
        "继电器", "接触器", "端子", "设定值", "显示屏", "控制器", "轴承", "皮带", "面板", "螺丝", "压力表", "吸气", "排气",
        "过热度", "过冷度", "膨胀阀", "除霜", "加热器", "排水", "温控器", "保险丝", "断路器", "相序", "接线", "绝缘", "振动",
        "噪音", "清洁", "巡检", "冷凝风扇", "启动", "停机", "运行", "测量", "安装", "拆下", "确认", "调整", "记录",
    ]
    static let fixedEnglish = [
        "Replace the condenser fan capacitor.", "Check the suction pressure before opening the valve.",
        "Reset the alarm on the controller display.",
    ]
    static let fixedChinese = ["更换冷凝风扇电容。", "打开阀门前检查吸气压力。", "在控制器显示屏上复位报警。", "检查R410A冷媒压力。"]

    static let queries = [
        "compressor", "the", "capacitor", "superheat", "velotak", "condenser fan", "\"condenser fan capacitor\"",
        "电", "机", "电容", "风扇", "压缩机", "冷凝风扇", "过热度", "传感器 报警", "调整记录",
        "compressor 压缩机", "capacitor 电容", "R410A冷媒", "fan 风扇 alarm", "容电",
    ]

    let english: [String]
    let chinese: [String]
    let englishWeights: [Double]
    let chineseWeights: [Double]
    let seed: UInt64

    init(seed: UInt64, vocabulary: Int = 4000) {
        self.seed = seed
        var random = SeededRandom(seed: seed)
        let syllables = ["ka", "lo", "ven", "tor", "mi", "sel", "dra", "pun", "ex", "qua", "bri", "zon", "tak", "ve", "ri", "ol"]
        var english = Self.englishHead
        var seen = Set(english)
        while english.count < vocabulary {
            let word = (0..<Int.random(in: 2...3, using: &random)).map { _ in syllables.randomElement(using: &random)! }.joined()
            if seen.insert(word).inserted { english.append(word) }
        }
        // "velotak" is a rare word on purpose: a query that finds a few guides.
        if let i = english.firstIndex(of: "velotak") { english.swapAt(i, 1500) } else { english[1500] = "velotak" }
        let characters = Array(
            "一二三四五六七八九十上下左右前后内外大小高低多少新旧长短快慢开关进出水气油电热冷风火光声力量重轻"
                + "机器件板线管泵阀门表盘箱柜架座盖罩轮轴带链齿孔槽口端头尾面底顶侧边角点位段区层级型号码标志"
                + "检查测试量验修换装拆调整清洗保养维护运行启动停止加减压缩膨胀流通断接地绝缘漏损坏磨耗老化")
        var chinese = Self.chineseHead
        var seenChinese = Set(chinese)
        while chinese.count < vocabulary {
            let word = String((0..<Int.random(in: 2...3, using: &random)).map { _ in characters.randomElement(using: &random)! })
            if seenChinese.insert(word).inserted { chinese.append(word) }
        }
        self.english = english
        self.chinese = chinese
        func cumulative(_ n: Int) -> [Double] {
            var total = 0.0
            return (1...n).map { rank in
                total += 1 / Double(rank)
                return total
            }
        }
        englishWeights = cumulative(english.count)
        chineseWeights = cumulative(chinese.count)
    }

    private func zipf(_ words: [String], _ weights: [Double], _ random: inout SeededRandom) -> String {
        let x = Double.random(in: 0..<weights[weights.count - 1], using: &random)
        var low = 0
        var high = weights.count - 1
        while low < high {
            let mid = (low + high) / 2
            if weights[mid] <= x { low = mid + 1 } else { high = mid }
        }
        return words[low]
    }

    private func englishSentence(_ random: inout SeededRandom) -> String {
        if Int.random(in: 0..<20, using: &random) == 0 { return Self.fixedEnglish.randomElement(using: &random)! }
        let words = (0..<Int.random(in: 8...16, using: &random)).map { _ in zipf(english, englishWeights, &random) }
        return words.joined(separator: " ").prefix(1).uppercased() + words.joined(separator: " ").dropFirst() + "."
    }

    private func chineseSentence(_ random: inout SeededRandom) -> String {
        if Int.random(in: 0..<20, using: &random) == 0 { return Self.fixedChinese.randomElement(using: &random)! }
        var sentence = ""
        for k in 0..<Int.random(in: 8...16, using: &random) {
            if k > 0 && Int.random(in: 0..<6, using: &random) == 0 { sentence += "，" }
            sentence += zipf(chinese, chineseWeights, &random)
        }
        return sentence + "。"
    }

    func document(_ n: Int) -> SearchDocument {
        var random = SeededRandom(seed: seed &* 1_000_003 &+ UInt64(n))
        let kind = n % 10  // 0–4 English, 5–7 Chinese, 8–9 both
        var body = ""
        var k = 0
        while body.utf8.count < 2000 {
            let useChinese = kind >= 5 && (kind <= 7 || k % 2 == 1)
            body += useChinese ? chineseSentence(&random) : (body.isEmpty ? "" : " ") + englishSentence(&random)
            k += 1
        }
        let titleWords = (0..<Int.random(in: 3...6, using: &random)).map { _ in
            kind >= 5 && kind <= 7 ? zipf(chinese, chineseWeights, &random) : zipf(english, englishWeights, &random)
        }
        let title = kind >= 5 && kind <= 7 ? titleWords.joined() : titleWords.joined(separator: " ")
        return SearchDocument(id: "kb-\(n)", title: title, body: body)
    }
}
