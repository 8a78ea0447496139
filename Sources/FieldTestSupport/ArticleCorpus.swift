/// Deterministic knowledge-base articles for search tests and `Tools/bench kb`: a chiller
/// maker's repair guides, ~2 KB each, so figures are comparable run to run and machine to
/// machine.
///
/// Half the guides are English, 30% Chinese, 20% both. Words are drawn with Zipf-like
/// frequencies (s = 1) from a 4,000-word vocabulary per language whose head is the trade's
/// own words, so `compressor` and `压缩机` are in most guides of their language, as they
/// would be at a chiller maker; one sentence in twenty is a fixed procedure line, so
/// phrases recur. `velotak` is placed at rank 1,500: a word that finds only a few guides.
package struct ArticleCorpus: Sendable {
    /// One generated guide.
    package struct Article: Sendable, Equatable {
        package let id: String
        package let title: String
        package let body: String
    }

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

    package let seed: UInt64
    let english: [String]
    let chinese: [String]
    let englishWeights: [Double]
    let chineseWeights: [Double]

    package init(seed: UInt64 = 7, vocabulary: Int = 4000) {
        self.seed = seed
        var random = SeededRandom(seed: seed)
        let syllables = ["ka", "lo", "ven", "tor", "mi", "sel", "dra", "pun", "ex", "qua", "bri", "zon", "tak", "ve", "ri", "ol"]
        var english = Self.englishHead
        var seen = Set(english)
        while english.count < vocabulary {
            let word = (0..<Int.random(in: 2...3, using: &random)).map { _ in syllables.randomElement(using: &random)! }.joined()
            if seen.insert(word).inserted { english.append(word) }
        }
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

    /// Guide number `n` (`kb-<n>`): the same for the same seed, whatever else was generated.
    package func article(_ n: Int) -> Article {
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
        return Article(id: "kb-\(n)", title: title, body: body)
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
        let sentence = words.joined(separator: " ")
        return sentence.prefix(1).uppercased() + sentence.dropFirst() + "."
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
}

extension ArticleCorpus {
    /// A search a benchmark times, and what kind of search it is.
    package struct Query: Sendable {
        package enum Kind: String, Sendable, CaseIterable {
            case chinese1 = "Chinese, 1 character"
            case chinese2 = "Chinese, 2 characters"
            case chinese3 = "Chinese, 3+ characters"
            case englishWord = "English word"
            case englishPhrase = "English phrase"
            case mixed = "mixed"
        }

        package let text: String
        package let kind: Kind
        /// A term in so many guides (≥ 25% here) that its ranking is the expensive case.
        package let common: Bool
    }

    /// The fixed query set of `Tools/bench kb`: every class of query an engineer types,
    /// the trade's common words (each in ≥ 25% of the guides), rare ones and misses.
    package static let queries: [Query] = [
        Query(text: "电", kind: .chinese1, common: true),
        Query(text: "机", kind: .chinese1, common: true),
        Query(text: "的", kind: .chinese1, common: true),
        Query(text: "阀", kind: .chinese1, common: false),
        Query(text: "轴", kind: .chinese1, common: false),
        Query(text: "检查", kind: .chinese2, common: true),
        Query(text: "电容", kind: .chinese2, common: false),
        Query(text: "风扇", kind: .chinese2, common: false),
        Query(text: "吸气", kind: .chinese2, common: false),
        Query(text: "容电", kind: .chinese2, common: false),
        Query(text: "压缩机", kind: .chinese3, common: true),
        Query(text: "冷凝器", kind: .chinese3, common: false),
        Query(text: "过热度", kind: .chinese3, common: false),
        Query(text: "冷凝风扇", kind: .chinese3, common: false),
        Query(text: "调整记录", kind: .chinese3, common: false),
        Query(text: "compressor", kind: .englishWord, common: true),
        Query(text: "the", kind: .englishWord, common: true),
        Query(text: "check", kind: .englishWord, common: true),
        Query(text: "capacitor", kind: .englishWord, common: false),
        Query(text: "superheat", kind: .englishWord, common: false),
        Query(text: "velotak", kind: .englishWord, common: false),
        Query(text: "condenser fan", kind: .englishPhrase, common: false),
        Query(text: "\"condenser fan capacitor\"", kind: .englishPhrase, common: false),
        Query(text: "\"check the\"", kind: .englishPhrase, common: true),
        Query(text: "\"suction pressure\"", kind: .englishPhrase, common: false),
        Query(text: "compressor 压缩机", kind: .mixed, common: true),
        Query(text: "capacitor 电容", kind: .mixed, common: false),
        Query(text: "R410A冷媒", kind: .mixed, common: false),
        Query(text: "fan 风扇 alarm", kind: .mixed, common: false),
        Query(text: "alarm 报警", kind: .mixed, common: false),
        Query(text: "check 检查", kind: .mixed, common: true),
    ]
}
