/// What of a ticket decides which articles fit it: its device model, its fault code and
/// the words of its fault description.
public struct TicketFacts: Hashable, Sendable {
    public var deviceModel: String
    public var faultCode: String
    public var fault: String

    public init(deviceModel: String, faultCode: String, fault: String) {
        self.deviceModel = deviceModel
        self.faultCode = faultCode
        self.fault = fault
    }

    /// The winning value of each field (a field in conflict is matched by its winner).
    public init(_ ticket: Ticket) {
        self.init(
            deviceModel: ticket.value(Field.deviceModel) ?? "", faultCode: ticket.value(Field.faultCode) ?? "",
            fault: ticket.value(Field.fault) ?? "")
    }
}

extension ArticlePublished {
    /// Whether this version fits a ticket: it names the ticket's device model or fault
    /// code, or one of its keywords occurs in the ticket's fault description. Names match
    /// without regard to case or surrounding spaces; a keyword matches as a substring
    /// (Chinese has no spaces between words: 电容 must match 风扇电容鼓包), case-folded.
    /// Articles marked for everyone fit every device, which is the scope's to add.
    public func fits(_ ticket: TicketFacts) -> Bool {
        let model = Self.folded(ticket.deviceModel)
        if !model.isEmpty, deviceModels.contains(where: { Self.folded($0) == model }) { return true }
        let code = Self.folded(ticket.faultCode)
        if !code.isEmpty, faultCodes.contains(where: { Self.folded($0) == code }) { return true }
        let fault = Self.folded(ticket.fault)
        guard !fault.isEmpty else { return false }
        return keywords.contains { keyword in
            let k = Self.folded(keyword)
            return !k.isEmpty && fault.contains(k)
        }
    }

    /// Lowercased, without surrounding whitespace: how names and keywords are compared.
    public static func folded(_ text: String) -> String {
        let lowered = text.lowercased()
        guard let first = lowered.firstIndex(where: { !$0.isWhitespace }) else { return "" }
        let last = lowered.lastIndex(where: { !$0.isWhitespace })!
        return String(lowered[first...last])
    }
}
