// Chaos campaigns (Tools/chaos): hostile input, kill -9, link faults, restored backups and full disks against a real node.
import Foundation

let usage = """
    usage: fieldsync-chaos input
           fieldsync-chaos crash [--iterations N] [--seed S]
           fieldsync-chaos link [--seconds N] [--seed S]
           fieldsync-chaos restore [--rounds N] [--seed S] [--strict]
           fieldsync-chaos disk [--rounds N] [--seed S]
    """

/// `--name VALUE` from the arguments, parsed as an unsigned integer of at least `minimum`.
func option(_ name: String, _ arguments: [String], default value: UInt64, minimum: UInt64 = 0) -> UInt64 {
    guard let i = arguments.firstIndex(of: name) else { return value }
    guard i + 1 < arguments.count, let parsed = UInt64(arguments[i + 1]), parsed >= minimum, parsed <= 10_000_000 else {
        FileHandle.standardError.write(Data("error: \(name) needs a number from \(minimum) to 10000000\n\(usage)\n".utf8))
        exit(2)
    }
    return parsed
}

let arguments = Array(CommandLine.arguments.dropFirst())
// Options are read before anything is made, so a bad one leaves nothing behind.
let seed = option("--seed", arguments, default: 1)
let iterations = Int(option("--iterations", arguments, default: 1000, minimum: 1))
let seconds = Int(option("--seconds", arguments, default: 600, minimum: 1))
let rounds = Int(option("--rounds", arguments, default: arguments.first == "disk" ? 30 : 100, minimum: 1))
guard ["input", "crash", "link", "restore", "disk"].contains(arguments.first ?? "") else {
    FileHandle.standardError.write(Data((usage + "\n").utf8))
    exit(2)
}
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
        passed = try CrashCampaign.run(iterations: iterations, seed: seed)
    case "restore":
        passed = try RestoreCampaign.run(rounds: rounds, seed: seed, strict: arguments.contains("--strict"))
    case "disk":
        passed = try DiskCampaign.run(rounds: rounds, seed: seed)
    default:
        passed = try LinkCampaign.run(seconds: seconds, seed: seed)
    }
    status = passed ? 0 : 1
} catch {
    FileHandle.standardError.write(Data("chaos: the harness failed: \(error)\n".utf8))
    status = 3
}
try? FileManager.default.removeItem(atPath: binaries)
exit(status)
