import FieldWire
import Foundation

/// The form in which ``SearchIndex`` keeps a body for marking hits (`<table>_keys.body`):
/// zstd-compressed when that is smaller, so the copy costs less than the text.
///
/// The FTS5 table is contentless, so this copy is the only one the index has: it gives the
/// snippets their text, and removing or replacing a document hands FTS5 exactly the text
/// that was indexed (a contentless table forgets a row only when told its old tokens).
///
/// Layout: one tag byte, then the bytes. `0`: UTF-8 as is; `1`: one zstd frame of the UTF-8
/// that declares its size.
enum SearchStoredText {
    /// zstd's level for bodies: 2 KB guides compress a few percent better than at the
    /// default 3 and still take tens of microseconds.
    static let level: Int32 = 9
    /// The largest body decoded: far beyond any article, and a bound on what a damaged
    /// frame can make us allocate.
    static let maxSize = 64 << 20

    static func encode(_ text: String) -> Data {
        let utf8 = Array(text.utf8)
        if utf8.count >= 64 {
            let compressed = Zstd.compress(utf8, level: level)
            if compressed.count + 1 < utf8.count { return Data([1] + compressed) }
        }
        return Data([0] + utf8)
    }

    static func decode(_ data: Data) throws(SearchError) -> String {
        let stored = [UInt8](data)
        switch stored.first {
        case 0:
            return String(decoding: stored.dropFirst(), as: UTF8.self)
        case 1:
            do {
                return String(decoding: try Zstd.decompress(stored.dropFirst(), maxSize: maxSize), as: UTF8.self)
            } catch {
                throw SearchError(.storedTextUnreadable, "a search document's stored text is damaged (\(error)): rebuild the index")
            }
        default:
            throw SearchError(.storedTextUnreadable, "a search document's stored text has an unknown form: rebuild the index")
        }
    }
}
