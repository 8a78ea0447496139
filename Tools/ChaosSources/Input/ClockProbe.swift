import FieldWire
import FieldTestSupport
import Foundation

/// Hellos whose clock is the node's own plus 2^63 ms (and a few ms around it, since the
/// node reads its clock a moment later): the offset the node derives is then at the very
/// end of Int64, where careless arithmetic traps (`fieldsync-node devices` runs after).
/// Built at run time: the node's clock comes from its own hello.
enum ClockProbe {
    static func run(_ c: InputContext) -> (run: Int, wrong: [String]) {
        var wrong: [String] = []
        let started = Date()
        let first = RawHTTP.exchange(port: c.port, c.sync(Frame.encode([HostileBodies.hello(c.e1Replica), HostileBodies.pull()])))
        guard first.status == 200, let messages = try? Frame.decode(first.body),
              let nodeClock = messages.compactMap({ if case .hello(let h) = $0 { h.clock } else { nil } }).first
        else { return (1, ["a pull for the node's clock: \(first.summary)"]) }
        let expect = Expect.either(.answer([200], "200 with a frame") { (try? Frame.decode($0.body)) != nil }, .refusal(400, 1))
        var run = 1
        for step in 0..<40 {
            let elapsed = UInt64(Date().timeIntervalSince(started) * 1000)
            // From 5 ms before the node's clock now to 35 ms after it, in 1 ms steps.
            let clock = nodeClock &+ elapsed &+ UInt64(step) &- 5 &+ (1 << 63)
            let answer = RawHTTP.exchange(port: c.port, c.sync(Frame.encode([HostileBodies.hello("e1-chaos-skew\(step)", clock: clock), HostileBodies.pull()])))
            run += 1
            if !expect.accepts(answer) { wrong.append("hello clock node + 2^63 ms (+\(Int(step) - 5) ms): expected \(expect.text); got \(answer.summary)") }
        }
        return (run, wrong)
    }
}
