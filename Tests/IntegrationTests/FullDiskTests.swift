import FieldModel
import FieldTestSupport
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Testing

/// A small tmpfs a test fills to see what a full disk does (needs root: `mount`).
final class Tmpfs {
    let path: String
    private var mounted = false

    init(megabytes: Int) throws {
        path = NSTemporaryDirectory() + "fieldsync-tmpfs-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        let r = Self.run("/bin/mount", "-t", "tmpfs", "-o", "size=\(megabytes)m", "tmpfs", path)
        guard r == 0 else {
            try? FileManager.default.removeItem(atPath: path)
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSLocalizedDescriptionKey: "mount -t tmpfs refused (exit \(r))"])
        }
        mounted = true
    }

    /// Whether this process may mount a tmpfs (root, outside a locked-down container).
    static let available: Bool = {
        guard let probe = try? Tmpfs(megabytes: 1) else { return false }
        probe.unmount()
        return true
    }()

    var free: UInt64 {
        var info = statvfs()
        guard statvfs(path, &info) == 0 else { return 0 }
        return UInt64(info.f_bavail) * UInt64(info.f_frsize)
    }

    /// Takes all the free space but `leaving` bytes, in a file `fill` removes.
    func fill(leaving: UInt64 = 0) throws {
        let file = path + "/fill-\(UUID().uuidString)"
        let fd = open(file, O_WRONLY | O_CREAT, 0o644)
        defer { close(fd) }
        let size = free > leaving ? free - leaving : 0
        guard size == 0 || posix_fallocate(fd, 0, off_t(size)) == 0 else {
            throw CocoaError(.fileWriteOutOfSpace, userInfo: [NSLocalizedDescriptionKey: "cannot fill \(path)"])
        }
        if leaving == 0 {
            // The last partial block too, byte by byte, until nothing is left.
            var byte: UInt8 = 0
            while pwrite(fd, &byte, 1, off_t(lseek(fd, 0, SEEK_END))) == 1 {}
        }
    }

    /// Frees what `fill` took.
    func unfill() throws {
        for name in try FileManager.default.contentsOfDirectory(atPath: path) where name.hasPrefix("fill-") {
            try FileManager.default.removeItem(atPath: path + "/" + name)
        }
    }

    func unmount() {
        guard mounted else { return }
        mounted = false
        // Lazy: a process that still holds a file here (a node being stopped) does not keep it mounted.
        _ = Self.run("/bin/umount", "-l", path)
        try? FileManager.default.removeItem(atPath: path)
    }

    deinit { unmount() }

    @discardableResult
    static func run(_ tool: String, _ args: String...) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: tool)
        p.arguments = args
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return -1 }
        p.waitUntilExit()
        return p.terminationStatus
    }
}

/// H2 #5: a full disk, the node's or a device's, stops nothing it need not stop and says
/// so in words an engineer or operator can act on, naming no file of the node.
@Suite(.serialized, .enabled(if: Tmpfs.available, "needs `mount -t tmpfs` (root): not allowed here"))
struct FullDiskTests {
    static let photoRefused = "the node's storage is full: photos are refused until space is freed; your work is safe on this device"
    static let syncRefused = "the node's storage is full: syncs are refused until its operator frees space; your work is safe on this device"

    /// A node on a 64 MB tmpfs keeping a 16 MB reserve, and engineer E1's device (not on it).
    struct NodeOnSmallDisk {
        let folder: TempFolder
        let disk: Tmpfs
        let node: NodeProcess
        let ticket: String

