import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Plain POSIX TCP sockets on 127.0.0.1, for the cutting proxy and the tests that
/// drive it.
package enum LoopbackSocket {
    #if canImport(Glibc)
    package static let streamType = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
    package static let shutRDWR = Int32(SHUT_RDWR)
    package static let shutWR = Int32(SHUT_WR)
    package static let sendFlags = Int32(MSG_NOSIGNAL)
    #else
    package static let streamType = SOCK_STREAM
    package static let shutRDWR = SHUT_RDWR
    package static let shutWR = SHUT_WR
    package static let sendFlags: Int32 = 0
    #endif

    package static func lastError() -> String { String(cString: strerror(errno)) }

    /// A new TCP socket, close-on-exec so spawned processes do not keep it open. With
    /// `timeout`, blocking sends and receives give up after that many seconds (so a broken
    /// test fails instead of hanging).
    package static func make(timeout: Int? = nil) throws -> Int32 {
        let fd = socket(AF_INET, streamType, 0)
        guard fd >= 0 else { throw CuttingProxyError("socket: \(lastError())") }
        #if !canImport(Glibc)
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        #endif
        noSigPipe(fd)
        if let timeout {
            var limit = timeval(tv_sec: timeout, tv_usec: 0)
            _ = setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
            _ = setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        }
        return fd
    }

    package static func loopback(port: Int) -> sockaddr_in {
        var address = sockaddr_in()
        #if !canImport(Glibc)
        address.sin_len = UInt8(MemoryLayout<sockaddr_in>.size)
        #endif
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port)).bigEndian
        address.sin_addr = in_addr(s_addr: UInt32(0x7F00_0001).bigEndian)
        return address
    }

    package static func bindLoopback(_ fd: Int32, port: Int) throws {
        var address = loopback(port: port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else { throw CuttingProxyError("bind 127.0.0.1:\(port): \(lastError())") }
    }

    /// A port on 127.0.0.1 that was free a moment ago (bound to port 0, read, closed): for
    /// a server started by another process, which may still lose it to a third.
    package static func freePort() throws -> Int {
        let fd = try make()
        defer { close(fd) }
        try bindLoopback(fd, port: 0)
        return try localPort(fd)
    }

    package static func localPort(_ fd: Int32) throws -> Int {
        var address = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let result = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard result == 0 else { throw CuttingProxyError("getsockname: \(lastError())") }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    package static func accept(_ fd: Int32) -> Int32 {
        #if canImport(Glibc)
        let client = Glibc.accept(fd, nil, nil)
        #else
        let client = Darwin.accept(fd, nil, nil)
        #endif
        // accept4 is not imported; a spawn racing this line could inherit the socket.
        if client >= 0 { _ = fcntl(client, F_SETFD, FD_CLOEXEC) }
        return client
    }

    /// A socket connected to 127.0.0.1:`port`, or nil.
    package static func connectLoopback(port: Int, timeout: Int? = nil) -> Int32? {
        guard let fd = try? make(timeout: timeout) else { return nil }
        var address = loopback(port: port)
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        guard result == 0 else {
            _ = close(fd)
            return nil
        }
        return fd
    }

    package static func noSigPipe(_ fd: Int32) {
        #if !canImport(Glibc)
        var on: Int32 = 1
        _ = setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &on, socklen_t(MemoryLayout<Int32>.size))
        #endif
    }

    /// Makes close send a reset instead of a FIN.
    package static func zeroLinger(_ fd: Int32) {
        var option = linger(l_onoff: 1, l_linger: 0)
        _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &option, socklen_t(MemoryLayout<linger>.size))
    }

    /// Resets and closes a socket no thread uses.
    package static func abort(_ fd: Int32) {
        zeroLinger(fd)
        _ = close(fd)
    }

    /// Sends all `count` bytes unless the socket fails; returns how many were sent.
    package static func sendAll(_ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
        var sent = 0
        while sent < count {
            let n = send(fd, buffer + sent, count - sent, sendFlags)
            if n < 0 {
                if errno == EINTR { continue }
                break
            }
            sent += n
        }
        return sent
    }
}
