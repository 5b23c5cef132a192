import SegmentationCore

/// Stored words (kinds, roles, evidence, outcomes) read back as their types. An unknown value, from
/// a damaged database or one written by a newer segscope, is an error naming the table, the column
/// and the value: never read as some default, which would be a different truth.
enum StoredWord {
  static func decode<T: RawRepresentable>(_ type: T.Type, _ raw: String, table: String, column: String) throws -> T where T.RawValue == String {
    guard let value = T(rawValue: raw) else { throw unknown(raw, table: table, column: column) }
    return value
  }

  /// The error for a value of `table.column` this segscope does not know.
  static func unknown(_ raw: String, table: String, column: String) -> StoreError {
    StoreError.invalid(UnknownWordError(place: "the database's \(table).\(column)", value: raw).description)
  }
}
