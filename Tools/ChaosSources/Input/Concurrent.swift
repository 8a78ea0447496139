import Foundation

/// Many garbage requests at once, each on its own thread.
enum Concurrent {
    static func garbage(_ c: InputContext, count: Int) -> (run: Int, wrong: [String]) {
        let wrong = Findings()
        let group = DispatchGroup()
        for i in 0..<count {
            group.enter()
            Thread {
                defer { group.leave() }
                let bytes = HostileBodies.garbage(1 + (i * 797) % 8192, seed: UInt64(1000 + i))
                let name: String
                let request: RawRequest
                let expect: Expect
                if i % 2 == 0 {
                    name = "raw garbage #\(i) (\(bytes.count) bytes)"
                    request = RawRequest(raw: bytes)
                    expect = .closedOrRefused([400, 404, 405, 413, 431])
                } else {
                    name = "POST /v1/sync garbage #\(i) (\(bytes.count) bytes)"
                    request = c.sync(bytes)
                    expect = .refusal([400, 413])
                }
                let answer = RawHTTP.exchange(port: c.port, request, timeout: 20)
                if !expect.accepts(answer) { wrong.add("\(name): expected \(expect.text); got \(answer.summary)") }
            }.start()
        }
        group.wait()
        return (count, wrong.all)
    }
}
