/// A ticket is born: its initial field values, each the first write of its register.
public struct TicketCreated: Hashable, Sendable {
    /// Initial values by field name (see ``Field``). Empty values are not stored.
    public let fields: [String: String]
    /// Device wall time when the ticket was created (Unix ms).
    public let at: UInt64

    public init(fields: [String: String], at: UInt64) {
        self.fields = fields.filter { !$0.value.isEmpty }
        self.at = WholeSeconds.floor(at)
    }

    public init(
        customer: String, site: String, asset: String = "", deviceModel: String, category: String,
        fault: String, priority: String = "normal", assignee: String = "", at: UInt64
    ) {
        self.init(
            fields: [
                Field.customer: customer, Field.site: site, Field.asset: asset,
                Field.deviceModel: deviceModel, Field.category: category, Field.fault: fault,
                Field.priority: priority, Field.assignee: assignee,
            ], at: at)
    }
}

/// Names of the ticket's scalar fields. Any other name starting with `custom.` is a
/// free-form field; all of them are multi-value registers.
public enum Field {
    public static let customer = "customer"
    public static let site = "site"
    public static let asset = "asset"
    public static let deviceModel = "device-model"
    public static let category = "category"
    public static let fault = "fault"
    public static let priority = "priority"
    public static let faultCode = "fault-code"
    public static let faultPart = "fault-part"
    public static let resolution = "resolution"
    public static let assignee = "assignee"
    public static let appointment = "appointment"

    public static let all: [String] = [
        customer, site, asset, deviceModel, category, fault, priority, faultCode, faultPart,
        resolution, assignee, appointment,
    ]
    public static let customPrefix = "custom."

    /// True for a known field or a `custom.NAME` field with a non-empty name.
    public static func isValid(_ name: String) -> Bool {
        if all.contains(name) { return true }
        return name.hasPrefix(customPrefix) && name.utf8.count > customPrefix.utf8.count
            && name.utf8.count <= 64 && !name.contains(where: { $0 == " " || $0 == "\n" })
    }
}
