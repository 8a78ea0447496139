import GRDB

/// Marks a query's matches in the title and the body of the few hits a search returns.
///
/// FTS5's own `highlight()` and `snippet()` need the text in the FTS5 table (ours keeps
/// none: ``SearchIndex`` is contentless) and re-run the tokenizer through SQLite for every
/// row. This does the same work in Swift on the text ``SearchIndex`` stores, with the
/// same rules, so what is marked is what FTS5 matched:
///
/// - The text is tokenized as FTS5's auxiliary functions see it (``MixedScriptTokenizer``
///   in `aux` mode: a word, or one CJK character, per position).
/// - A term matches where its tokens follow one another position by position; two CJK
///   characters that touch in the term must touch in the text too, since the index found
///   them as one bigram (`电容` is not found in `电，容`).
/// - Every match is marked; marks that overlap are merged, neighbours are marked apart.
/// - The snippet is FTS5's: the window of `snippetTokens` tokens that holds the most
///   distinct terms (a sentence start preferred), centred on its matches, with the
///   ellipsis where text is left out; the body's start when no term is in the body.
///
/// Made once per search: it tokenizes the query's terms once for all the hits.
struct SearchMarker {
    private let terms: [Pattern]
    private let tokenizer: any FTS5Tokenizer
    private let marks: SearchMarks

    /// A term as tokens, and which neighbouring tokens must touch in the text.
    private struct Pattern {
        var tokens: [[UInt8]]
        /// `touch[i]`: tokens `i` and `i + 1` are CJK characters side by side.
        var touch: [Bool]
    }

    /// One match: a term found at `position`, `length` tokens long.
    private struct Match {
        var term: Int
        var position: Int
        var length: Int
    }

    init(_ query: SearchQuery, marks: SearchMarks, _ db: Database) throws {
        tokenizer = try db.makeTokenizer(MixedScriptTokenizer.tokenizerDescriptor())
        self.marks = marks
        var terms: [Pattern] = []
        for term in query.terms {
            let tokens = AuxTokens(term, tokenizer)
            guard !tokens.tokens.isEmpty else { continue }
            let touch = zip(tokens.tokens, tokens.tokens.dropFirst()).map { a, b in
                a.cjk && b.cjk && a.text.upperBound == b.text.lowerBound
            }
            terms.append(Pattern(tokens: tokens.tokens.map { Array(tokens.folded[$0.folded]) }, touch: touch))
        }
        self.terms = terms
    }

    /// `text` with every match between the marks.
    func highlight(_ text: String) -> String {
        let tokens = AuxTokens(text, tokenizer)
        let utf8 = Array(text.utf8)
        return render(utf8, tokens, matches(in: tokens), from: 0, to: utf8.count)
    }

    /// A few tokens of `text` around its best matches, marked.
    func snippet(_ text: String) -> String {
        let tokens = AuxTokens(text, tokenizer)
        let utf8 = Array(text.utf8)
        let found = matches(in: tokens)
        let size = min(max(marks.snippetTokens, 1), 64)
        let count = tokens.tokens.count
        guard count > size else { return render(utf8, tokens, found, from: 0, to: utf8.count) }

        let start = bestWindow(found, tokens: tokens, utf8: utf8, size: size)
        let end = min(start + size, count)
        let from = start == 0 ? 0 : tokens.tokens[start].text.lowerBound
        let to = end == count ? utf8.count : tokens.tokens[end - 1].text.upperBound
        let inside = found.filter { $0.position >= start && $0.position < end }  // already in order
        return (start > 0 ? marks.ellipsis : "") + render(utf8, tokens, inside, from: from, to: to)
            + (end < count ? marks.ellipsis : "")
    }

    // MARK: - Matching

