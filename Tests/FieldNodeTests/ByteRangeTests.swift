import Foundation
import Hummingbird
import Testing

@testable import FieldNode

/// `Range` headers and query numbers from a hostile client: parsed into a range within
/// the blob, or refused (400/416); never a trap, never a range past the end.
@Suite struct ByteRangeTests {
    func parse(_ header: String?, _ size: UInt64) -> Result<ByteRange, HTTPError> {
        Result { () throws(HTTPError) -> ByteRange in try ByteRange.parse(header, size: size).range }
    }

    @Test("the served forms give exactly the asked bytes")
    func served() throws {
        #expect(try parse(nil, 100).get() == ByteRange(start: 0, length: 100))
        #expect(try parse("bytes=0-", 100).get() == ByteRange(start: 0, length: 100))
        #expect(try parse("bytes=10-19", 100).get() == ByteRange(start: 10, length: 10))
        #expect(try parse("bytes=10-10", 100).get() == ByteRange(start: 10, length: 1))
        #expect(try parse("bytes=90-1000", 100).get() == ByteRange(start: 90, length: 10))
        #expect(try parse("bytes=-10", 100).get() == ByteRange(start: 90, length: 10))
        #expect(try parse("bytes=-1000", 100).get() == ByteRange(start: 0, length: 100))
        #expect(try parse("bytes=0-18446744073709551615", UInt64(Int64.max)).get() == ByteRange(start: 0, length: UInt64(Int64.max)))
        #expect(try parse(nil, 0).get() == ByteRange(start: 0, length: 0))
    }

    @Test("malformed headers are 400; ranges past the end or empty suffixes are 416 with the size")
    func refused() {
        for header in [
            "bytes=-9223372036854775808-", "bytes=-1-", "bytes=+1-", "bytes= 1-", "bytes=1 -", "bytes=1", "bytes=1-2,4-5", "Bytes=1-",
            "bytes=0x1-", "bytes=1e3-", "bytes=18446744073709551616-", "bytes=5-4", "bytes=-", "bytes=", "", "bytes=１-",
            "bytes=000000000000000000000001-",
        ] {
            guard case .failure(let e) = parse(header, 100) else {
                Issue.record("\(header) was served")
                continue
            }
            #expect(e.status == .badRequest, "\(header)")
        }
        for (header, size) in [("bytes=101-", UInt64(100)), ("bytes=100-", 100), ("bytes=100-200", 100), ("bytes=0-", 0), ("bytes=-0", 100), ("bytes=18446744073709551615-", 100), ("bytes=-5", 0), ("bytes=1-", 0)] {
            guard case .failure(let e) = parse(header, size) else {
                Issue.record("\(header) was served")
                continue
            }
            #expect(e.status == .rangeNotSatisfiable, "\(header)")
            #expect(e.headers[.contentRange] == "bytes */\(size)")
        }
    }

    @Test("random headers over random sizes: refused, or a range inside the blob")
    func randomHeaders() {
        var rng = SystemRandomNumberGenerator()
        let numbers = ["0", "1", "9223372036854775807", "9223372036854775808", "18446744073709551615", "18446744073709551616", "-1", "", "00"]
        for _ in 0..<20_000 {
            let size = [UInt64(0), 1, 100, UInt64(Int64.max), UInt64.random(in: 0...1_000_000, using: &rng)].randomElement(using: &rng)!
            let a = numbers.randomElement(using: &rng)!
            let b = numbers.randomElement(using: &rng)!
            let header = ["bytes=\(a)-\(b)", "bytes=\(a)-", "bytes=-\(b)", "bytes=\(a)\(b)-"].randomElement(using: &rng)!
            if case .success(let r) = parse(header, size) {
                #expect(r.start < size && r.length >= 1 && r.length <= size - r.start, "\(header) over \(size)")
            }
        }
    }

    @Test("numbers are ASCII digits only, at most 64 bits")
    func numbers() {
        #expect(ByteRange.number("0") == 0)
        #expect(ByteRange.number("18446744073709551615") == .max)
        for text in ["", "-0", "+0", "18446744073709551616", " 1", "1 ", "0x1", "１", "1_000", "99999999999999999999999"] {
            #expect(ByteRange.number(text[...]) == nil, "\(text)")
        }
    }

    @Test("405 is told from 404 by the routes' shapes")
    func routeShapes() {
        var shapes = RouteShapes()
        shapes.add(.get, "/v1/blobs/:sha")
        shapes.add(.head, "/v1/blobs/:sha")
        shapes.add(.post, "/v1/blobs/status")
        #expect(shapes.methods(for: "/v1/blobs/abc") == [.get, .head])
        #expect(shapes.methods(for: "/v1/blobs/status") == [.get, .head, .post])
        #expect(shapes.methods(for: "/v1/blobs/abc/def").isEmpty)
        #expect(shapes.methods(for: "/v1").isEmpty)
        #expect(shapes.methods(for: "/").isEmpty)
    }
}
