import SegmentationCore
import TerminalRender

/// Evaluation runs.
enum RunsScreen {
  static func draw(_ s: AppState, _ area: Rect, _ b: inout Buffer, _ t: Theme) {
    b.putPadded(
      "   run             prediction        ground truth   dialect       created", x: area.x, y: area.y, width: area.width, style: t.style("ui.header"))
    if s.runs.isEmpty && s.otherRuns.isEmpty {
      b.putPadded(" no runs yet: segscope eval PATH --pred FIELD", x: area.x, y: area.y + 2, width: area.width, style: t.style("ui.dim"))
    }
    // Instance and panoptic runs: their numbers, read-only (views sort by fp(RUN), fn(RUN), tp(RUN)).
    var other = area.y + 1 + s.runs.count + (s.runs.isEmpty ? 0 : 1)
    if !s.otherRuns.isEmpty && other < area.maxY - 2 {
      b.putPadded(" instance and panoptic runs (views: sort:-fp(RUN), fn(RUN)>0)", x: area.x, y: other, width: area.width, style: t.style("ui.header"))
      other += 1
      for r in s.otherRuns where other < area.maxY - 2 {
        // A panoptic run's prediction is a file: its name is enough here.
        let pred = String(Sanitize.forTerminal(r.predField.split(separator: "/").last.map(String.init) ?? r.predField).prefix(17))
        let line = "   " + String(Sanitize.forTerminal(r.key).prefix(15)).padding(16) + pred.padding(18) + r.kind.padding(13) + r.headline + "   " + r.createdAt
        b.putPadded(line, x: area.x, y: other, width: area.width, style: t.style("ui"))
        other += 1
      }
    }
    for (i, r) in s.runs.enumerated() where i < area.height - 2 {
      let mark = (i == s.activeRun ? "●" : " ") + (i == s.compareRun ? "◆" : " ")
      let line =
        " " + mark + Sanitize.forTerminal(r.key).padding(16) + Sanitize.forTerminal(r.predField).padding(18) + Sanitize.forTerminal(r.gtField).padding(15)
        + r.dialect.rawValue.padding(14) + r.createdAt
      b.putPadded(line, x: area.x, y: area.y + 1 + i, width: area.width, style: i == s.runsCursor ? t.style("ui.selection") : t.style("ui"))
    }
    b.putPadded(
      " ● active run (its numbers fill the class table and the badges)   ◆ compared run", x: area.x, y: area.maxY - 1, width: area.width,
      style: t.style("ui.dim"))
    // Per-class comparison of the two runs on the samples both evaluated in the current view: the
    // numbers `segscope runs PATH --compare A B` prints for them, changes read B - A.
    guard let paired = s.comparison, let ra = s.activeRunSummary, ra.key == paired.a, let ci = s.compareRun, s.runs.indices.contains(ci),
      s.runs[ci].key == paired.b, paired.matrixA.classCount == paired.matrixB.classCount
    else { return }
    let ma = SemanticMetrics(matrix: paired.matrixA, dialect: ra.dialect.metric ?? .mmseg),
      mb = SemanticMetrics(matrix: paired.matrixB, dialect: ra.dialect.metric ?? .mmseg)
    var y = max(area.y + s.runs.count + 2, other + 1)
    guard y < area.maxY - 2 else { return }
    func signed(_ d: Double) -> String { d.isNaN ? "" : OneDecimal.signedPercent(d) }
    b.putPadded(
      " class         " + String(Sanitize.forTerminal(paired.a).prefix(9)).leftPadding(9) + " "
        + String(Sanitize.forTerminal(paired.b).prefix(9)).leftPadding(9)
        + "  B - A   on \(paired.samples) samples both evaluated", x: area.x, y: y, width: area.width, style: t.style("ui.header"))
    y += 1
    for c in 0..<paired.matrixA.classCount where y < area.maxY - 2 {
      let d = mb.classes[c].iou - ma.classes[c].iou
      let name = s.classNames.indices.contains(c) ? s.classNames[c] : "\(c)"
      b.putPadded(
        " " + Sanitize.forTerminal(name).padding(13) + AppView.pct(ma.classes[c].iou).leftPadding(9) + " " + AppView.pct(mb.classes[c].iou).leftPadding(9)
          + "  " + signed(d).leftPadding(6), x: area.x, y: y, width: area.width, style: d < -0.0005 ? t.style("ui.bar.bad") : t.style("ui"))
      y += 1
    }
    if y < area.maxY - 1 {
      b.putPadded(
        " mIoU         " + AppView.pct(ma.mIoU).leftPadding(9) + " " + AppView.pct(mb.mIoU).leftPadding(9) + "  " + signed(mb.mIoU - ma.mIoU).leftPadding(6)
          + "   (W: the samples that got worse; runs PATH --compare A B adds intervals)", x: area.x, y: y, width: area.width,
        style: t.style("ui.header"))
    }
  }
}