    /// Every match, in position order.
    private func matches(in text: AuxTokens) -> [Match] {
        var found: [Match] = []
        let count = text.tokens.count
        text.folded.withUnsafeBufferPointer { folded in
            func equal(_ t: AuxTokens.Token, _ token: [UInt8]) -> Bool {
                guard t.folded.count == token.count else { return false }
                var i = t.folded.lowerBound
                for b in token {
                    if folded[i] != b { return false }
                    i += 1
                }
                return true
            }
            for position in 0..<count {
                for (k, term) in terms.enumerated() where position + term.tokens.count <= count {
                    var ok = true
                    for (i, token) in term.tokens.enumerated() {
                        let t = text.tokens[position + i]
                        if !equal(t, token)
                            || (i > 0 && term.touch[i - 1] && text.tokens[position + i - 1].text.upperBound != t.text.lowerBound)
                        {
                            ok = false
                            break
                        }
                    }
                    if ok { found.append(Match(term: k, position: position, length: term.tokens.count)) }
                }
            }
        }
        return found
    }

    // MARK: - Snippet window (FTS5's fts5SnippetFunction)

    /// The first token of the best window: for each match, the window centred on the matches
    /// it holds and the window from the start of its sentence; 1,000 for each distinct term
    /// in a window and 1 for a repeat, plus 100 for a sentence start (120 for the text's).
    private func bestWindow(_ found: [Match], tokens: AuxTokens, utf8: [UInt8], size: Int) -> Int {
        let count = tokens.tokens.count
        let sentences = sentenceStarts(tokens, utf8)
        var best = 0
        var bestScore = 0
        var lastEnd = -1
        var sentence = 0  // index in `sentences` of the last start at or before the match
        for (i, match) in found.enumerated() where match.position >= lastEnd {
            let (score, centred) = windowScore(found, first: i, from: match.position, size: size, count: count)
            if score > bestScore {
                bestScore = score
                best = centred
            }
            while sentence + 1 < sentences.count && sentences[sentence + 1] <= match.position { sentence += 1 }
            let start = sentences[sentence]
            if start < match.position {
                var j = i
                while j > 0 && found[j - 1].position >= start { j -= 1 }
                let (sentenceScore, _) = windowScore(found, first: j, from: start, size: size, count: count)
                let bonus = sentenceScore + (start == 0 ? 120 : 100)
                if bonus > bestScore {
                    bestScore = bonus
                    best = start
                }
            }
            lastEnd = match.position + match.length
        }
        return best
    }

    /// The score of the window of `size` tokens from `start`, and where it starts once
    /// centred on its matches; `found[first]` is the first match at or after `start`.
    private func windowScore(_ found: [Match], first: Int, from start: Int, size: Int, count: Int) -> (Int, Int) {
        var seen: UInt64 = 0  // terms seen, by bit (SearchQuery allows 16)
        var score = 0
        var firstPosition = -1
        var last = start
        var i = first
        while i < found.count && found[i].position < start + size {
            let match = found[i]
            let bit: UInt64 = 1 << UInt64(match.term & 63)
            score += seen & bit == 0 ? 1000 : 1
            seen |= bit
            if firstPosition < 0 { firstPosition = match.position }
            last = match.position + match.length
            i += 1
        }
        if firstPosition < 0 { firstPosition = start }
        var centred = firstPosition - (size - (last - firstPosition)) / 2
        if centred + size > count { centred = count - size }
        return (score, max(centred, 0))
    }

    /// Positions that begin a sentence: the first, and any after `.`, `:`, `!`, `?` (or their
    /// full-width forms and `。`) in the text between two tokens.
    private func sentenceStarts(_ tokens: AuxTokens, _ utf8: [UInt8]) -> [Int] {
        var starts = [0]
        for k in tokens.tokens.indices.dropFirst() {
            var i = tokens.tokens[k - 1].text.upperBound
            let end = tokens.tokens[k].text.lowerBound
            while i < end {
                let b = utf8[i]
                if b == 0x2E || b == 0x3A || b == 0x21 || b == 0x3F { break }  // . : ! ?
                if i + 2 < utf8.count && Self.isFullWidthStop(utf8[i], utf8[i + 1], utf8[i + 2]) { break }
                i += 1
            }
            if i < end { starts.append(k) }
        }
        return starts
    }

