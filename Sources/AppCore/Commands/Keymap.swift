import TerminalRender

/// Key bindings as data: defaults per screen (global ones under nil), overridable by command id.
public struct Keymap: Sendable {
  public var global: [Key: CommandID]
  public var perScreen: [Screen: [Key: CommandID]]

  /// The default bindings.
  public static let defaults = Keymap(
    global: [
      .char("q"): .appQuit, .ctrl("c"): .appQuit, .char("?"): .appHelp, .char(":"): .appPalette, .ctrl("p"): .appPalette,
      .char("1"): .screenSamples, .char("2"): .screenClasses, .char("3"): .screenConfusion, .char("4"): .screenRuns,
      .char("5"): .screenProblems, .char("6"): .screenFlags, .char("7"): .screenSuspects, .char("8"): .screenMap, .char("9"): .screenSlices, .up: .navUp,
      .char("k"): .navUp,
      .down: .navDown,
      .char("j"): .navDown,
      .left: .navLeft, .char("h"): .navLeft, .right: .navRight, .char("l"): .navRight,
      .pageUp: .navPageUp, .pageDown: .navPageDown, .home: .navHome, .char("g"): .navHome, .end: .navEnd, .char("G"): .navEnd,
      .enter: .navOpen, .escape: .navBack, .backspace: .navBack, .char("/"): .viewSet, .char("R"): .runNext, .char("w"): .viewWorst,
      .char("0"): .viewReset, .char("t"): .tagAdd, .char("x"): .jobCancel, .char("E"): .runEvaluate,
    ],
    perScreen: [
      .sample: [
        .char("n"): .sampleNext, .char("p"): .samplePrev, .tab: .samplePrediction, .char("v"): .sampleLayout,
        .char("f"): .samplePanel, .char("+"): .sampleAlphaUp, .char("="): .sampleAlphaUp, .char("-"): .sampleAlphaDown,
        .char("o"): .sampleOutlines, .char("i"): .sampleInspector, .char("e"): .sampleErrorClass,
        .char("z"): .sampleZoomIn, .char("Z"): .sampleZoomOut, .char("B"): .sampleBackground, .char("A"): .sampleAugment,
        .char("a"): .reviewOk, .char("r"): .reviewFix, .char("s"): .reviewSkip,
        .char("F"): .flagAdd, .char("b"): .flagAnchor, .char("L"): .maskRelabel, .char("u"): .maskUndo,
        .char("d"): .suspectDismiss, .char("]"): .suspectNext, .char("S"): .curateSimilar,
      ],
      .suspects: [
        .char("F"): .flagAdd, .char("L"): .maskRelabel, .char("u"): .maskUndo, .char("d"): .suspectDismiss, .char("s"): .suspectsRun,
      ],
      .flags: [.char("d"): .flagsFix, .char("X"): .flagsReject, .char("o"): .flagsReopen, .char("s"): .flagsState],
      .classes: [.char("s"): .classesSort, .char("A"): .classesAll],
      .samples: [
        .char("m"): .samplesGrid, .char("S"): .curateSimilar, .char("D"): .curateDuplicates, .char("U"): .curateUniqueness, .char("F"): .flagAdd,
        .char("a"): .reviewOk, .char("r"): .reviewFix,
        .char("s"): .reviewSkip,
      ],
      .confusion: [.char("n"): .confusionNormalize],
      .map: [.char("c"): .mapColour, .char("v"): .mapSelect],
      .slices: [.char("c"): .slicesToggle, .char("s"): .curateSlices, .char("C"): .curateClusters],
      .runs: [.char("c"): .runCompare, .char("W"): .runWorse],
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
