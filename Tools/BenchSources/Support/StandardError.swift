import Foundation

/// `print(..., to: &err)` for standard error, where progress and usage go so standard
/// output holds only the report.
struct StandardError: TextOutputStream {
    mutating func write(_ string: String) { FileHandle.standardError.write(Data(string.utf8)) }
}
