/// An exact decimal quantity with three fraction digits (1.5 m of cable is 1500
/// thousandths), so ledger sums never drift the way binary floating point would.
public struct Quantity: Hashable, Comparable, Sendable, CustomStringConvertible {
    public let thousandths: Int64

    public init(thousandths: Int64) { self.thousandths = thousandths }
    public init(_ whole: Int64) { self.thousandths = whole * 1000 }

    /// Parses `2`, `1.5`, `-0.25`; nil for anything else or more than three decimals.
    public init?(parsing text: String) {
        var s = Substring(text)
        var negative = false
        if s.first == "-" {
            negative = true
            s = s.dropFirst()
        }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let wholeText = parts.first, !wholeText.isEmpty,
            wholeText.allSatisfy(\.isASCII), let whole = Int64(wholeText), whole < 1_000_000_000_000
        else { return nil }
        var fraction: Int64 = 0
        if parts.count == 2 {
            let f = parts[1]
            guard !f.isEmpty, f.count <= 3, f.allSatisfy({ $0.isASCII && $0.isNumber }), let v = Int64(f) else {
                return nil
            }
            fraction = v * [1, 100, 10, 1][f.count]
        }
        let value = whole * 1000 + fraction
        self.thousandths = negative ? -value : value
    }

    public static func < (lhs: Quantity, rhs: Quantity) -> Bool { lhs.thousandths < rhs.thousandths }

    public var description: String {
        let sign = thousandths < 0 ? "-" : ""
        let magnitude = thousandths.magnitude
        let whole = magnitude / 1000
        var fraction = magnitude % 1000
        guard fraction != 0 else { return "\(sign)\(whole)" }
        var digits = 3
        while fraction % 10 == 0 {
            fraction /= 10
            digits -= 1
        }
        let text = String(fraction)
        return "\(sign)\(whole)." + String(repeating: "0", count: digits - text.count) + text
    }
}
