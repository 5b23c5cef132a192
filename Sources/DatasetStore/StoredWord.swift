import SegmentationCore

/// Stored words (kinds, roles, evidence, outcomes) read back as their types. An unknown value, from
/// a damaged database or one written by a newer segscope, is an error naming the table, the column
/// and the value: never read as some default, which would be a different truth.
enum StoredWord {
  static func decode<T: RawRepresentable>(_ type: T.Type, _ raw: String, table: String, column: String) throws -> T where T.RawValue == String {
    guard let value = T(rawValue: raw) else {
      throw StoreError.invalid(
        "the database's \(table).\(column) holds '\(Sanitize.forTerminal(String(raw.prefix(64))))', which this segscope does not know (a damaged database, or one written by a newer version)"
      )
    }
    return value
  }
}
