// libFuzzer entry point for the wire decoder (built by Tools/fuzz, not by SwiftPM).
//
// Any input must either decode or throw a WireError: a trap, an overflow or a memory
// error is a finding. A frame that decodes must also survive a re-encode and decode
// unchanged, or the codec is not canonical.
import FieldModel
import FieldWire

@_cdecl("LLVMFuzzerTestOneInput")
public func fieldsyncFuzzWire(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let messages = try? Frame.decode(bytes) else { return 0 }
    let again = Frame.encode(messages, compress: false)
    guard let decoded = try? Frame.decode(again), decoded == messages else {
        fatalError("decoded frame does not survive re-encoding")
    }
    return 0
}
