import TerminalRender
import SegmentationCore

/// The command palette: fuzzy search over commands; `view EXPR`, `save NAME`, `tag T`, `hide CLASS`
/// take arguments; anything that is not a command runs as a view expression.
public enum Palette {
  /// Argument verbs and the command they run.
  static let verbs: [String: CommandID] = [
    "view": .viewSet, "filter": .viewSet, "save": .viewSave, "tag": .tagAdd, "hide": .sampleHideClass, "eval": .runEvaluate,
  ]
  .merging(TriageCommands.verbs) { a, _ in a }.merging(SuspectCommands.verbs) { a, _ in a }.merging(CurationCommands.verbs) { a, _ in a }.merging(
    SliceCommands.verbs
  ) { a, _ in a }.merging(
    ModelCommands.verbs
  ) { a, _ in a }

  /// The palette words of each command (`mistakes` runs suspects.find).
  static let wordsByCommand: [CommandID: [String]] = Dictionary(grouping: verbs.keys, by: { verbs[$0]! }).mapValues { $0.sorted() }

  static func open(_ s: inout AppState, prefill: String) {
    s.paletteState.isOpen = true
    s.paletteState.input = prefill
    s.paletteState.cursor = prefill.count
    s.paletteState.selection = 0
    s.paletteState.historyIndex = nil
    s.paletteState.error = nil
  }

  /// Commands matching the input, best first.
  public static func matches(_ s: AppState) -> [(Command, Double)] {
    let q = s.paletteState.input.trimmingCharacters()
    if let verb = q.split(separator: " ").first, verbs[String(verb)] != nil, q.contains(" ") { return [] }
    // A command is found by its title, its id and the palette words that run it (`mistakes`).
    return CommandRegistry.all.compactMap { c -> (Command, Double)? in
      guard c.id != .appPalette else { return nil }
      let names = [c.title, c.id.rawValue] + (wordsByCommand[c.id] ?? [])
      let score = names.map { FuzzyMatch.score(q, $0) ?? -1 }.max() ?? -1
      return score < 0 ? nil : (c, score)
    }.sorted { $0.1 > $1.1 }
  }

  static func key(_ s: inout AppState, _ key: Key, keymap: Keymap) -> [Effect] {
    var p = s.paletteState
    defer { s.paletteState = p }
    switch key {
    case .escape, .ctrl("c"):
      p.isOpen = false
    case .enter:
      let text = p.input.trimmingCharacters()
      let found = matches(s)
      p.isOpen = false
      if text.isEmpty { return [] }
      if !p.history.contains(text) { p.history.append(text) }
      let words = text.split(separator: " ", maxSplits: 1).map(String.init)
      if let verb = words.first, let id = verbs[verb] {
        s.paletteState = p
        return Reducer.reduce(&s, .commandInvoked(id, words.count > 1 ? [words[1]] : []))
      }
      if found.indices.contains(p.selection), found[p.selection].1 >= 0.5 {
        let cmd = found[p.selection].0
        s.paletteState = p
        return Reducer.reduce(&s, .commandInvoked(cmd.id, []))
      }
      // A first word that is a plain word, in a text that is no view expression, is a mistyped
      // command: say so, with the nearest palette word.
      if let verb = words.first, verb.allSatisfy({ $0.isLetter || $0 == "-" }), (try? ViewExpression.parse(text)) == nil {
        let nearest = verbs.keys.map { ($0, Self.distance(verb.lowercased(), $0)) }.min { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }
        let hint = nearest.flatMap { $0.1 <= max(2, verb.count / 3) ? " — did you mean \($0.0)?" : nil } ?? " (: lists the commands)"
        s.paletteState = p
        Reducer.setStatus(&s, "unknown command '\(Sanitize.forTerminal(verb))'\(hint)", error: true)
        return []
      }
      // Not a command: a view expression.
      s.paletteState = p
      return Reducer.reduce(&s, .commandInvoked(.viewSet, [text]))
    case .backspace:
      if p.cursor > 0 {
        let i = p.input.index(p.input.startIndex, offsetBy: p.cursor - 1)
        p.input.remove(at: i)
        p.cursor -= 1
      }
      p.selection = 0
    case .left: p.cursor = max(0, p.cursor - 1)
    case .right: p.cursor = min(p.input.count, p.cursor + 1)
    case .home, .ctrl("a"): p.cursor = 0
    case .end, .ctrl("e"): p.cursor = p.input.count
    case .ctrl("u"):
      p.input = ""
      p.cursor = 0
    case .tab:
      // Tab completes the word under the cursor when there is a completion, else moves the selection.
      if let first = completions(s).first {
        var words = p.input.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
        words[words.count - 1] = first
        p.input = words.joined(separator: " ")
        p.cursor = p.input.count
      } else {
        p.selection = min(p.selection + 1, max(0, matches(s).count - 1))
      }
    case .down, .ctrl("n"): p.selection = min(p.selection + 1, max(0, matches(s).count - 1))
    case .up, .ctrl("p"):
      if p.selection > 0 {
        p.selection -= 1
      } else if !p.history.isEmpty {
        let i = max(0, (p.historyIndex ?? p.history.count) - 1)
        p.historyIndex = i
        p.input = p.history[i]
        p.cursor = p.input.count
      }
    case .char(let c):
      let i = p.input.index(p.input.startIndex, offsetBy: p.cursor)
      p.input.insert(c, at: i)
      p.cursor += 1
      p.selection = 0
    default:
      break
    }
    return []
  }

  /// Levenshtein distance (for "did you mean").
  static func distance(_ a: String, _ b: String) -> Int {
    let x = Array(a), y = Array(b)
    guard !x.isEmpty, !y.isEmpty else { return max(x.count, y.count) }
    var row = Array(0...y.count)
    for i in 1...x.count {
      var next = [i] + [Int](repeating: 0, count: y.count)
      for j in 1...y.count { next[j] = min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (x[i - 1] == y[j - 1] ? 0 : 1)) }
      row = next
    }
    return row[y.count]
  }

  /// Completions for the word under the cursor: view keywords, then after `class:`, `has:`,
  /// `sort:` or `split=` the class names, fields, sort keys or splits that start with what is typed.
  public static func completions(_ s: AppState) -> [String] {
    let word = String(s.paletteState.input.split(separator: " ", omittingEmptySubsequences: false).last ?? "")
    guard !word.isEmpty else { return [] }
    let quote = { (n: String) in n.contains(" ") ? "'\(n)'" : n }
    let metrics = s.runs.flatMap { ["miou(\($0.key))", "acc(\($0.key))"] } + ["path", "width", "height"] + s.classNames.map { "pixels(\(quote($0)))" }
    let heads: [(String, [String])] = [
      ("class:", s.classNames.map(quote)), ("has:", s.fields), ("sort:-", metrics), ("sort:", metrics),
      ("split=", ["train", "val", "test"]), ("view:", []),
    ]
    for (head, options) in heads where word.hasPrefix(head) {
      let tail = String(word.dropFirst(head.count).lowercased().filter { $0 != "'" })
      return options.filter { String($0.lowercased().filter { $0 != "'" }).hasPrefix(tail) && head + $0 != word }.prefix(6).map { head + $0 }
    }
    let keywords =
      ["split=", "tag:", "has:", "class:", "path~", "sort:", "limit:", "skip:", "view:", "not"] + s.runs.flatMap { ["miou(\($0.key))<", "acc(\($0.key))<"] }
    return keywords.filter { $0.hasPrefix(word) && $0 != word }.prefix(6).map { $0 }
  }
}

extension String {
  func trimmingCharacters() -> String {
    String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
  }
}
