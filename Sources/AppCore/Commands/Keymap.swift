import TerminalRender

/// Key bindings as data: defaults per screen (global ones under nil), overridable by command id.
public struct Keymap: Sendable {
  public var global: [Key: CommandID]
  public var perScreen: [Screen: [Key: CommandID]]

  /// The default bindings.
  public static let defaults = Keymap(
    global: [
      .char("q"): "app.quit", .ctrl("c"): "app.quit", .char("?"): "app.help", .char(":"): "app.palette", .ctrl("p"): "app.palette",
      .char("1"): "screen.samples", .char("2"): "screen.classes", .char("3"): "screen.confusion", .char("4"): "screen.runs",
      .char("5"): "screen.problems", .char("6"): "screen.flags", .char("7"): "screen.suspects", .char("8"): "screen.map", .up: "nav.up", .char("k"): "nav.up",
      .down: "nav.down",
      .char("j"): "nav.down",
      .left: "nav.left", .char("h"): "nav.left", .right: "nav.right", .char("l"): "nav.right",
      .pageUp: "nav.pageUp", .pageDown: "nav.pageDown", .home: "nav.home", .char("g"): "nav.home", .end: "nav.end", .char("G"): "nav.end",
      .enter: "nav.open", .escape: "nav.back", .backspace: "nav.back", .char("/"): "view.set", .char("R"): "run.next", .char("w"): "view.worst",
      .char("0"): "view.reset", .char("t"): "tag.add", .char("x"): "job.cancel", .char("E"): "run.evaluate",
    ],
    perScreen: [
      .sample: [
        .char("n"): "sample.next", .char("p"): "sample.prev", .tab: "sample.prediction", .char("v"): "sample.layout",
        .char("f"): "sample.panel", .char("+"): "sample.alphaUp", .char("="): "sample.alphaUp", .char("-"): "sample.alphaDown",
        .char("o"): "sample.outlines", .char("i"): "sample.inspector", .char("e"): "sample.errorClass",
        .char("z"): "sample.zoomIn", .char("Z"): "sample.zoomOut", .char("B"): "sample.background", .char("A"): "sample.augment",
        .char("a"): "review.ok", .char("r"): "review.fix", .char("s"): "review.skip",
        .char("F"): "flag.add", .char("b"): "flag.anchor", .char("L"): "mask.relabel", .char("u"): "mask.undo",
        .char("d"): "suspect.dismiss", .char("]"): "suspect.next", .char("S"): "curate.similar",
      ],
      .suspects: [
        .char("F"): "flag.add", .char("L"): "mask.relabel", .char("u"): "mask.undo", .char("d"): "suspect.dismiss", .char("s"): "suspects.run",
      ],
      .flags: [.char("d"): "flags.fix", .char("X"): "flags.reject", .char("o"): "flags.reopen", .char("s"): "flags.state"],
      .classes: [.char("s"): "classes.sort", .char("A"): "classes.all"],
      .samples: [
        .char("m"): "samples.grid", .char("S"): "curate.similar", .char("D"): "curate.duplicates", .char("U"): "curate.uniqueness", .char("F"): "flag.add",
        .char("a"): "review.ok", .char("r"): "review.fix",
        .char("s"): "review.skip",
      ],
      .confusion: [.char("n"): "confusion.normalize"],
      .map: [.char("c"): "map.colour", .char("v"): "map.select"],
      .runs: [.char("c"): "run.compare", .char("W"): "run.worse"],
    ])

  /// The command a key runs on a screen.
  public func command(for key: Key, on screen: Screen) -> CommandID? {
    perScreen[screen]?[key] ?? global[key]
  }

  /// Keys bound to a command (for the palette and `?`), each once.
  public func keys(for id: CommandID) -> [Key] { bindings(for: id).map(\.key) }

  /// Each key bound to a command, once, with the screens where it runs it (empty: everywhere).
  public func bindings(for id: CommandID) -> [(key: Key, screens: [Screen])] {
    var screens: [Key: [Screen]] = [:]
    var everywhere: Set<Key> = []
    for (key, command) in global where command == id { everywhere.insert(key) }
    for (screen, m) in perScreen {
      for (key, command) in m where command == id && !everywhere.contains(key) { screens[key, default: []].append(screen) }
    }
    let keys = everywhere.union(screens.keys).sorted { $0.description < $1.description }
    return keys.map { ($0, everywhere.contains($0) ? [] : (screens[$0] ?? []).sorted { $0.rawValue < $1.rawValue }) }
  }

  /// Rebinds a command (user configuration): the key now runs it everywhere.
  public mutating func bind(_ key: Key, to id: CommandID) {
    for s in perScreen.keys { perScreen[s]?[key] = nil }
    global[key] = id
  }
}

/// Fuzzy matching for the palette: every query character in order, scored 0...1 (contiguous and
/// word-start matches score higher).
public enum FuzzyMatch {
  public static func score(_ query: String, _ text: String) -> Double? {
    let q = Array(query.lowercased()), t = Array(text.lowercased())
    if q.isEmpty { return 0.5 }
    var qi = 0, score = 0.0, last = -2
    for (i, c) in t.enumerated() where qi < q.count && c == q[qi] {
      score += (i == last + 1) ? 2 : ((i == 0 || t[i - 1] == " " || t[i - 1] == ".") ? 1.5 : 1)
      last = i
      qi += 1
    }
    guard qi == q.count else { return nil }
    return min(1, score / Double(2 * q.count))
  }
}
