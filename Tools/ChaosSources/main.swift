// Chaos campaigns (Tools/chaos): hostile input, kill -9, and link faults against a real node.
import Foundation

let usage = """
    usage: fieldsync-chaos input
           fieldsync-chaos crash [--iterations N] [--seed S]
           fieldsync-chaos link [--seconds N] [--seed S]
    """

/// `--name VALUE` from the arguments, parsed as an unsigned integer.
func option(_ name: String, _ arguments: [String], default value: UInt64) -> UInt64 {
    guard let i = arguments.firstIndex(of: name) else { return value }
    guard i + 1 < arguments.count, let parsed = UInt64(arguments[i + 1]) else {
        FileHandle.standardError.write(Data("error: \(name) needs a number\n\(usage)\n".utf8))
        exit(2)
    }
    return parsed
}

let arguments = Array(CommandLine.arguments.dropFirst())
// The binaries are copied first: another build may relink .build/debug during a campaign.
let binaries = NSTemporaryDirectory() + "fieldsync-chaos-bin-\(ProcessInfo.processInfo.processIdentifier)"
var status: Int32 = 3
do {
    try Bin.snapshot(into: binaries)
    let passed: Bool
    switch arguments.first {
    case "input":
        passed = try InputCampaign.run()
    case "crash":
        passed = try CrashCampaign.run(
            iterations: Int(option("--iterations", arguments, default: 1000)), seed: option("--seed", arguments, default: 1))
    case "link":
        passed = try LinkCampaign.run(seconds: Int(option("--seconds", arguments, default: 600)), seed: option("--seed", arguments, default: 1))
    default:
        FileHandle.standardError.write(Data((usage + "\n").utf8))
        passed = false
        status = 2
    }
    if status != 2 { status = passed ? 0 : 1 }
} catch {
    FileHandle.standardError.write(Data("chaos: the harness failed: \(error)\n".utf8))
    status = 3
}
try? FileManager.default.removeItem(atPath: binaries)
exit(status)
