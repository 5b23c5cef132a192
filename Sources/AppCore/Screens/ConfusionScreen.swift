import SegmentationCore
import TerminalRender

/// The confusion matrix of the view as a heat map: rows ground truth, columns prediction.
enum ConfusionScreen {
  static func draw(_ s: AppState, _ area: Rect, _ b: inout Buffer, _ t: Theme) {
    guard let m = s.matrix else {
      b.putPadded(" no evaluation for this view", x: area.x, y: area.y + 1, width: area.width, style: t.style("ui.dim"))
      return
    }
    let k = m.classCount
    let labelW = min(14, max(6, area.width / 6))
    let cellW = max(3, min(7, (area.width - labelW - 2) / max(1, k + 1)))
    let (cr, cc) = s.confusionCursor
    // A short corner label; the full names of the cell under the cursor are on the bottom line.
    b.putPadded(" GT\\pred", x: area.x, y: area.y, width: labelW + 1, style: t.style("ui.header"))
    for p in 0..<(k + 1) {
      let name = p < k ? (s.classNames.indices.contains(p) ? s.classNames[p] : "\(p)") : "other"
      b.putPadded(
        Sanitize.forTerminal(name).padding(cellW - 1) + " ", x: area.x + labelW + 1 + p * cellW, y: area.y, width: cellW,
        style: p == cc ? t.style("ui.selection") : t.style("ui.header"))
    }
    for g in 0..<min(k, area.height - 3) {
      let y = area.y + 1 + g
      let name = s.classNames.indices.contains(g) ? s.classNames[g] : "\(g)"
      b.putPadded(" " + Sanitize.forTerminal(name), x: area.x, y: y, width: labelW + 1, style: g == cr ? t.style("ui.selection") : t.style("ui.header"))
      let row = m.rowSum(g)
      for p in 0..<(k + 1) {
        let v = m[g, p]
        let frac = row == 0 ? 0 : Double(v) / Double(row)
        let text: String
        if s.confusionNormalized {
          text = v == 0 ? "·" : (frac >= 0.995 ? "100" : (frac < 0.005 ? "<1" : String(Int((frac * 100).rounded()))))
        } else {
          text = v >= 1_000_000 ? "\(v / 1_000_000)M" : (v >= 10_000 ? "\(v / 1000)k" : String(v))
        }
        let bg = t.heat(g == p ? frac * 0.35 : min(1, frac * 2.5))
        var style = Style(fg: ColorQuantizer.luma(bg) > 140 ? RGB(0, 0, 0) : RGB(235, 235, 235), bg: bg)
        if g == cr && p == cc { style = t.style("ui.selection") }
        b.putPadded(text.leftPadding(cellW - 1) + " ", x: area.x + labelW + 1 + p * cellW, y: y, width: cellW, style: style)
      }
    }
    // The legend: what a cell's colour says.
    var x = area.x + 1
    let bg = t.style("ui").bg
    let lead = "colour: share of the ground-truth row, mistakes "
    b.put(lead, x: x, y: area.maxY - 2, style: t.style("ui.dim"))
    x += CharWidth.of(lead)
    for (label, frac) in [("5%", 0.05), ("20%", 0.2), ("40%+", 0.4)] where x < area.maxX - 12 {
      let cell = " \(label) "
      let colour = t.heat(min(1, frac * 2.5))
      b.put(cell, x: x, y: area.maxY - 2, style: Style(fg: ColorQuantizer.luma(colour) > 140 ? RGB(0, 0, 0) : RGB(235, 235, 235), bg: colour))
      x += CharWidth.of(cell) + 1
    }
    if x < area.maxX - 24 {
      let diag = t.heat(0.35)
      b.put(" correct ", x: x + 1, y: area.maxY - 2, style: Style(fg: ColorQuantizer.luma(diag) > 140 ? RGB(0, 0, 0) : RGB(235, 235, 235), bg: diag))
      b.put(" (diagonal, muted)", x: x + 10, y: area.maxY - 2, style: Style(fg: t.style("ui.dim").fg, bg: bg))
    }
    if cr < k, cc <= k {
      let gn = s.classNames.indices.contains(cr) ? s.classNames[cr] : "\(cr)"
      let pn = cc < k ? (s.classNames.indices.contains(cc) ? s.classNames[cc] : "\(cc)") : "a value outside the classes"
      b.putPadded(
        " GT \(Sanitize.forTerminal(gn)) predicted as \(Sanitize.forTerminal(pn)): \(m[cr, cc]) pixels (\(s.confusionNormalized ? "cells: % of the row" : "cells: pixels")) — Enter lists the samples with the most",
        x: area.x,
        y: area.maxY - 1, width: area.width, style: t.style("ui.header"))
    }
  }
}