/// Every command with its keys, generated from the registry and the keymap.
enum HelpScreen {
  static func draw(_ s: AppState, _ area: Rect, _ b: inout Buffer, _ t: Theme) {
    b.putPadded(" key bindings (from the command registry; override them in config.toml)", x: area.x, y: area.y, width: area.width, style: t.style("ui.header"))
    let cmds = CommandRegistry.all
    for (i, c) in cmds.enumerated().dropFirst(s.helpScroll).prefix(max(0, area.height - 1)) {
      let y = area.y + 1 + i - s.helpScroll
      // Each key once, and where it works when that is not everywhere (A adds classes on the class
      // table and previews an augmentation on a sample).
      let bindings = s.keymap.bindings(for: c.id)
      let keys = bindings.map(\.key.description).joined(separator: " ")
      let screens = Array(Set(bindings.flatMap(\.screens))).sorted { $0.rawValue < $1.rawValue }
      let place = screens.isEmpty || bindings.contains(where: { $0.screens.isEmpty }) ? "" : " [" + screens.map(\.rawValue).joined(separator: ", ") + "]"
      let disabled = c.disabledReason(s).map { "  (unavailable: \($0))" } ?? ""
      b.putPadded(" " + keys.padding(16), x: area.x, y: y, width: 17, style: t.style("ui.key"))
      b.putPadded(
        c.title.padding(26) + (place.isEmpty ? "" : String(place.dropFirst()) + " ") + c.doc + disabled, x: area.x + 17, y: y, width: area.width - 17,
        style: disabled.isEmpty ? t.style("ui") : t.style("ui.dim"))
    }
  }
}

/// Import and evaluation problems.
enum ProblemsScreen {
  static func draw(_ s: AppState, _ area: Rect, _ b: inout Buffer, _ t: Theme) {
    b.putPadded(
      " \(s.problems.count) problems found while importing and evaluating   Enter opens the sample", x: area.x, y: area.y, width: area.width,
      style: t.style("ui.header"))
    guard !s.problems.isEmpty else { return }
    // The selected line in full at the bottom, wrapped: long paths and messages are cut in the list.
    let selected = Sanitize.forTerminal(s.problems[min(s.problemsCursor, s.problems.count - 1)])
    let detail = wrap(selected, width: max(10, area.width - 2)).prefix(max(1, min(4, area.height / 3)))
    let listHeight = max(1, area.height - 2 - detail.count)
    let top = max(0, min(s.problemsCursor - listHeight / 2, s.problems.count - listHeight))
    for (i, p) in s.problems.enumerated().dropFirst(top).prefix(listHeight) {
      b.putPadded(
        " " + Sanitize.forTerminal(p), x: area.x, y: area.y + 1 + i - top, width: area.width,
        style: i == s.problemsCursor ? t.style("ui.selection") : t.style("ui"))
    }
    for (k, l) in detail.enumerated() {
      b.putPadded(" " + l, x: area.x, y: area.maxY - detail.count + k, width: area.width, style: t.style("ui.dim"))
    }
  }

  /// The file stem a problem line names ("data/a/b_0001.png: mask is..." -> "b_0001"), if any.
  static func stem(_ line: String) -> String? {
    guard let colon = line.range(of: ": ") else { return nil }
    let path = String(line[..<colon.lowerBound])
    let file = path.split(separator: "/").last.map(String.init) ?? path
    guard file.contains("."), !file.contains(" "), !file.contains("'") else { return nil }
    return String(file[..<file.lastIndex(of: ".")!])
  }

  /// Text cut into lines of at most `width` columns, at spaces where it can.
  static func wrap(_ text: String, width: Int) -> [String] {
    var lines: [String] = [], current = ""
    for word in text.split(separator: " ", omittingEmptySubsequences: false).map(String.init) {
      var w = word
      while CharWidth.of(w) > width {
        if !current.isEmpty {
          lines.append(current)
          current = ""
        }
        lines.append(String(w.prefix(width)))
        w = String(w.dropFirst(width))
      }
      if current.isEmpty {
        current = w
      } else if CharWidth.of(current) + 1 + CharWidth.of(w) <= width {
        current += " " + w
      } else {
        lines.append(current)
        current = w
      }
    }
    if !current.isEmpty { lines.append(current) }
    return lines
  }
}

/// The command palette popup.
enum PaletteOverlay {
  static func rect(_ s: AppState) -> Rect {
    let w = min(s.width - 4, 76), h = min(s.height - 4, 14)
    return Rect(x: (s.width - w) / 2, y: 2, width: w, height: h)
  }

  static func draw(_ s: AppState, _ b: inout Buffer, _ t: Theme) {
    let r = rect(s)
    let style = t.style("ui.palette")
    b.fill(r, style: style)
    let p = s.paletteState
    b.putPadded(" : " + p.input, x: r.x, y: r.y, width: r.width, style: style.patched(with: Style(attributes: .bold)))
    b.putPadded(" ", x: r.x + 3 + CharWidth.of(String(p.input.prefix(p.cursor))), y: r.y, width: 1, style: t.style("ui.selection"))
    let completions = Palette.completions(s)
    var y = r.y + 1
    if !completions.isEmpty {
      b.putPadded(
        "   complete: " + completions.joined(separator: "  "), x: r.x, y: y, width: r.width, style: t.style("ui.dim").patched(with: Style(bg: style.bg)))
      y += 1
    }
    let matches = Palette.matches(s)
    if matches.isEmpty {
      b.putPadded(
        "   Enter runs it as a command argument or a view: split=val class:car sort:miou(RUN)", x: r.x, y: y, width: r.width,
        style: t.style("ui.dim").patched(with: Style(bg: style.bg)))
    }
    for (i, (c, _)) in matches.prefix(r.maxY - y).enumerated() {
      let keys = s.keymap.keys(for: c.id).prefix(2).map(\.description).joined(separator: " ")
      let why = c.disabledReason(s)
      let line = "   " + c.title.padding(28) + keys.padding(12) + (why.map { "(\($0))" } ?? c.doc)
      let st = i == p.selection ? t.style("ui.selection") : (why == nil ? style : t.style("ui.dim").patched(with: Style(bg: style.bg)))
      b.putPadded(line, x: r.x, y: y + i, width: r.width, style: st)
    }
  }
}
