import SegmentationCore
import TerminalRender

/// Per-class metrics of the current view under the active run, with inline bars.
enum ClassTableScreen {
  static func sortedClasses(_ m: SemanticMetrics, _ s: AppState) -> [ClassMetrics] {
    // Classes absent from both ground truth and prediction say "n/a" everywhere: hidden unless asked.
    let c = s.showAllClasses ? m.classes : m.classes.filter { $0.gtPixels + $0.predPixels > 0 }
    func key(_ x: ClassMetrics) -> Double {
      switch s.classSort {
      case .id: return Double(x.classId)
      case .iou: return x.iou.isNaN ? 2 : x.iou
      case .dice: return x.dice.isNaN ? 2 : x.dice
      case .precision: return x.precision.isNaN ? 2 : x.precision
      case .recall: return x.recall.isNaN ? 2 : x.recall
      case .gtPixels: return -Double(x.gtPixels)
      }
    }
    return c.sorted { key($0) < key($1) || (key($0) == key($1) && $0.classId < $1.classId) }
  }

  static func draw(_ s: AppState, _ area: Rect, _ b: inout Buffer, _ t: Theme) {
    guard let m = s.metrics else {
      b.putPadded(
        " no evaluation for this view (segscope eval PATH --pred FIELD, then R)", x: area.x, y: area.y + 1, width: area.width, style: t.style("ui.dim"))
      return
    }
    let compact = area.width < 70
    let nameW = compact ? 12 : 16
    let header = compact ? "   IoU  Prec   Rec  " : "   IoU  Dice  Prec Recall      GT px    pred px  "
    let barW = max(0, area.width - nameW - header.count - 2)
    b.putPadded(
      " " + "class (sort: \(s.classSort.rawValue))".padding(nameW) + header + "IoU", x: area.x, y: area.y, width: area.width, style: t.style("ui.header"))
    let rows = sortedClasses(m, s)
    let visible = area.height - 3
    let first = max(0, min(s.classCursor - visible + 1, rows.count - visible))
    for (i, c) in rows.enumerated().dropFirst(max(0, first)).prefix(max(0, visible)) {
      let y = area.y + 1 + i - max(0, first)
      let selected = i == s.classCursor
      let style = selected ? t.style("ui.selection") : t.style("ui")
      let name = s.classNames.indices.contains(c.classId) ? Sanitize.forTerminal(s.classNames[c.classId]) : "class \(c.classId)"
      var line = " " + name.padding(nameW)
      if compact {
        line += [c.iou, c.precision, c.recall].map { AppView.pct($0).leftPadding(6) }.joined()
      } else {
        line += [c.iou, c.dice, c.precision].map { AppView.pct($0).leftPadding(6) }.joined() + AppView.pct(c.recall).leftPadding(7)
        line += String(c.gtPixels).leftPadding(11) + String(c.predPixels).leftPadding(11) + "  "
      }
      b.putPadded(line, x: area.x, y: y, width: area.width, style: style)
      // The bar keeps its own colours on the selected row: drawn in the selection's colours its
      // filled part would read as the empty one.
      let barStyle = c.iou < 0.5 ? t.style("ui.bar.bad") : t.style("ui.bar")
      b.putPadded(AppView.bar(c.iou, width: barW), x: area.x + 1 + nameW + header.count, y: y, width: barW, style: barStyle)
    }
    let hidden = m.classes.count - rows.count
    if hidden > 0, rows.count < visible {
      b.putPadded(
        " \(hidden) classes absent from ground truth and prediction are hidden (A shows them)", x: area.x, y: area.y + 1 + rows.count, width: area.width,
        style: t.style("ui.dim"))
    }
    let y = area.maxY - 1
    b.putPadded(
      " mIoU \(AppView.pct(m.mIoU))  aAcc \(AppView.pct(m.aAcc))  mAcc \(AppView.pct(m.mAcc))  fwIoU \(AppView.pct(m.fwIoU))  ·  \(m.dialect.policy)",
      x: area.x, y: y, width: area.width, style: t.style("ui.header"))
  }
}

extension String {
  func padding(_ n: Int) -> String {
    let w = CharWidth.of(self)
    if w > n { return String(prefix(max(0, n - 1))) + "…" }
    return self + String(repeating: " ", count: n - w)
  }
  func leftPadding(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
