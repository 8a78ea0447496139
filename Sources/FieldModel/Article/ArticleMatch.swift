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

    /// Lowercased and trimmed as ``TicketMatch/fits(_:)`` compares them: how a store keeps
    /// facts it looks candidates up by.
    public var folded: TicketFacts {
        TicketFacts(
            deviceModel: ArticlePublished.folded(deviceModel), faultCode: ArticlePublished.folded(faultCode),
            fault: ArticlePublished.folded(fault))
    }

    /// The winning value of each field (a field in conflict is matched by its winner).
    public init(_ ticket: Ticket) {
        self.init(
            deviceModel: ticket.value(Field.deviceModel) ?? "", faultCode: ticket.value(Field.faultCode) ?? "",
            fault: ticket.value(Field.fault) ?? "")
    }
}

/// The terms a ticket is matched by — device models, fault codes, keywords of its fault
/// description — and the rule that decides whether a ticket fits them: the one place that
/// rule is written. An article's are its own (``ArticlePublished/match``); a store keeps
/// them to find candidates by index and asks ``fits(_:)`` to decide.
public struct TicketMatch: Hashable, Sendable, Codable {
    public var deviceModels: [String]
    public var faultCodes: [String]
    public var keywords: [String]

    public init(deviceModels: [String] = [], faultCodes: [String] = [], keywords: [String] = []) {
        self.deviceModels = deviceModels
        self.faultCodes = faultCodes
        self.keywords = keywords
    }

    /// Whether a ticket fits: it has one of the device models or fault codes, or one of the
    /// keywords occurs in its fault description. Names match without regard to case or
    /// surrounding spaces; a keyword matches as a substring (Chinese has no spaces between
    /// words: 电容 must match 风扇电容鼓包), case-folded.
    public func fits(_ ticket: TicketFacts) -> Bool {
        let model = ArticlePublished.folded(ticket.deviceModel)
        if !model.isEmpty, deviceModels.contains(where: { ArticlePublished.folded($0) == model }) { return true }
        let code = ArticlePublished.folded(ticket.faultCode)
        if !code.isEmpty, faultCodes.contains(where: { ArticlePublished.folded($0) == code }) { return true }
        let fault = ArticlePublished.folded(ticket.fault)
        guard !fault.isEmpty else { return false }
        return keywords.contains { keyword in
            let k = ArticlePublished.folded(keyword)
            return !k.isEmpty && fault.contains(k)
        }
    }
}

extension ArticlePublished {
    /// The terms tickets are matched by for this version.
    public var match: TicketMatch { TicketMatch(deviceModels: deviceModels, faultCodes: faultCodes, keywords: keywords) }

    /// Whether this version fits a ticket (``TicketMatch/fits(_:)``). Articles marked for
    /// everyone fit every device, which is the scope's to add.
    public func fits(_ ticket: TicketFacts) -> Bool { match.fits(ticket) }

    /// Lowercased, without surrounding whitespace: how names and keywords are compared.
    public static func folded(_ text: String) -> String {
        let lowered = text.lowercased()
        guard let first = lowered.firstIndex(where: { !$0.isWhitespace }) else { return "" }
        let last = lowered.lastIndex(where: { !$0.isWhitespace })!
        return String(lowered[first...last])
    }
}
