import FieldModel

// The replica store: the op log and the materialised ticket state over SQLite (GRDB).
// It persists ops and what the model derives from them; it never merges in SQL.
