/// The recursive-descent reader behind `TOMLSubset.parse`, bounded in depth and key parts.
extension TOMLSubset {
  struct Parser {
    let s: [Unicode.Scalar]
    var i = 0
    var line = 1
    /// Arrays and inline tables open around the value being read.
    var depth = 0

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
      let root = TableBuilder()
      var path: [String] = []
      while true {
        skipBlank()
        if atEnd { return root.entries }
        if s[i] == "[" {
          i += 1
          if !atEnd && s[i] == "[" {
            // [[name]]: a new table at the end of the array `name`; the keys below go into it.
            i += 1
            path = try keyPath(until: "]")
            i += 1
            guard !atEnd && s[i] == "]" else { throw fail("expected ']]'") }
            i += 1
            try endOfLine()
            try appendTable(root, path)
            continue
          }
          path = try keyPath(until: "]")
          i += 1
          try endOfLine()
          try insert(root, path, nil, mergeTable: true)
          continue
        }
        let key = try keyPath(until: "=")
        i += 1
        skipSpaces()
        let v = try value()
        try insert(root, path + key, v, mergeTable: false)
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
          guard parts.count < TOMLSubset.maxKeyParts else { throw fail("a dotted key of more than \(TOMLSubset.maxKeyParts) parts") }
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
          out += try escape()
        } else {
          out.unicodeScalars.append(c)
        }
      }
    }

    /// Whether the next three characters are `q`.
    func triple(_ q: Unicode.Scalar) -> Bool { i + 2 < s.count && s[i] == q && s[i + 1] == q && s[i + 2] == q }

    /// A multi-line string: `"""..."""` (escapes, a backslash at a line end joins lines) or
    /// `'''...'''` (as written). A newline right after the opening quotes is dropped.
    mutating func multiline(_ q: Unicode.Scalar) throws(TOMLError) -> String {
      i += 3
      if !atEnd && s[i] == "\r" { i += 1 }
      if !atEnd && s[i] == "\n" {
        i += 1
        line += 1
      }
      var out = ""
      while true {
        guard !atEnd else { throw fail("unterminated multi-line string") }
        if triple(q) {
          i += 3
          // Up to two more quotes belong to the string (""""a""""" ends with a quote).
          while !atEnd && s[i] == q && out.unicodeScalars.count < Int.max {
            out.unicodeScalars.append(q)
            i += 1
          }
          return out
        }
        let c = s[i]
        i += 1
        if c == "\n" { line += 1 }
        if c == "\\" && q == "\"" {
          guard !atEnd else { throw fail("unterminated multi-line string") }
          let e = s[i]
          if e == "\n" || e == " " || e == "\t" || e == "\r" {
            // A line-ending backslash: drop the newline and the blanks that follow.
            while !atEnd && (s[i] == " " || s[i] == "\t" || s[i] == "\r" || s[i] == "\n") {
              if s[i] == "\n" { line += 1 }
              i += 1
            }
            continue
          }
          i -= 1
          out += try escape()
          continue
        }
        out.unicodeScalars.append(c)
      }
    }

    /// One escape after a backslash (the backslash already read, `i` at the letter).
    mutating func escape() throws(TOMLError) -> String {
      guard !atEnd else { throw fail("unterminated string") }
      let e = s[i]
      i += 1
      switch e {
      case "n": return "\n"
      case "t": return "\t"
      case "r": return "\r"
      case "b": return "\u{8}"
      case "f": return "\u{C}"
      case "\\": return "\\"
      case "\"": return "\""
      case "u", "U":
        let n = e == "u" ? 4 : 8
        guard i + n <= s.count, let v = UInt32(String(String.UnicodeScalarView(s[i..<(i + n)])), radix: 16), let u = Unicode.Scalar(v) else {
          throw fail("bad \\\(e) escape")
        }
        i += n
        return String(Character(u))
      default: throw fail("unknown escape \\\(e)")
      }
    }

    mutating func value() throws(TOMLError) -> TOMLValue {
      guard !atEnd else { throw fail("expected a value") }
      let c = s[i]
      if c == "[" || c == "{" {
        guard depth < TOMLSubset.maxDepth else { throw fail("arrays or inline tables nested more than \(TOMLSubset.maxDepth) deep") }
        depth += 1
      }
      defer { if c == "[" || c == "{" { depth -= 1 } }
      if (c == "\"" || c == "'") && triple(c) { return .string(try multiline(c)) }
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
        let t = TableBuilder()
        skipSpaces()
        if !atEnd && s[i] == "}" {
          i += 1
          return .table([:])
        }
        while true {
          let k = try keyPath(until: "=")
          i += 1
          skipSpaces()
          try insert(t, k, try value(), mergeTable: false)
          skipSpaces()
          guard !atEnd else { throw fail("unterminated inline table") }
          if s[i] == "," {
            i += 1
            continue
          }
          guard s[i] == "}" else { throw fail("expected ',' or '}' in an inline table") }
          i += 1
          return .table(t.entries)
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
      for (prefix, radix) in [("0x", 16), ("0o", 8), ("0b", 2)] where digits.hasPrefix(prefix) {
        guard let n = Int(digits.dropFirst(2), radix: radix) else { throw fail("invalid value '\(word)'") }
        return .integer(n)
      }
      if let n = Int(digits) { return .integer(n) }
      switch digits {
      case "inf", "+inf": return .float(.infinity)
      case "-inf": return .float(-.infinity)
      case "nan", "+nan", "-nan": return .float(.nan)
      default: break
      }
      if let d = Double(digits), word.contains(".") || word.contains("e") || word.contains("E") { return .float(d) }
      // Dates and times (1979-05-27, 07:32:00, 1979-05-27T07:32:00Z, "1979-05-27 07:32:00"): their text.
      if word.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) || "-:.TtZz+".unicodeScalars.contains($0) }), word.contains("-") || word.contains(":") {
        var text = word
        if word.count == 10, i + 2 < s.count, s[i] == " ", ("0"..."9").contains(s[i + 1]) {
          var j = i + 1
          var time = ""
          while j < s.count, !" \t\r\n,]}#".unicodeScalars.contains(s[j]) {
            time.unicodeScalars.append(s[j])
            j += 1
          }
          if time.contains(":") {
            text += " " + time
            i = j
          }
        }
        return .string(text)
      }
      throw fail("invalid value '\(word)'")
    }

    /// `[[path]]`: appends an empty table to the array of tables at `path`.
    func appendTable(_ t: TableBuilder, _ path: [String]) throws(TOMLError) {
      guard let first = path.first else { return }
      if path.count == 1 {
        switch t.nodes[first] {
        case nil: t.nodes[first] = .tables(TableBuilder.TableList([TableBuilder()]))
        case .tables(let list)?:
          list.append(TableBuilder())
        default: throw fail("key '\(first)' is not an array of tables")
        }
        return
      }
      try appendTable(try descend(t, first), Array(path.dropFirst()))
    }

    /// The table at `key` (the last table of an array of tables), created if absent.
    func descend(_ t: TableBuilder, _ key: String) throws(TOMLError) -> TableBuilder {
      switch t.nodes[key] {
      case .table(let sub)?: return sub
      case .tables(let list)?:
        guard let last = list.items.last else { throw fail("key '\(key)' is not a table") }
        return last
      case nil:
        let sub = TableBuilder()
        t.nodes[key] = .table(sub)
        return sub
      case .value?: throw fail("key '\(key)' is not a table")
      }
    }

    /// Sets `path` to `v`, or with `mergeTable` (a `[table]` header, `v` nil) makes sure a table is there.
    func insert(_ t: TableBuilder, _ path: [String], _ v: TOMLValue?, mergeTable: Bool) throws(TOMLError) {
      guard let first = path.first else { return }
      if path.count == 1 {
        if let existing = t.nodes[first] {
          if mergeTable, case .table = existing { return }
          throw fail("key '\(first)' defined twice")
        }
        if let v {
          t.nodes[first] = .value(v)
        } else {
          t.nodes[first] = .table(TableBuilder())
        }
        return
      }
      try insert(try descend(t, first), Array(path.dropFirst()), v, mergeTable: mergeTable)
    }
  }

  /// A table while the document is read: reference types, so that every key goes in at the cost of
  /// its depth (nested value-type dictionaries would be copied on each change), turned into values
  /// once at the end.
  final class TableBuilder {
    enum Node {
      case value(TOMLValue)
      case table(TableBuilder)
      case tables(TableList)
    }
    var nodes: [String: Node] = [:]

    final class TableList {
      var items: [TableBuilder]
      init(_ items: [TableBuilder]) { self.items = items }
      func append(_ t: TableBuilder) { items.append(t) }
    }

    var entries: [String: TOMLValue] {
      nodes.mapValues { node in
        switch node {
        case .value(let v): return v
        case .table(let t): return .table(t.entries)
        case .tables(let list): return .array(list.items.map { .table($0.entries) })
        }
      }
    }
  }
}
