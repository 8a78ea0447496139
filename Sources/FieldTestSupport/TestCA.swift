import Foundation

/// A throwaway CA and a certificate it signed (for 127.0.0.1 unless told), made with the `openssl`
/// command (Debian's openssl package), for tests of a node serving HTTPS.
package struct TestCA: Sendable {
    /// The CA's certificate (PEM): what a device is told to trust.
    package let certificate: String
    /// The node's certificate chain and key (PEM), for `serve --tls-cert --tls-key`.
    package let nodeCertificate: String
    package let nodeKey: String

    /// `name`: the node certificate's subjectAltName.
    package init(in folder: String, name: String = "IP:127.0.0.1") throws {
        certificate = folder + "/ca.pem"
        nodeCertificate = folder + "/node.pem"
        nodeKey = folder + "/node.key"
        let caKey = folder + "/ca.key", request = folder + "/node.csr", extensions = folder + "/node.ext"
        try Data("subjectAltName=\(name)\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n".utf8)
            .write(to: URL(fileURLWithPath: extensions))
        try Self.openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", caKey, "-out", certificate, "-days", "2",
                         "-subj", "/CN=FieldSync test CA")
        try Self.openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", nodeKey, "-out", request, "-subj", "/CN=127.0.0.1")
        try Self.openssl("x509", "-req", "-in", request, "-CA", certificate, "-CAkey", caKey, "-CAcreateserial", "-out", nodeCertificate,
                         "-days", "2", "-extfile", extensions)
    }

    static func openssl(_ args: String...) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["openssl"] + args
        let err = Pipe()
        p.standardOutput = FileHandle.nullDevice
        p.standardError = err
        try p.run()
        let message = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw NSError(domain: "TestCA", code: Int(p.terminationStatus), userInfo: [
                NSLocalizedDescriptionKey: "openssl \(args.joined(separator: " ")): \(String(decoding: message, as: UTF8.self))"
            ])
        }
    }
}
