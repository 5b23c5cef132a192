import SegmentationCore
import TerminalRender

/// Region flags: state, sample, region, suggested class, author, note. Enter opens the sample.
enum FlagsScreen {
  static func draw(_ s: AppState, _ area: Rect, _ b: inout Buffer, _ t: Theme) {
    let header = " \(s.flags.count) flags  │ \(Sanitize.forTerminal(s.flagsFilter.text))  │ s state  : flags FILTER"
    b.putPadded(header, x: area.x, y: area.y, width: area.width, style: t.style("ui.header"))
    if s.flags.isEmpty {
      let why = s.flagsLoading ? " loading…" : " no flags match: F in the sample view flags the region under the inspector"
      b.putPadded(why, x: area.x, y: area.y + 2, width: area.width, style: t.style("ui.dim"))
      return
    }
    // Columns shrink with the terminal: the sample name and the note take what is left.
    let narrow = area.width < 70
    let listHeight = max(1, area.height - (narrow ? 2 : 3))
    let top = max(0, min(s.flagsCursor - listHeight / 2, s.flags.count - listHeight))
    for (i, f) in s.flags.enumerated().dropFirst(top).prefix(listHeight) {
      let y = area.y + 1 + i - top
      let selected = i == s.flagsCursor
      let name = Sanitize.forTerminal(f.path.split(separator: "/").last.map(String.init) ?? f.path)
      let cls = f.suggestedClass.map { "→ " + Sanitize.forTerminal($0) } ?? ""
      var line = " #\(f.id)".padding(6) + f.state.rawValue.padding(9)
      if narrow {
        line += name.padding(14) + cls
      } else {
        line +=
          name.padding(22) + Sanitize.forTerminal(f.region).padding(24) + cls.padding(14) + Sanitize.forTerminal(f.author).padding(10)
          + Sanitize.forTerminal(f.note)
      }
      let style = selected ? t.style("ui.selection") : (f.state == .open ? t.style("ui") : t.style("ui.dim"))
      b.putPadded(line, x: area.x, y: y, width: area.width, style: style)
    }
    // Details of the flag under the cursor.
    if let f = s.flags[safe: s.flagsCursor] {
      let detail =
        " \(Sanitize.forTerminal(f.path)) · \(Sanitize.forTerminal(f.region)) · by \(Sanitize.forTerminal(f.author)) \(f.createdAt)"
        + (f.note.isEmpty ? "" : " · \"\(Sanitize.forTerminal(f.note))\"")
      b.putPadded(detail, x: area.x, y: area.maxY - 1, width: area.width, style: t.style("ui.dim"))
    }
  }
}

/// How a review verdict shows in the list and the sample view.
enum ReviewMarks {
  /// One cell: ✓ ok, ✗ needs-fix, » skip, · none (… while it is being saved).
  static func glyph(_ r: ReviewSession, _ id: Int64) -> String {
    if r.pending[id] != nil { return "…" }
    switch r.verdicts[id] {
    case .ok: return "✓"
    case .needsFix: return "✗"
    case .skip: return "»"
    case nil: return "·"
    }
  }

  static func text(_ r: ReviewSession, _ id: Int64) -> String {
    if let p = r.pending[id] { return p.rawValue + ", saving…" }
    return r.verdicts[id]?.rawValue ?? "no verdict"
  }
}
