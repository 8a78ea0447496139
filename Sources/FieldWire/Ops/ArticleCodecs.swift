import FieldModel

/// article-published (kind 8, SPEC §4.10): version, title, body, the three lists,
/// language, the everyone flag, then the images' SHA-256.
enum ArticlePublishedCodec: EntityOpCodec {
    static func encode<S: PayloadSink>(_ a: ArticlePublished, to s: inout S) {
        s.uint(a.version)
        s.text(a.title)
        s.text(a.body)
        for list in [a.deviceModels, a.faultCodes, a.keywords] {
            s.uint(UInt64(list.count))
            for entry in list { s.text(entry) }
        }
        s.name(a.language)
        s.byte(a.everyone ? 1 : 0)
        s.uint(UInt64(a.images.count))
        for image in a.images { s.hash(image) }
    }

    static func decode<S: PayloadSource>(from s: inout S) throws(WireError) -> ArticlePublished {
        let version = try s.uint()
        let title = try s.text()
        let body = try s.text()
        var lists: [[String]] = []
        for what in ["device model", "fault code", "keyword"] {
            let n = try s.count(max: ArticlePublished.maxListEntries, "\(what) count")
            var list: [String] = []
            for _ in 0..<n { list.append(try s.text()) }
            lists.append(list)
        }
        let language = try s.name(max: 64)
        let everyone: Bool
        switch try s.byte() {
        case 0: everyone = false
        case 1: everyone = true
        case let b: throw WireError(.malformed, "article everyone flag \(b) (00 or 01)")
        }
        let n = try s.count(max: ArticlePublished.maxListEntries, "image count")
        var images: [Digest] = []
        for _ in 0..<n { images.append(try s.hash()) }
        return ArticlePublished(
            version: version, title: title, body: body, deviceModels: lists[0], faultCodes: lists[1], keywords: lists[2],
            language: language, everyone: everyone, images: images)
    }
}

/// article-retired (kind 9, SPEC §4.10): no fields.
enum ArticleRetiredCodec: EntityOpCodec {
    static func encode<S: PayloadSink>(_ a: ArticleRetired, to s: inout S) {}
    static func decode<S: PayloadSource>(from s: inout S) throws(WireError) -> ArticleRetired { ArticleRetired() }
}
