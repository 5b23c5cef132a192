import Testing

@testable import TOML

@Suite("TOML 1.0 without a library")
struct TOMLTests {
  @Test("TOML 1.0 without a library: every construct, errors name the line")
  func toml() throws {
    let t = try TOMLSubset.parse(
      """
      # comment
      a = "x\\ty" # trailing
      b = 'lit\\eral'
      n = 1_000
      f = 0.5
      yes = true
      arr = [1, 2,
        3,]
      [tab.sub]
      k = { x = 1, y = "z" }
      """)
    #expect(t["a"] == .string("x\ty") && t["b"] == .string("lit\\eral") && t["n"] == .integer(1000) && t["f"] == .float(0.5))
    #expect(t["yes"] == .bool(true) && t["arr"] == .array([.integer(1), .integer(2), .integer(3)]))
    #expect(t["tab"]?.table?["sub"]?.table?["k"]?.table?["y"] == .string("z"))
    do {
      _ = try TOMLSubset.parse("a = 1\na = 2\n")
      Issue.record("duplicate key accepted")
    } catch {
      #expect(error.line == 2)
    }
    #expect(throws: TOMLError.self) { try TOMLSubset.parse("x = [1, 2") }
    // The rest of TOML 1.0: dotted keys, arrays of tables, multi-line strings, dates, other integers.
    let doc = [
      "site.name = \"x\"", "[[runs]]", "key = \"a\"", "[[runs]]", "key = \"b\"", "when = 1979-05-27T07:32:00Z", "day = 1979-05-27 07:32:00",
      "text = \"\"\"", "two", "lines\"\"\"", "raw = '''C:\\x", "'''", "hex = 0xff", "big = 1e3", "neg = -inf", "esc = \"\\u00e9\\U0001F600\"",
    ].joined(separator: "\n")
    let full = try TOMLSubset.parse(doc)
    #expect(full["site"]?.table?["name"] == .string("x"))
    let runs = full["runs"]?.array ?? []
    #expect(runs.count == 2 && runs[0].table?["key"] == .string("a") && runs[1].table?["key"] == .string("b"))
    #expect(runs[1].table?["when"] == .string("1979-05-27T07:32:00Z") && runs[1].table?["day"] == .string("1979-05-27 07:32:00"))
    #expect(runs[1].table?["text"] == .string("two\nlines") && runs[1].table?["raw"] == .string("C:\\x\n"))
    #expect(runs[1].table?["hex"] == .integer(255) && runs[1].table?["big"] == .float(1000) && runs[1].table?["neg"] == .float(-.infinity))
    #expect(runs[1].table?["esc"] == .string("é😀"))
    // A table header with a character no key may start with is a syntax error naming its line
    // (TOMLKit 0.6.0's toml++ aborts the process on it, which is why segscope keeps its own parser).
    do {
      _ = try TOMLSubset.parse("theme = \"x\"\n[/keys]\n")
      Issue.record("accepted [/keys]")
    } catch {
      #expect(error.line == 2)
    }
  }
}

@Suite("TOML bounds: depth, dotted keys, size")
struct TOMLBoundsTests {
  func refused(_ text: String, _ words: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(sourceLocation: sourceLocation) {
      _ = try TOMLSubset.parse(text)
    } throws: { "\($0)".contains(words) }
  }

  @Test("arrays and inline tables nested 40,000 deep are an error, not a stack overflow; 64 levels still parse")
  func depth() throws {
    refused("x = " + String(repeating: "[", count: 40_000) + String(repeating: "]", count: 40_000) + "\n", "nested more than 64 deep")
    refused("x = " + String(repeating: "{a = ", count: 5_000) + "1" + String(repeating: "}", count: 5_000) + "\n", "nested more than 64 deep")
    let ok = try TOMLSubset.parse("x = " + String(repeating: "[", count: 64) + "1" + String(repeating: "]", count: 64) + "\n")
    var v = try #require(ok["x"])
    for _ in 0..<64 { v = try #require(v.array?.first) }
    #expect(v == .integer(1))
  }

  @Test("a key of 50,000 dotted parts is an error; 64 parts still parse")
  func keyParts() throws {
    refused("a" + String(repeating: ".a", count: 49_999) + " = 1\n", "a dotted key of more than 64 parts")
    refused("[" + "a" + String(repeating: ".a", count: 999) + "]\n", "a dotted key of more than 64 parts")
    let ok = try TOMLSubset.parse("a" + String(repeating: ".a", count: 63) + " = 1\n")
    var v: TOMLValue = .table(ok)
    for _ in 0..<64 { v = try #require(v.table?["a"]) }
    #expect(v == .integer(1))
  }

  @Test("a file over 1 MiB is refused before parsing; 20,000 dotted keys and 5,000 [[tables]] in a smaller one all arrive")
  func sizeAndMany() throws {
    refused(String(repeating: "# padding\n", count: 110_000), "segscope reads TOML files of at most 1 MiB")
    let keys = try TOMLSubset.parse((0..<20_000).map { "t.k\($0) = \($0)\n" }.joined())
    #expect(keys["t"]?.table?.count == 20_000 && keys["t"]?.table?["k19999"] == .integer(19_999))
    let tables = try TOMLSubset.parse((0..<5_000).map { "[[transform]]\nname = \"F\"\n[transform.x]\nk = \($0)\n" }.joined())
    let list = try #require(tables["transform"]?.array)
    #expect(list.count == 5_000 && list[4_999].table?["x"]?.table?["k"] == .integer(4_999))
  }

  @Test("tables stay TOML: a key defined twice, a value used as a table and [[a]] over a value are errors")
  func structure() {
    refused("a = 1\n[a]\n", "defined twice")
    refused("a = 1\na.b = 2\n", "key 'a' is not a table")
    refused("a = 1\n[[a]]\n", "key 'a' is not an array of tables")
    refused("[t]\nx = 1\n[t]\ny = 2\nx = 3\n", "defined twice")
  }
}
