/// A cursor move the navigation keys ask for.
enum Move: Sendable, Equatable {
  case up, down, left, right, pageUp, pageDown, home, end

  /// `value` moved within 0..<count (`page` rows a page).
  func apply(_ value: inout Int, count: Int, page: Int) {
    switch self {
    case .up, .left: value -= 1
    case .down, .right: value += 1
    case .pageUp: value -= page
    case .pageDown: value += page
    case .home: value = 0
    case .end: value = count - 1
    }
    value = max(0, min(count - 1, value))
  }

  /// Moves along a row (left, right, home, end) rather than down a column.
  var isHorizontal: Bool {
    switch self {
    case .left, .right, .home, .end: true
    case .up, .down, .pageUp, .pageDown: false
    }
  }
}

/// The navigation keys on each screen: the cursor of what the screen lists.
enum Navigation {
  static func move(_ s: inout AppState, _ how: Move) -> [Effect] {
    let page = Reducer.listHeight(s)
    switch s.screen {
    case .sample where how == .left || how == .right:
      return Commands.run(&s, how == .left ? .samplePrev : .sampleNext, [], keymap: .defaults)
    case .samples where s.gridMode:
      let cols = GridLayout.columns(s)
      switch how {
      case .up: s.cursor -= cols
      case .down: s.cursor += cols
      case .left: s.cursor -= 1
      case .right: s.cursor += 1
      case .pageUp: s.cursor -= cols * GridLayout.rows(s)
      case .pageDown: s.cursor += cols * GridLayout.rows(s)
      case .home: s.cursor = 0
      case .end: s.cursor = s.viewIds.count - 1
      }
      s.cursor = max(0, min(s.viewIds.count - 1, s.cursor))
      Reducer.clampScroll(&s)
      return Commands.previewEffects(&s)
    case .samples, .sample:
      how.apply(&s.cursor, count: s.viewIds.count, page: page)
      Reducer.clampScroll(&s)
      return s.screen == .sample ? Commands.imageEffects(s) : Commands.previewEffects(&s)
    case .classes:
      how.apply(&s.classCursor, count: s.metrics.map { ClassTableScreen.sortedClasses($0, s).count } ?? s.classNames.count, page: page)
    case .confusion:
      let n = s.matrix?.classCount ?? 0
      if how.isHorizontal {
        how.apply(&s.confusionCursor.col, count: n, page: page)
      } else {
        how.apply(&s.confusionCursor.row, count: n, page: page)
      }
    case .runs:
      how.apply(&s.runsCursor, count: s.runs.count, page: page)
    case .help:
      how.apply(&s.helpScroll, count: CommandRegistry.all.count, page: page)
    case .problems:
      how.apply(&s.problemsCursor, count: s.problems.count, page: page)
    case .flags:
      how.apply(&s.flagsCursor, count: s.flags.count, page: page)
    case .suspects:
      how.apply(&s.suspects.cursor, count: s.suspects.entries.count, page: page)
    case .map:
      MapCommands.move(&s, how)
      return MapCommands.rowEffect(s)
    case .slices:
      return SliceCommands.move(&s, how)
    }
    return []
  }
}