        init() throws {
            folder = try TempFolder("fieldsync-disk")
            disk = try Tmpfs(megabytes: 64)
            node = try NodeProcess(data: disk.path + "/node", extraArgs: ["--disk-reserve-mb", "16"])
            let created = try node.admin(
                "ticket", "create", "--customer", "Acme Foods", "--site", "Plant 3", "--device-model", "Chiller X2",
                "--category", "repair", "--fault", "Compressor trips", "--assign", "E1")
            ticket = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func device(_ name: String) throws -> Engineer {
            let e = Engineer(name: "E1", home: folder.path + "/" + name)
            try e.ok("init", "--engineer", "E1")
            let token = try node.admin("token", "create", "--role", "engineer", "--name", "E1").stdout
            try e.ok("login", "--node", node.url, "--token", token.trimmingCharacters(in: .whitespacesAndNewlines))
            return e
        }

        func close() {
            node.stop()
            disk.unmount()
        }

        func blobPath(_ digest: Digest) -> String { "\(node.data)/blobs/\(digest.hex.prefix(2))/\(digest.hex)" }
    }

    @Test("photos past the node's reserve are 507 with the plain words; notes still push, devices still pull; freed, the photo goes up")
    func nodeReserveKeepsSyncsGoing() async throws {
        let site = try NodeOnSmallDisk()
        defer { site.close() }
        let phone = try site.device("phone")
        let tablet = try site.device("tablet")
        try phone.ok("sync")
        try tablet.ok("sync")

        // 20 MB free, 16 MB of it the reserve: a 10 MB photo would cut into it.
        try site.disk.fill(leaving: 20 << 20)
        let digest = try BlobTests.randomFile(site.folder.path + "/photo.jpg", bytes: 10 << 20, seed: 5)
        try phone.ok("photo", site.ticket, site.folder.path + "/photo.jpg")
        try phone.ok("note", site.ticket, "Condenser fan seized")
        let refused = try phone.run("sync")
        #expect(refused.status != 0)
        #expect(refused.stderr.contains(Self.photoRefused), "\(refused.stderr)")
        #expect(!refused.stderr.contains(site.disk.path), "names the node's files: \(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: site.blobPath(digest)))
        #expect(site.node.log.contains("upload refused: the node's storage is full"))
        // Not a byte of it was written: the same photo cannot fill the disk again.
        #expect(!FileManager.default.fileExists(atPath: site.node.data + "/partial/\(digest.hex)"))
        #expect(site.disk.free > 16 << 20)

        // The note got through, and a device that only pulls gets it.
        #expect(try site.node.admin("ticket", "show", site.ticket).stdout.contains("Condenser fan seized"))
        try tablet.ok("sync")
        #expect(try tablet.ok("show", site.ticket).stdout.contains("Condenser fan seized"))

        // The refusal itself: 507, one error frame with `quota` and the same words.
        let token = try String(contentsOfFile: phone.home + "/token", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        var put = URLRequest(url: URL(string: "\(site.node.url)/v1/blobs/\(digest.hex)?offset=0")!)
        put.httpMethod = "PUT"
        put.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization")
        put.httpBody = Data(repeating: 7, count: 1024)
        let (body, response) = try await URLSession.shared.data(for: put)
        #expect((response as? HTTPURLResponse)?.statusCode == 507)
        #expect(String(decoding: body, as: UTF8.self).contains(Self.photoRefused))

        // Space freed: the same photo goes up whole.
        try site.disk.unfill()
        try phone.ok("sync")
        #expect(try phone.ok("show", site.ticket).stdout.contains("[local]"))
        let stored = try Data(contentsOf: URL(fileURLWithPath: site.blobPath(digest)))
        #expect(SHA256.hash(stored) == digest)
    }

    @Test("a node whose op log cannot grow answers the sync 507 with the plain words, and takes the notes once space is freed")
    func opLogFull() async throws {
        try await onOwnThread {
            let site = try NodeOnSmallDisk()
            defer { site.close() }
            let phone = try site.device("phone")
            try phone.ok("sync")
            // Something else took every byte (not photos: the reserve keeps those out).
            try site.disk.fill()
            let long = String(repeating: "Compressor cycling on high pressure. ", count: 1_500)
            for i in 0..<20 { try phone.ok("note", site.ticket, "\(i): \(long)") }
            let refused = try phone.run("sync")
            #expect(refused.status != 0)
            #expect(refused.stderr.contains(Self.syncRefused), "\(refused.stderr)")
            #expect(!refused.stderr.contains(site.disk.path), "names the node's files: \(refused.stderr)")
            #expect(!site.node.log.contains("request failed"), "an unexpected failure in the node's log")
            #expect(site.node.log.contains("sync refused: the node's storage is full"))
            let metrics = try String(contentsOf: URL(string: site.node.url + "/metrics")!, encoding: .utf8)
            #expect(metrics.contains("fieldsync_storage_full_refusals_total{kind=\"sync\"}"), "\(metrics)")

            try site.disk.unfill()
            try phone.ok("sync")
            let central = try site.node.admin("ticket", "show", site.ticket).stdout
            #expect(central.contains("19: Compressor cycling"))
            }
    }

    @Test("a node started with less free space than its reserve says so at start")
    func warnsAtStart() async throws {
        try await onOwnThread {
            let disk = try Tmpfs(megabytes: 64)
            defer { disk.unmount() }
            let node = try NodeProcess(data: disk.path + "/node")
            defer { node.stop() }
            #expect(node.log.contains("under the 537 MB reserve kept for the op log: photo uploads are refused until space is freed"), "\(node.log)")
            }
    }

    @Test("a device on a full disk says so plainly for note and photo, keeps all it had, and still shows its tickets")
    func deviceFull() async throws {
        try await onOwnThread {
            let field = try Field()
            let disk = try Tmpfs(megabytes: 8)
            defer { disk.unmount() }
            let t = try field.dispatch("E1")
            let phone = Engineer(name: "E1", home: disk.path + "/home")
            try phone.ok("init", "--engineer", "E1")
            try phone.ok("login", "--node", field.node.url, "--token", try field.token("E1"))
            try phone.ok("sync")
            try phone.ok("note", t, "Arrived, unit off")

            try disk.fill()
            let note = try phone.run("note", t, "Condenser fan seized")
            #expect(note.status == 1)
            #expect(note.stderr == "error: this device's storage is full: free some space and try again (everything recorded so far is kept)\n")
            _ = try BlobTests.randomFile(field.folder.path + "/photo.jpg", bytes: 3 << 20, seed: 9)
            let photo = try phone.run("photo", t, field.folder.path + "/photo.jpg")
            #expect(photo.status == 1)
            #expect(photo.stderr.hasPrefix("error: this device's storage is full: 3.2 MB needed; free some space"), "\(photo.stderr)")

            // Reading needs no space.
            let shown = try phone.ok("show", t).stdout
            #expect(shown.contains("Arrived, unit off"))
            #expect(!shown.contains("Condenser fan seized"))
            #expect(try phone.ok("show", t, "--json").object["id"] as? String == t)
            #expect(try phone.ok("tickets").stdout.contains(t))
            // A full disk is no damage: `check` reads the replica and says so.
            for mode in [["check"], ["check", "--quick"]] {
                let check = try phone.ok(mode)
                #expect(check.stdout.contains("No damage found"), "\(check.stdout)")
            }
            // A sync has what it pulls to store: it stops with the same words, and loses nothing.
            _ = try field.node.admin("ticket", "set", t, "priority", "urgent")
            let sync = try phone.run("sync")
            #expect(sync.status != 0)
            #expect(sync.stderr.contains("this device's storage is full"), "\(sync.stderr)")

            try disk.unfill()
            try phone.ok("note", t, "Condenser fan seized")
            try phone.ok("photo", t, field.folder.path + "/photo.jpg")
            try phone.ok("sync")
            let central = try field.node.admin("ticket", "show", t).stdout
            #expect(central.contains("Arrived, unit off") && central.contains("Condenser fan seized"))
            #expect(try phone.show(t)["digest"] as? String == (try field.central(t)["digest"] as? String))
            }
    }
}
