import FieldModel
import FieldTestSupport
import Foundation
import Testing

/// Ranges and HEAD over HTTPS, where the node streams from the file instead of sendfile:
/// the same bytes and headers as over plain HTTP. Asked with curl (which speaks TLS).
@Suite(.serialized, .enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/curl"), "needs curl"))
struct TLSBlobRangeTests {
    struct Answer {
        let status: Int
        let headers: [String: String]
        let body: [UInt8]
    }

    func curl(_ field: Field, _ path: String, token: String, _ extra: [String]) throws -> Answer {
        let ca = try #require(field.ca)
        let dir = try TempFolder("curl")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/curl")
        p.arguments = ["-s", "--cacert", ca.certificate, "-H", "Authorization: Bearer \(token)", "-D", dir.path + "/head", "-o", dir.path + "/body"]
            + extra + [field.node.url + path]
        try p.run()
        p.waitUntilExit()
        let head = try String(contentsOfFile: dir.path + "/head", encoding: .utf8).components(separatedBy: "\r\n")
        var headers: [String: String] = [:]
        for line in head.dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        let body = (try? Data(contentsOf: URL(fileURLWithPath: dir.path + "/body"))).map { [UInt8]($0) } ?? []
        return Answer(status: Int(head[0].split(separator: " ")[1]) ?? 0, headers: headers, body: body)
    }

    @Test("HTTPS: ranges give exactly their bytes, HEAD its headers with no body, hostile ranges 400/416")
    func rangesOverTLS() async throws {
        try await onOwnThread {
            let field = try Field(tls: true)
            let t = try field.dispatch("E17")
            let tablet = try field.engineer("E17")
            try tablet.ok("sync")
            let size = 300_000
            let digest = try BlobTests.randomFile(field.folder.path + "/p.jpg", bytes: size, seed: 12)
            let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: field.folder.path + "/p.jpg")))
            try tablet.ok("photo", t, field.folder.path + "/p.jpg")
            try tablet.ok("sync")
            let token = try String(contentsOfFile: tablet.home + "/token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            let path = "/v1/blobs/\(digest.hex)"

            let whole = try curl(field, path, token: token, [])
            #expect(whole.status == 200 && whole.body == bytes)
            for (range, slice) in [("10-19", 10..<20), ("299990-", 299_990..<size), ("-7", (size - 7)..<size), ("0-999999", 0..<size)] {
                let part = try curl(field, path, token: token, ["-r", range])
                #expect(part.status == 206, "\(range)")
                #expect(part.body == Array(bytes[slice]), "\(range)")
                #expect(part.headers["content-range"] == "bytes \(slice.lowerBound)-\(slice.upperBound - 1)/\(size)", "\(range)")
            }
            let head = try curl(field, path, token: token, ["-I"])
            // curl -I writes the head where the body would go: nothing else came.
            #expect(head.status == 200 && head.body.count < 1_000 && String(decoding: head.body, as: UTF8.self).hasPrefix("HTTP/"))
            #expect(head.headers["content-length"] == String(size))
            #expect(head.headers["accept-ranges"] == "bytes")
            #expect(try curl(field, path, token: token, ["-H", "Range: bytes=-1-"]).status == 400)
            #expect(try curl(field, path, token: token, ["-H", "Range: bytes=-9223372036854775808-"]).status == 400)
            #expect(try curl(field, path, token: token, ["-r", "\(size)-"]).status == 416)
            #expect(try curl(field, path, token: token, ["-r", "0-"]).status == 206)
            }
    }
}
