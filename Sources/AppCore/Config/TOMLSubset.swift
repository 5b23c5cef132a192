/// A parsed TOML value.
public indirect enum TOMLValue: Sendable, Equatable {
  case string(String)
  case integer(Int)
  case float(Double)
  case bool(Bool)
  case array([TOMLValue])
  case table([String: TOMLValue])

  public var string: String? { if case .string(let s) = self { return s } else { return nil } }
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

/// The part of TOML that themes and the config file use: comments, `[table]` and `[a.b]` headers,
/// bare and quoted keys, strings (basic and literal), integers, floats, booleans, arrays (also over
/// several lines) and inline tables. Dates and array-of-tables are not supported and are errors.
public enum TOMLSubset {
  public static func parse(_ text: String) throws(TOMLError) -> [String: TOMLValue] {
    var p = Parser(Array(text.unicodeScalars))
    return try p.document()
  }

  struct Parser {
    let s: [Unicode.Scalar]
    var i = 0
    var line = 1

    init(_ s: [Unicode.Scalar]) { self.s = s }

    func fail(_ m: String) -> TOMLError { TOMLError(line: line, message: m) }

    var atEnd: Bool { i >= s.count }

    mutating func skipSpaces() { while !atEnd && (s[i] == " " || s[i] == "\t" || s[i] == "\r") { i += 1 } }

    mutating func skipComment() {
      if !atEnd && s[i] == "#" { while !atEnd && s[i] != "\n" { i += 1 } }
    }

    /// Spaces, newlines and comments (inside arrays).
    mutating func skipBlank() {
      while !atEnd {
        skipSpaces()
        skipComment()
        if !atEnd && s[i] == "\n" {
          line += 1
          i += 1
        } else {
          return
        }
      }
    }

    mutating func endOfLine() throws(TOMLError) {
      skipSpaces()
      skipComment()
      if atEnd { return }
      guard s[i] == "\n" else { throw fail("unexpected '\(s[i])' after a value") }
      i += 1
      line += 1
    }

    mutating func document() throws(TOMLError) -> [String: TOMLValue] {
      var root: [String: TOMLValue] = [:]
      var path: [String] = []
      while true {
        skipBlank()
        if atEnd { return root }
        if s[i] == "[" {
          i += 1
          if !atEnd && s[i] == "[" { throw fail("arrays of tables ([[...]]) are not supported") }
          path = try keyPath(until: "]")
          i += 1
          try endOfLine()
          try insert(&root, path, .table([:]), mergeTable: true)
          continue
        }
        let key = try keyPath(until: "=")
        i += 1
        skipSpaces()
        let v = try value()
        try insert(&root, path + key, v, mergeTable: false)
        try endOfLine()
      }
    }

    mutating func keyPath(until end: Unicode.Scalar) throws(TOMLError) -> [String] {
      var parts: [String] = []
      while true {
        skipSpaces()
        guard !atEnd else { throw fail("expected a key") }
        if s[i] == "\"" || s[i] == "'" {
          parts.append(try quoted())
        } else {
          var k = ""
          while !atEnd, s[i].properties.isAlphabetic || ("0"..."9").contains(s[i]) || s[i] == "_" || s[i] == "-" {
            k.unicodeScalars.append(s[i])
            i += 1
          }
          guard !k.isEmpty else { throw fail("expected a key, found '\(atEnd ? "end" : String(s[i]))'") }
          parts.append(k)
        }
        skipSpaces()
        guard !atEnd else { throw fail("expected '\(end)'") }
        if s[i] == "." {
          i += 1
          continue
        }
        guard s[i] == end else { throw fail("expected '\(end)' after the key") }
        return parts
      }
    }

    mutating func quoted() throws(TOMLError) -> String {
      let q = s[i]
      i += 1
      var out = ""
      while true {
        guard !atEnd, s[i] != "\n" else { throw fail("unterminated string") }
        let c = s[i]
        i += 1
        if c == q { return out }
        if c == "\\" && q == "\"" {
          guard !atEnd else { throw fail("unterminated string") }
          let e = s[i]
          i += 1
          switch e {
          case "n": out += "\n"
          case "t": out += "\t"
          case "\\": out += "\\"
          case "\"": out += "\""
          case "u":
            guard i + 4 <= s.count, let v = UInt32(String(String.UnicodeScalarView(s[i..<(i + 4)])), radix: 16), let u = Unicode.Scalar(v) else {
              throw fail("bad \\u escape")
            }
            out.unicodeScalars.append(u)
            i += 4
          default: throw fail("unknown escape \\\(e)")
          }
        } else {
          out.unicodeScalars.append(c)
        }
      }
    }

    mutating func value() throws(TOMLError) -> TOMLValue {
      guard !atEnd else { throw fail("expected a value") }
      let c = s[i]
      if c == "\"" || c == "'" { return .string(try quoted()) }
      if c == "[" {
        i += 1
        var items: [TOMLValue] = []
        while true {
          skipBlank()
          guard !atEnd else { throw fail("unterminated array") }
          if s[i] == "]" {
            i += 1
            return .array(items)
          }
          items.append(try value())
          skipBlank()
          guard !atEnd else { throw fail("unterminated array") }
          if s[i] == "," { i += 1 } else if s[i] != "]" { throw fail("expected ',' or ']' in an array") }
        }
      }
      if c == "{" {
        i += 1
        var t: [String: TOMLValue] = [:]
        skipSpaces()
        if !atEnd && s[i] == "}" {
          i += 1
          return .table(t)
        }
        while true {
          let k = try keyPath(until: "=")
          i += 1
          skipSpaces()
          try insert(&t, k, try value(), mergeTable: false)
          skipSpaces()
          guard !atEnd else { throw fail("unterminated inline table") }
          if s[i] == "," {
            i += 1
            continue
          }
          guard s[i] == "}" else { throw fail("expected ',' or '}' in an inline table") }
          i += 1
          return .table(t)
        }
      }
      var word = ""
      while !atEnd, !" \t\r\n,]}#".unicodeScalars.contains(s[i]) {
        word.unicodeScalars.append(s[i])
        i += 1
      }
      if word == "true" { return .bool(true) }
      if word == "false" { return .bool(false) }
      let digits = word.replacingUnderscores()
      if let n = Int(digits) { return .integer(n) }
      if let d = Double(digits), word.contains(".") || word.contains("e") || word.contains("E") { return .float(d) }
      throw fail("invalid value '\(word)'")
    }

    func insert(_ t: inout [String: TOMLValue], _ path: [String], _ v: TOMLValue, mergeTable: Bool) throws(TOMLError) {
      guard let first = path.first else { return }
      if path.count == 1 {
        if let existing = t[first] {
          if mergeTable, existing.table != nil { return }
          throw fail("key '\(first)' defined twice")
        }
        t[first] = v
        return
      }
      var sub = t[first]?.table ?? [:]
      if let existing = t[first], existing.table == nil { throw fail("key '\(first)' is not a table") }
      try insert(&sub, Array(path.dropFirst()), v, mergeTable: mergeTable)
      t[first] = .table(sub)
    }
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
