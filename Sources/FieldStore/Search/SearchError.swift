/// Why a search could not run. `description` is one line a field engineer can act on; it
/// never repeats the search text.
public struct SearchError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The search text is longer than ``SearchQuery/maxLength``.
        case queryTooLong = "query-too-long"
        /// The search text has more than ``SearchQuery/maxTerms`` words or phrases.
        case tooManyTerms = "too-many-terms"
        /// The connection has no ``MixedScriptTokenizer``: the store did not register it
        /// (``SearchIndex/register(_:)``). A programming error, not the user's.
        case tokenizerMissing = "tokenizer-missing"
        /// SQLite refused the query. ``SearchQuery`` quotes every term, so this is a bug.
        case invalidQuery = "invalid-query"
        /// The text the index keeps for a document could not be read back (a damaged
        /// database): the index must be rebuilt from the articles.
        case storedTextUnreadable = "stored-text-unreadable"
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
