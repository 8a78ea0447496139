import FieldModel
import FieldTestSupport
import Foundation
import Testing

/// A real node started with extra `serve` options (short timeouts, small caps), with an
/// engineer whose photo is attached and uploaded: what the HTTP surface tests start from.
/// (`Field` starts its node with no options.)
final class LimitedNode {
    let folder: TempFolder
    let node: NodeProcess
    let ticket: String
    let e17: Engineer
    let token: String
    /// The photo E17 attached and uploaded, and its bytes.
    let photo: Digest
    let photoBytes: [UInt8]
    var port: Int { RawHTTP.port(of: node.url) }

    init(_ options: [String] = [], photoSize: Int = 100_000, uploadPhoto: Bool = true) throws {
        folder = try TempFolder("fieldsync-http")
        node = try NodeProcess(data: folder.path + "/node", extraArgs: options)
        let created = try node.admin(
            "ticket", "create", "--customer", "Acme", "--site", "Plant 3", "--device-model", "Chiller X2", "--category", "repair",
            "--fault", "Trips", "--assign", "E17")
        ticket = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        e17 = try Self.engineer("E17", in: folder, node: node)
        token = try String(contentsOfFile: e17.home + "/token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        try e17.ok("sync")
        photo = try BlobTests.randomFile(folder.path + "/photo.jpg", bytes: photoSize, seed: 77)
        photoBytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: folder.path + "/photo.jpg")))
        try e17.ok("photo", ticket, folder.path + "/photo.jpg")
        if !uploadPhoto { try FileManager.default.removeItem(atPath: e17.home + "/blobs/\(photo.hex.prefix(2))/\(photo.hex)") }
        try e17.ok("sync")
    }

    /// A new engineer with a replica logged in to `node`.
    static func engineer(_ name: String, in folder: TempFolder, node: NodeProcess, role: String = "engineer") throws -> Engineer {
        let e = Engineer(name: name, home: folder.path + "/\(name)")
        try e.ok("init", "--engineer", name)
        let token = try node.admin("token", "create", "--role", role, "--name", name).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        try e.ok("login", "--node", node.url, "--token", token)
        return e
    }

    /// A token for `name` with no replica.
    func token(_ name: String, role: String = "engineer") throws -> String {
        try node.admin("token", "create", "--role", role, "--name", name).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// A ticket assigned to `engineer`.
    func dispatch(_ engineer: String) throws -> String {
        try node.admin(
            "ticket", "create", "--customer", "Beta", "--site", "Depot", "--device-model", "Chiller X2", "--category", "repair",
            "--fault", "Noise", "--assign", engineer
        ).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func connect() throws -> RawHTTP { try RawHTTP(port: port) }

    var partialPath: String { node.data + "/partial" }
}
