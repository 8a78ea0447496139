import FieldModel

/// The stock movements (kinds 10–14, SPEC §4.11), self-contained as every kind past 7
/// (§4.9): strings in the op's own buffer, quantities as signed thousandths (a part
/// line's encoding), times from zero.
enum StockCodec {
    static func part<S: PayloadSource>(from s: inout S) throws(WireError) -> String {
        try s.name(max: 256)
    }

    static func location<S: PayloadSink>(_ l: StockLocation, to s: inout S) { s.name(l.description) }

    static func location<S: PayloadSource>(from s: inout S) throws(WireError) -> StockLocation {
        let raw = try s.name(max: 128)
        guard let l = StockLocation(raw) else {
            throw WireError(.malformed, "stock location '\(raw.prefix(80))' is not warehouse:, depot: or van: and a name")
        }
        return l
    }

    static func quantity<S: PayloadSource>(from s: inout S) throws(WireError) -> Quantity {
        Quantity(thousandths: try s.sint())
    }
}

/// stock-received (kind 10): part, quantity, reference.
enum StockReceivedCodec: EntityOpCodec {
    static func encode<S: PayloadSink>(_ m: StockReceived, to s: inout S) {
        s.name(m.part)
        s.sint(m.quantity.thousandths)
        s.text(m.reference)
    }

    static func decode<S: PayloadSource>(from s: inout S) throws(WireError) -> StockReceived {
        StockReceived(part: try StockCodec.part(from: &s), quantity: try StockCodec.quantity(from: &s), reference: try s.text())
    }
}

/// stock-sent (kind 11): part, quantity, source, destination, purpose (00 transfer, 01 return).
enum StockSentCodec: EntityOpCodec {
    static func encode<S: PayloadSink>(_ m: StockSent, to s: inout S) {
        s.name(m.part)
        s.sint(m.quantity.thousandths)
        StockCodec.location(m.from, to: &s)
        StockCodec.location(m.to, to: &s)
        s.byte(m.purpose.rawValue)
    }

    static func decode<S: PayloadSource>(from s: inout S) throws(WireError) -> StockSent {
        let part = try StockCodec.part(from: &s)
        let quantity = try StockCodec.quantity(from: &s)
        let from = try StockCodec.location(from: &s)
        let to = try StockCodec.location(from: &s)
        let raw = try s.byte()
        guard let purpose = StockSent.Purpose(rawValue: raw) else { throw WireError(.malformed, "stock-sent purpose \(raw) (00 or 01)") }
        return StockSent(part: part, quantity: quantity, from: from, to: to, purpose: purpose)
    }
}

/// stock-arrived (kind 12): the quantity confirmed (the transfer is the op's subject).
enum StockArrivedCodec: EntityOpCodec {
    static func encode<S: PayloadSink>(_ m: StockArrived, to s: inout S) {
        s.sint(m.quantity.thousandths)
    }

    static func decode<S: PayloadSource>(from s: inout S) throws(WireError) -> StockArrived {
        StockArrived(quantity: try StockCodec.quantity(from: &s))
    }
}

/// stock-written-off (kind 13): part, quantity, reason.
enum StockWrittenOffCodec: EntityOpCodec {
    static func encode<S: PayloadSink>(_ m: StockWrittenOff, to s: inout S) {
        s.name(m.part)
        s.sint(m.quantity.thousandths)
        s.text(m.reason)
    }

    static func decode<S: PayloadSource>(from s: inout S) throws(WireError) -> StockWrittenOff {
        StockWrittenOff(part: try StockCodec.part(from: &s), quantity: try StockCodec.quantity(from: &s), reason: try s.text())
    }
}

/// stock-counted (kind 14): part, quantity, the count's time.
enum StockCountedCodec: EntityOpCodec {
    static func encode<S: PayloadSink>(_ m: StockCounted, to s: inout S) {
        s.name(m.part)
        s.sint(m.quantity.thousandths)
        s.time(m.at)
    }

    static func decode<S: PayloadSource>(from s: inout S) throws(WireError) -> StockCounted {
        StockCounted(part: try StockCodec.part(from: &s), quantity: try StockCodec.quantity(from: &s), at: try s.time())
    }
}
