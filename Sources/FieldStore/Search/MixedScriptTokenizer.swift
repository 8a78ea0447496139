import GRDB

/// An FTS5 tokenizer for text that mixes Latin script with Chinese (and Japanese kana and
/// Korean hangul): `unicode61` for words, overlapping bigrams for runs of CJK characters.
///
/// SQLite's own tokenizers cannot find most Chinese words: `unicode61` keeps a whole CJK
/// run between two punctuation marks as one token, and `trigram` matches only terms of
/// three or more characters, while most Chinese words have two (电容, 风扇). This tokenizer
/// wraps `unicode61` (by default with `remove_diacritics 2`: lowercase, split on anything
/// not a letter or a digit, diacritics removed) and splits the CJK runs of its tokens:
///
/// | text `压缩机` | tokens, position by position |
/// | --- | --- |
/// | document | `压` + `压缩`, `缩` + `缩机`, `机` (a bigram shares the position of its first character) |
/// | query | `压缩`, `缩机` (a phrase of its bigrams) |
/// | query `电` | `电` |
/// | query `冷媒r410a` | `冷媒`, `媒`, `r410a` (the last character holds the place before a word) |
/// | aux (snippet, highlight) | `压`, `缩`, `机`, each with its own character's offsets |
///
/// So a one-character query matches the character anywhere, a two-character word is one
/// token (its bigram), and a longer word matches as the phrase of its bigrams. `容电` does
/// not match `电容`, nor does `电容` match `电，容` (the comma splits the run, so no bigram
/// spans it). A run's last character is sent only when more of the phrase follows it, to
/// keep the positions aligned (`冷媒r410a`): at the end it adds nothing (the last bigram
/// already says the character is there) and would cost a second, long position list
/// (`电容` alone reads one list, `电容` + `容` read two and intersect them). Every aux
/// position's offsets cover one character, so marked ranges never overlap.
///
/// Register it on every connection that reads or writes a table that uses it, before the
/// table is touched, with ``SearchIndex/register(_:)`` (GRDB's `db.add(tokenizer:)`); a
/// connection without it fails with `no such tokenizer: mixedscript`, even for a `DROP`.
/// Arguments after the name describe the wrapped tokenizer:
/// `tokenize = 'mixedscript unicode61 remove_diacritics 2'` (the default when none is given).
///
/// Not thread-safe on its own: SQLite creates one instance per table per connection and calls
/// it only from that connection, which GRDB serialises.
public final class MixedScriptTokenizer: FTS5CustomTokenizer {
    /// The name in `tokenize = '…'`.
    public static let name = "mixedscript"

    /// The wrapped tokenizer's arguments when the table names none.
    public static let defaultWrapped = ["unicode61", "remove_diacritics", "2"]

    private let wrapped: any FTS5Tokenizer

    public init(db: Database, arguments: [String]) throws {
        wrapped = try db.makeTokenizer(FTS5TokenizerDescriptor(components: arguments.isEmpty ? Self.defaultWrapped : arguments))
    }

    public func tokenize(
        context: UnsafeMutableRawPointer?,
        tokenization: FTS5Tokenization,
        pText: UnsafePointer<CChar>?,
        nText: CInt,
        tokenCallback: @escaping FTS5TokenCallback
    ) -> CInt {
        var splitter = CJKSplitter(
            context: context, mode: .init(tokenization), emit: tokenCallback,
            text: UnsafeRawPointer(pText)?.assumingMemoryBound(to: UInt8.self), textCount: Int(max(nText, 0)))
        return withUnsafeMutablePointer(to: &splitter) { pointer in
            wrapped.tokenize(context: pointer, tokenization: tokenization, pText: pText, nText: nText) {
                splitterPointer, flags, pToken, nToken, iStart, iEnd in
                // A C function pointer: no captures; the splitter travels in the context.
                guard let splitterPointer else { return ResultCode.SQLITE_ERROR.rawValue }
                return splitterPointer.assumingMemoryBound(to: CJKSplitter.self).pointee
                    .accept(flags: flags, token: pToken, count: nToken, start: iStart, end: iEnd)
            }
        }
    }
}

/// Splits the CJK runs of the wrapped tokenizer's tokens, for one `xTokenize` call.
struct CJKSplitter {
    enum Mode {
        case document, query, aux

        init(_ tokenization: FTS5Tokenization) {
            if tokenization.contains(.document) {
                self = .document
            } else if tokenization.contains(.aux) {
                self = .aux
            } else {
                self = .query
            }
        }
    }

