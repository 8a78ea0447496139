import FieldTestSupport
import FieldWire
import Foundation
import Testing

/// Every file in Protocol/vectors: valid frames decode to their JSON and re-encode to
/// the same bytes; invalid frames fail with the error code their header names.
@Suite struct VectorTests {
    static let writing = ProcessInfo.processInfo.environment["FIELDSYNC_WRITE_VECTORS"] == "1"

    @Test func catalogMatchesTheFiles() throws {
        let root = VectorFiles.root.appendingPathComponent("valid")
        if Self.writing { try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true) }
        for v in VectorCatalog.all {
            let bytes = Frame.encode(v.messages, compress: v.compress)
            if Self.writing {
                let comments = ["\(v.name): \(v.about)", "decode-only: \(v.compress ? "yes" : "no")", "see ../README.md and ../../SPEC.md"]
                try VectorFiles.hexText(bytes, comments: comments).write(to: root.appendingPathComponent("\(v.name).hex"), atomically: true, encoding: .utf8)
                try WireJSON.render(v.messages).write(to: root.appendingPathComponent("\(v.name).json"), atomically: true, encoding: .utf8)
            }
            #expect(VectorFiles.names(in: "valid").contains(v.name), "vector \(v.name) is not in Protocol/vectors/valid")
        }
        #expect(VectorFiles.names(in: "valid").count == VectorCatalog.all.count)
    }

    @Test(arguments: VectorFiles.names(in: "valid"))
    func validVectorDecodesAndReencodes(_ name: String) throws {
        let text = try VectorFiles.text("valid", "\(name).hex")
        let bytes = try #require(VectorFiles.bytes(fromHex: text), "\(name).hex is not hex")
        let messages = try Frame.decode(bytes)
        #expect(WireJSON.render(messages) == (try VectorFiles.text("valid", "\(name).json")), "\(name): decoded value differs from \(name).json")
        if VectorFiles.header(text, "decode-only") != "yes" {
            #expect(Frame.encode(messages, compress: false) == bytes, "\(name): re-encoding gives other bytes")
        }
    }

    @Test(arguments: VectorFiles.names(in: "invalid"))
    func invalidVectorFailsWithItsCode(_ name: String) throws {
        let text = try VectorFiles.text("invalid", "\(name).hex")
        let expected = try #require(VectorFiles.header(text, "error"), "\(name).hex has no '# error: CODE' line")
        let bytes = try #require(VectorFiles.bytes(fromHex: text), "\(name).hex is not hex")
        do {
            let decoded = try Frame.decode(bytes)
            Issue.record("\(name) decoded to \(decoded) but should fail with \(expected)")
        } catch {
            #expect(error.code.rawValue == expected, "\(name): \(error)")
        }
    }

    /// The invalid vectors too big to write by hand are written compressed from the
    /// catalog; compressed bytes may differ between zstd versions, so their payload is
    /// what is compared.
    @Test("the generated invalid vectors are the catalog's")
    func generatedInvalidVectorsMatchTheCatalog() throws {
        let root = VectorFiles.root.appendingPathComponent("invalid")
        for v in VectorCatalog.invalid {
            if Self.writing {
                let comments = ["\(v.name): \(v.about)", "error: \(v.error)",
                                "generated: from VectorCatalog.invalid, zstd-compressed (the payload is what counts); see ../README.md and ../../SPEC.md"]
                try VectorFiles.hexText(Frame.encode(v.messages, compress: true), comments: comments)
                    .write(to: root.appendingPathComponent("\(v.name).hex"), atomically: true, encoding: .utf8)
            }
            let text = try VectorFiles.text("invalid", "\(v.name).hex")
            #expect(VectorFiles.header(text, "error") == v.error, "\(v.name)")
            let bytes = try #require(VectorFiles.bytes(fromHex: text), "\(v.name).hex is not hex")
            #expect(Array(bytes.prefix(6)) == Frame.magic + [Frame.version, 0x01], "\(v.name): not a compressed frame")
            #expect(try Zstd.decompress(bytes[6...], maxSize: WireLimits.maxPayloadBytes) == Frame.encodePayload(v.messages), "\(v.name)")
        }
    }

    @Test("every wire error code has an invalid vector")
    func everyErrorCodeIsCovered() throws {
        var seen = Set<String>()
        for name in VectorFiles.names(in: "invalid") {
            if let code = VectorFiles.header(try VectorFiles.text("invalid", "\(name).hex"), "error") { seen.insert(code) }
        }
        #expect(seen == Set(WireError.Code.allCases.map(\.rawValue)))
    }
}
