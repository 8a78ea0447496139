import GRDB

/// Small facts about the replica, in the `meta` table.
enum Meta {
    static let replica = "replica"
    static let engineer = "engineer"
    static let nextCounter = "next_counter"
    static let clockWall = "clock_wall"
    static let clockLogical = "clock_logical"
    static let clockOffset = "clock_offset_ms"

    static func get(_ key: String, _ db: Database) throws -> String? {
        // Cached: every apply and ingest reads the clock and counter from here.
        try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM meta WHERE key = ?"), arguments: [key])
    }

    static func set(_ key: String, _ value: String, _ db: Database) throws {
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)").execute(arguments: [key, value])
    }
}