    /// A CJK character: its bytes in the folded token, and in the original text.
    struct Char {
        var start: Int32
        var end: Int32
        var textStart: Int32
        var textEnd: Int32
    }

    let context: UnsafeMutableRawPointer?
    let mode: Mode
    let emit: FTS5TokenCallback
    let text: UnsafePointer<UInt8>?
    let textCount: Int
    private var chars: [Char] = []
    /// Query mode: the last character of the latest CJK run, sent only if a token follows
    /// (its bytes copied: the wrapped tokenizer reuses its token buffer).
    private var pending: (bytes: [CChar], start: CInt, end: CInt)?

    init(context: UnsafeMutableRawPointer?, mode: Mode, emit: @escaping FTS5TokenCallback, text: UnsafePointer<UInt8>?, textCount: Int) {
        self.context = context
        self.mode = mode
        self.emit = emit
        self.text = text
        self.textCount = textCount
    }

    private static let ok = ResultCode.SQLITE_OK.rawValue
    private static let colocated = FTS5TokenFlags.colocated.rawValue

    /// Takes one token of the wrapped tokenizer: the folded bytes `token`, from
    /// `start..<end` in the original text.
    mutating func accept(flags: CInt, token: UnsafePointer<CChar>?, count: CInt, start: CInt, end: CInt) -> CInt {
        let rc = flushPending()
        if rc != Self.ok { return rc }
        guard let token, count > 0 else { return emit(context, flags, token, count, start, end) }
        let bytes = UnsafeRawPointer(token).assumingMemoryBound(to: UInt8.self)
        let n = Int(count)
        // Every CJK character takes three or four bytes, with a lead byte of 0xE1 or more.
        var i = 0
        while i < n && bytes[i] < 0xE1 { i += 1 }
        if i == n { return emit(context, flags, token, count, start, end) }

        chars.removeAll(keepingCapacity: true)
        i = 0
        while i < n {
            let (scalar, length) = UTF8Scan.decode(bytes, at: i, count: n)
            if CJK.contains(scalar) { chars.append(Char(start: Int32(i), end: Int32(i + length), textStart: 0, textEnd: 0)) }
            i += length
        }
        if chars.isEmpty { return emit(context, flags, token, count, start, end) }
        locateInText(start: Int(start), end: Int(end))

        var flags = flags  // the wrapped tokenizer's flags go with the first token
        var j = 0  // the next CJK character
        var i32: Int32 = 0  // the next folded byte
        while Int(i32) < n {
            if j < chars.count && chars[j].start == i32 {
                // A run of CJK characters, contiguous in the folded token.
                var last = j
                while last + 1 < chars.count && chars[last + 1].start == chars[last].end { last += 1 }
                let rc = emitRun(j...last, bytes: token, flags: &flags)
                if rc != Self.ok { return rc }
                i32 = chars[last].end
                j = last + 1
            } else {
                // Other letters and digits, up to the next CJK character.
                let segmentEnd = j < chars.count ? chars[j].start : Int32(n)
                let textStart = j > 0 ? chars[j - 1].textEnd : start
                let textEnd = j < chars.count ? chars[j].textStart : end
                var rc = flushPending()
                if rc == Self.ok { rc = emit(context, flags, token + Int(i32), segmentEnd - i32, textStart, textEnd) }
                if rc != Self.ok { return rc }
                flags = 0
                i32 = segmentEnd
            }
        }
        return Self.ok
    }

    /// Sends the held last character of a query's CJK run: a token follows it.
    private mutating func flushPending() -> CInt {
        guard let held = pending else { return Self.ok }
        pending = nil
        return held.bytes.withUnsafeBufferPointer { emit(context, 0, $0.baseAddress, CInt($0.count), held.start, held.end) }
    }