    /// `。` (E3 80 82), `！` (EF BC 81), `：` (EF BC 9A), `？` (EF BC 9F).
    private static func isFullWidthStop(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Bool {
        (a == 0xE3 && b == 0x80 && c == 0x82) || (a == 0xEF && b == 0xBC && (c == 0x81 || c == 0x9A || c == 0x9F))
    }

    // MARK: - Output

    /// `utf8[from..<to]` with `found` marked, overlapping matches merged into one mark.
    private func render(_ utf8: [UInt8], _ tokens: AuxTokens, _ found: [Match], from: Int, to: Int) -> String {
        var ranges: [Range<Int>] = []
        for match in found {  // in position order
            let lower = tokens.tokens[match.position].text.lowerBound
            let upper = min(tokens.tokens[match.position + match.length - 1].text.upperBound, to)
            guard lower >= from, lower < upper else { continue }
            if let last = ranges.last, lower < last.upperBound {
                ranges[ranges.count - 1] = last.lowerBound..<max(last.upperBound, upper)
            } else {
                ranges.append(lower..<upper)
            }
        }
        var out = [UInt8]()
        out.reserveCapacity(to - from + ranges.count * (marks.open.utf8.count + marks.close.utf8.count))
        var i = from
        for range in ranges {
            out += utf8[i..<range.lowerBound]
            out += marks.open.utf8
            out += utf8[range]
            out += marks.close.utf8
            i = range.upperBound
        }
        out += utf8[i..<to]
        return String(decoding: out, as: UTF8.self)
    }
}

/// A text's tokens as FTS5's auxiliary functions see them: one per position, folded, with
/// where each lies in the text.
struct AuxTokens {
    struct Token {
        /// The folded token's bytes in ``AuxTokens/folded``.
        var folded: Range<Int>
        /// Its bytes in the text.
        var text: Range<Int>
        /// One CJK character (the tokenizer's unit for CJK runs).
        var cjk: Bool
    }

    var folded: [UInt8] = []
    var tokens: [Token] = []

    /// Tokenizes `text`. A tokenizer error (none is known: ours and unicode61 only fail
    /// on memory) leaves the tokens found before it, so marks degrade, never the search.
    init(_ text: String, _ tokenizer: any FTS5Tokenizer) {
        var utf8 = Array(text.utf8)
        guard !utf8.isEmpty else { return }
        folded.reserveCapacity(utf8.count)
        tokens.reserveCapacity(utf8.count / 3)
        let count = CInt(utf8.count)
        withUnsafeMutablePointer(to: &self) { me in
            utf8.withUnsafeMutableBufferPointer { buffer in
                buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) { text in
                    _ = tokenizer.tokenize(context: me, tokenization: .aux, pText: text, nText: count) {
                        context, _, pToken, nToken, iStart, iEnd in
                        guard let context, let pToken, nToken > 0 else { return 0 }
                        let me = context.assumingMemoryBound(to: AuxTokens.self)
                        let bytes = UnsafeRawBufferPointer(start: pToken, count: Int(nToken))
                        let start = me.pointee.folded.count
                        me.pointee.folded.append(contentsOf: bytes)
                        let (scalar, length) = UTF8Scan.decode(
                            bytes.baseAddress!.assumingMemoryBound(to: UInt8.self), at: 0, count: bytes.count)
                        me.pointee.tokens.append(
                            Token(
                                folded: start..<start + bytes.count, text: Int(iStart)..<Int(max(iStart, iEnd)),
                                cjk: length == bytes.count && CJK.contains(scalar)))
                        return 0
                    }
                }
            }
        }
    }
}
