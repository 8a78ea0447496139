import Foundation

/// What a person typed into a search box, made safe to hand to FTS5's `MATCH`.
///
/// The text is never FTS5 query syntax: every word is a quoted string, so `AND`, `NEAR`,
/// `*`, `^`, `-`, `:` and parentheses are plain text (and, being punctuation, mostly
/// separators). The rules:
///
/// - Words separated by spaces must all be found, in any order: `compressor 压缩机`.
/// - Text in double quotes is a phrase: `"condenser fan"`. An unclosed quote runs to the end.
/// - A word of CJK characters is found as written, wherever it appears (`电容` in
///   `更换电容器`): ``MixedScriptTokenizer`` turns it into a phrase of its bigrams.
/// - Control characters (NUL included) separate words; a word with no letter or digit is
///   dropped, and a text left with no word finds nothing (``isEmpty``).
/// - At most ``maxLength`` characters and ``maxTerms`` words or phrases, or
///   ``SearchError`` says which limit was passed.
///
/// ```swift
/// let query = try SearchQuery("R410A \"冷凝风扇\"")
/// query.terms    // ["R410A", "冷凝风扇"]
/// query.pattern  // "R410A" "冷凝风扇"  (FTS5 syntax: two quoted strings, both required)
/// ```
public struct SearchQuery: Sendable, Equatable, CustomStringConvertible {
    /// The longest search text, in Unicode scalars.
    public static let maxLength = 500
    /// The most words and phrases in one search.
    public static let maxTerms = 16

    /// The words and phrases, as typed (without their quotes).
    public let terms: [String]

    /// The `MATCH` expression: each term quoted, all of them required.
    public var pattern: String {
        terms.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: " ")
    }

    /// True when nothing is left to search for: a search finds nothing, without asking SQLite.
    public var isEmpty: Bool { terms.isEmpty }

    public var description: String { pattern }

    public init(_ text: String) throws(SearchError) {
        var length = 0
        for _ in text.unicodeScalars {
            length += 1
            if length > Self.maxLength {
                throw SearchError(.queryTooLong, "the search text is too long: at most \(Self.maxLength) characters")
            }
        }
        var terms: [String] = []
        var current = String.UnicodeScalarView()
        var inPhrase = false
        func finish() {
            let term = String(current).trimmingCharacters(in: .whitespaces)
            if term.unicodeScalars.contains(where: Self.isTokenCharacter) { terms.append(term) }
            current = String.UnicodeScalarView()
        }
        for scalar in text.unicodeScalars {
            if scalar == "\"" {
                finish()
                inPhrase.toggle()
            } else if scalar.properties.isWhitespace || scalar.properties.generalCategory == .control {
                if inPhrase { current.append(" ") } else { finish() }
            } else {
                current.append(scalar)
            }
        }
        finish()
        if terms.count > Self.maxTerms {
            throw SearchError(.tooManyTerms, "the search has too many words: at most \(Self.maxTerms) words or quoted phrases")
        }
        self.terms = terms
    }

    /// The characters `unicode61` keeps in tokens: letters, digits and private-use characters.
    static func isTokenCharacter(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .decimalNumber, .letterNumber, .otherNumber, .privateUse:
            return true
        default:
            return false
        }
    }
}