    private mutating func emitRun(_ run: ClosedRange<Int>, bytes: UnsafePointer<CChar>, flags: inout CInt) -> CInt {
        func unigram(_ k: Int, _ flags: CInt) -> CInt {
            let c = chars[k]
            return emit(context, flags, bytes + Int(c.start), c.end - c.start, c.textStart, c.textEnd)
        }
        func bigram(_ k: Int, _ flags: CInt) -> CInt {
            let c = chars[k]
            let d = chars[k + 1]
            return emit(context, flags, bytes + Int(c.start), d.end - c.start, c.textStart, d.textEnd)
        }
        var rc = Self.ok
        switch mode {
        case .document:
            for k in run {
                rc = unigram(k, flags)
                flags = 0
                if rc == Self.ok && k < run.upperBound { rc = bigram(k, Self.colocated) }
                if rc != Self.ok { return rc }
            }
        case .query:
            if run.count == 1 {
                rc = unigram(run.upperBound, flags)
                flags = 0
                return rc
            }
            for k in run.dropLast() {
                rc = bigram(k, flags)
                flags = 0
                if rc != Self.ok { return rc }
            }
            let last = chars[run.upperBound]
            pending = (
                Array(UnsafeBufferPointer(start: bytes + Int(last.start), count: Int(last.end - last.start))),
                last.textStart, last.textEnd
            )
        case .aux:
            for k in run {
                rc = unigram(k, flags)
                flags = 0
                if rc != Self.ok { return rc }
            }
        }
        return rc
    }

    /// Fills the characters' offsets in the original text: folding changes letters (`É` is
    /// two bytes, `e` one) but never CJK characters, so the k-th CJK character of the token
    /// is the k-th in its text. Should the counts differ (text that is not valid UTF-8),
    /// the first character takes the whole token and the others an empty range after it:
    /// offsets stay in order, which is all that snippets need.
    private mutating func locateInText(start: Int, end: Int) {
        var found = 0
        if let text, start >= 0, end <= textCount, start < end {
            var i = start
            while i < end {
                let (scalar, length) = UTF8Scan.decode(text, at: i, count: end)
                if CJK.contains(scalar) {
                    if found < chars.count {
                        chars[found].textStart = Int32(i)
                        chars[found].textEnd = Int32(i + length)
                    }
                    found += 1
                }
                i += length
            }
        }
        if found != chars.count {
            for k in chars.indices {
                chars[k].textStart = Int32(k == 0 ? start : end)
                chars[k].textEnd = Int32(end)
            }
        }
    }
}

/// The characters split into bigrams: Han ideographs, kana, hangul and bopomofo.
enum CJK {
    static func contains(_ scalar: UInt32) -> Bool {
        switch scalar {
        case 0x1100...0x11FF,  // Hangul Jamo
            0x3005...0x3007,  // 々 〆 〇
            0x3021...0x3029,  // Hangzhou numerals
            0x3031...0x3035,  // kana repeat marks
            0x303B...0x303C,
            0x3040...0x30FF,  // Hiragana, Katakana
            0x3100...0x312F,  // Bopomofo
            0x3130...0x318F,  // Hangul Compatibility Jamo
            0x31A0...0x31BF,  // Bopomofo Extended
            0x31F0...0x31FF,  // Katakana Phonetic Extensions
            0x3400...0x4DBF,  // CJK Extension A
            0x4E00...0x9FFF,  // CJK Unified Ideographs
            0xA960...0xA97F,  // Hangul Jamo Extended-A
            0xAC00...0xD7FF,  // Hangul Syllables, Jamo Extended-B
            0xF900...0xFAFF,  // CJK Compatibility Ideographs
            0xFF66...0xFFDC,  // halfwidth katakana and hangul
            0x1B000...0x1B16F,  // Kana Supplement, Extended-A
            0x20000...0x3FFFF:  // CJK Extensions B and later
            return true
        default:
            return false
        }
    }
}

/// Bounds-checked UTF-8 reading: SQLite may hand a tokenizer bytes that are not valid UTF-8.
enum UTF8Scan {
    /// The scalar at `i` and its length in bytes; a malformed byte reads as U+FFFD, one byte long.
    @inline(__always)
    static func decode(_ p: UnsafePointer<UInt8>, at i: Int, count: Int) -> (UInt32, Int) {
        let b0 = UInt32(p[i])
        if b0 < 0x80 { return (b0, 1) }
        let length: Int
        var scalar: UInt32
        switch b0 {
        case 0xC2...0xDF: (length, scalar) = (2, b0 & 0x1F)
        case 0xE0...0xEF: (length, scalar) = (3, b0 & 0x0F)
        case 0xF0...0xF4: (length, scalar) = (4, b0 & 0x07)
        default: return (0xFFFD, 1)
        }
        guard i + length <= count else { return (0xFFFD, 1) }
        for k in 1..<length {
            let b = UInt32(p[i + k])
            guard b & 0xC0 == 0x80 else { return (0xFFFD, 1) }
            scalar = scalar << 6 | (b & 0x3F)
        }
        return (scalar, length)
    }
}
