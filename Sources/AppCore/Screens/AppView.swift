import SegmentationCore
import TerminalRender

/// Draws the whole screen for a state. Pure: tests render states into buffers and compare text.
public enum AppView {
  public static func render(_ s: AppState, theme: Theme = .dark) -> Frame {
    var frame = Frame(buffer: Buffer(width: s.width, height: s.height, fill: Cell(" ", style: theme.style("ui"))))
    guard s.width >= 20, s.height >= 6 else {
      frame.buffer.putPadded("segscope: enlarge the terminal (at least 20x6)", x: 0, y: 0, width: s.width, style: theme.style("ui"))
      return frame
    }
    titleBar(s, &frame.buffer, theme)
    let body = Rect(x: 0, y: 1, width: s.width, height: s.height - 2)
    switch s.screen {
    case .samples:
      if s.gridMode { GridScreen.draw(s, body, &frame, theme) } else { SamplesScreen.draw(s, body, &frame, theme) }
    case .classes: ClassTableScreen.draw(s, body, &frame.buffer, theme)
    case .confusion: ConfusionScreen.draw(s, body, &frame.buffer, theme)
    case .sample: SampleScreen.draw(s, body, &frame, theme)
    case .runs: RunsScreen.draw(s, body, &frame.buffer, theme)
    case .help: HelpScreen.draw(s, body, &frame.buffer, theme)
    case .problems: ProblemsScreen.draw(s, body, &frame.buffer, theme)
    case .flags: FlagsScreen.draw(s, body, &frame.buffer, theme)
    case .suspects: SuspectsScreen.draw(s, body, &frame.buffer, theme)
    case .map: MapScreen.draw(s, body, &frame.buffer, theme)
    case .slices: SlicesScreen.draw(s, body, &frame, theme)
    }
    statusBar(s, &frame.buffer, theme)
    if s.paletteState.isOpen {
      PaletteOverlay.draw(s, &frame.buffer, theme)
      // A popup over pictures: they stay; the backend leaves the cells under it and redraws just
      // those when it closes.
      frame.occluders.append(PaletteOverlay.rect(s))
    }
    return frame
  }

  static func titleBar(_ s: AppState, _ b: inout Buffer, _ t: Theme) {
    let style = t.style("ui.titlebar")
    // The sample count and the run always show; the view and the dataset name give way (shortened
    // in the middle), then the program's name.
    var tail = ["\(s.viewIds.count)/\(s.totalSamples) samples"]
    if let r = s.activeRunSummary { tail.append("run: \(Sanitize.forTerminal(r.key)) (\(r.dialect.rawValue))") }
    if CharWidth.of(" segscope │ " + tail.joined(separator: " │ ")) > s.width {
      // Narrow: the same facts, in fewer words.
      tail = ["\(s.viewIds.count)/\(s.totalSamples)"]
      if let r = s.activeRunSummary { tail.append("run " + Sanitize.forTerminal(r.key)) }
    }
    let name = Sanitize.forTerminal(s.datasetName)
    let view = s.viewTitle.isEmpty ? nil : "view: " + Sanitize.forTerminal(s.viewTitle)
    let sep = " │ "
    func line(_ head: [String]) -> String { " " + (head + tail).joined(separator: sep) }
    // The first that fits: everything; the view shortened in the middle; without the program's
    // name; without the view; the dataset's name alone; nothing but the count and the run.
    var candidates: [[String]] = [["segscope", name] + (view.map { [$0] } ?? ["all samples"])]
    if let view {
      for head in [["segscope", name], [name]] {
        let room = s.width - CharWidth.of(line(head)) - CharWidth.of(sep)
        if room >= 12 { candidates.append(head + [Buffer.middleEllipsis(view, width: room)]) }
      }
    }
    candidates += [["segscope", name], [name], []]
    let head = candidates.first { CharWidth.of(line($0)) <= s.width } ?? []
    b.putPadded(line(head), x: 0, y: 0, width: s.width, style: style)
  }

  static func statusBar(_ s: AppState, _ b: inout Buffer, _ t: Theme) {
    let y = s.height - 1
    if let m = s.status {
      b.putPadded(" " + Sanitize.forTerminal(m), x: 0, y: y, width: s.width, style: t.style(s.statusIsError ? "ui.statusbar.error" : "ui.statusbar"))
      return
    }
    var text = " " + hints(s.screen).joined(separator: "  ")
    if let r = s.review, s.screen == .sample || s.screen == .samples {
      text = " review \(Sanitize.forTerminal(r.queue)): \(r.progress(s.viewIds))  a ok  r fix  s skip  n/p"
    }
    let jobs = s.jobs.values.sorted { $0.title < $1.title }.map { "\($0.title) \($0.done)/\($0.total)" }
    if s.viewLoading { text = " loading view…  " + text }
    if !jobs.isEmpty { text = " " + jobs.joined(separator: "  ") + "  │" + text }
    b.putPadded(text, x: 0, y: y, width: s.width, style: t.style("ui.statusbar"))
  }

  static func hints(_ screen: Screen) -> [String] {
    let common = ["1-9 screens", ": palette", "/ filter", "? keys", "q quit"]
    switch screen {
    case .samples: return ["Enter open", "m grid/list", "w worst first", "R run"] + common
    case .classes: return ["Enter worst samples", "s sort"] + common
    case .confusion: return ["Enter samples of cell", "n counts/%"] + common
    case .sample: return ["n/p step", "Tab prediction", "v layout", "i inspect", "F flag", "L relabel", "u undo", "e errors", "Esc back"]
    case .flags: return ["Enter open", "d fixed", "X rejected", "o reopen", "s state"] + common
    case .suspects: return ["Enter open", "L relabel", "F flag", "d label is right", "u undo", "s run"] + common
    case .map: return ["arrows move", "Enter open", "c colour", "v select", ": map CLASS"] + common
    case .slices: return ["Enter view", "c clusters/slices", "s slices", "C clusters", "x cancel"] + common
    case .runs: return ["Enter make active", "c compare", "W got worse"] + common
    case .help, .problems: return ["Esc back"] + common
    }
  }

  /// `0.873` -> `87.3`, NaN -> `n/a`.
  public static func pct(_ v: Double?) -> String {
    v.map(OneDecimal.percent) ?? "n/a"
  }

  static func bar(_ v: Double, width: Int) -> String {
    guard !v.isNaN, width > 0 else { return String(repeating: " ", count: max(0, width)) }
    let eighths = Int((max(0, min(1, v)) * Double(width * 8)).rounded())
    let blocks = ["", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
    return String(repeating: "█", count: eighths / 8) + blocks[eighths % 8]
      + String(repeating: " ", count: max(0, width - eighths / 8 - (eighths % 8 > 0 ? 1 : 0)))
  }
}
