/// A benchmark that could not run or whose result failed its own check.
struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
