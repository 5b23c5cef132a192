/// A parsed TOML value.
public indirect enum TOMLValue: Sendable, Equatable {
  case string(String)
  case integer(Int)
  case float(Double)
  case bool(Bool)
  case array([TOMLValue])
  case table([String: TOMLValue])

  public var string: String? { if case .string(let s) = self { return s } else { return nil } }
  public var bool: Bool? { if case .bool(let b) = self { return b } else { return nil } }
  public var table: [String: TOMLValue]? { if case .table(let t) = self { return t } else { return nil } }
  public var array: [TOMLValue]? { if case .array(let a) = self { return a } else { return nil } }
  public var number: Double? {
    switch self {
    case .integer(let i): return Double(i)
    case .float(let d): return d
    default: return nil
    }
  }
}

/// A TOML syntax error with its line.
public struct TOMLError: Error, Sendable, Equatable, CustomStringConvertible {
  public let line: Int
  public let message: String
  public var description: String { "line \(line): \(message)" }
}

/// TOML 1.0 for themes and the config file: comments, `[table]` and `[a.b]` headers, `[[arrays of
/// tables]]`, bare, quoted and dotted keys, strings (basic, literal and both multi-line forms),
/// integers (decimal, hex, octal, binary), floats (with exponents, inf and nan), booleans, dates and
/// times (kept as their text), arrays (also over several lines) and inline tables. Errors name the
/// line. (TOMLKit was tried: its toml++ aborts the process on some malformed input.)
///
/// Bounded whatever the file says: at most `maxBytes` of text, `maxDepth` levels of nested arrays and
/// inline tables, and `maxKeyParts` parts in a dotted key; each key goes in at the cost of its depth
/// (tables are changed in place, never copied), so time and memory grow with the file's size.
public enum TOMLSubset {
  /// The largest file read: themes, the config and pipelines are a few KiB.
  public static let maxBytes = 1 << 20
  /// Arrays and inline tables nested deeper than this are refused (the parser recurses on them).
  public static let maxDepth = 64
  /// Parts of one dotted key or table header.
  public static let maxKeyParts = 64

  public static func parse(_ text: String) throws(TOMLError) -> [String: TOMLValue] {
    let bytes = text.utf8.count
    guard bytes <= maxBytes else {
      throw TOMLError(line: 1, message: "the file is \(bytes) bytes; segscope reads TOML files of at most \(maxBytes >> 20) MiB")
    }
    var p = Parser(Array(text.unicodeScalars))
    return try p.document()
  }
}

extension String {
  func replacingUnderscores() -> String { String(filter { $0 != "_" }) }
}

extension TOMLSubset {
  /// The line of `text` that sets `key` (as `key =`, `"key" =` or `[key]`), for messages about it.
  public static func line(of key: String, in text: String) -> Int? {
    for (i, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let l = raw.drop { $0 == " " || $0 == "\t" }
      for form in [key, "\"" + key + "\"", "'" + key + "'"] where l.hasPrefix(form) {
        let rest = l.dropFirst(form.count).drop { $0 == " " || $0 == "\t" }
        if rest.hasPrefix("=") { return i + 1 }
      }
      if l.hasPrefix("[" + key + "]") || l.hasPrefix("[\"" + key + "\"]") { return i + 1 }
    }
    return nil
  }
}
