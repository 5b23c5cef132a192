import SegmentationCore
import TerminalRender

/// The sample list of the current view, with a preview of the sample under the cursor.
enum SamplesScreen {
  static func draw(_ s: AppState, _ area: Rect, _ frame: inout Frame, _ t: Theme) {
    let listWidth = area.width >= 70 ? min(64, area.width * 11 / 20) : area.width
    let (list, preview) = area.splitLeft(listWidth)
    var b = frame.buffer
    let header = t.style("ui.header")
    let showsChanges = !s.viewChanges.isEmpty
    let metricName =
      showsChanges ? "mIoU change" : s.activeRunSummary.map { "mIoU " + $0.key } ?? s.instanceRunKey.map { _ in "TP/FP/FN" } ?? "mIoU"
    b.putPadded(" #     sample", x: list.x, y: list.y, width: max(0, list.width - 20), style: header)
    b.putPadded(metricName, x: list.maxX - 20, y: list.y, width: 13, style: header, alignRight: true)
    b.putPadded(" split", x: list.maxX - 7, y: list.y, width: 7, style: header)
    if s.viewIds.isEmpty {
      b.putPadded(
        s.viewLoading ? " loading…" : " no samples in this view (0 resets it, / filters)", x: list.x, y: list.y + 2, width: list.width, style: t.style("ui.dim")
      )
    }
    let rows = Reducer.listHeight(s) - 0
    for i in 0..<min(rows, max(0, s.viewIds.count - s.scroll)) {
      let idx = s.scroll + i
      let y = list.y + 1 + i
      guard y < list.maxY else { break }
      let id = s.viewIds[idx]
      let selected = idx == s.cursor
      let style = selected ? t.style("ui.selection") : t.style("ui")
      let row = s.rows[id]
      let num = String(idx + 1)
      // The image folder (data/, images/, JPEGImages/) is the same for every row: leave it out.
      let name =
        row.map { r -> String in
          let parts = r.path.split(separator: "/")
          return Sanitize.forTerminal(parts.count > 1 ? parts.dropFirst().joined(separator: "/") : r.path)
        } ?? "…"
      let verdict = s.review.map { ReviewMarks.glyph($0, id) + " " } ?? ""
      let tags = row.map { $0.tags.isEmpty ? "" : " [" + $0.tags.map(Sanitize.forTerminal).joined(separator: ",") + "]" } ?? ""
      // Names are shortened in the middle: their ends (street_0123.jpg) tell samples apart.
      let prefix = " " + num + String(repeating: " ", count: max(1, 6 - num.count)) + verdict
      let column = max(0, list.width - 20)
      let room = max(1, column - CharWidth.of(prefix) - min(CharWidth.of(tags), column / 3))
      b.putPadded(prefix + Buffer.middleEllipsis(name, width: room) + tags, x: list.x, y: y, width: column, style: style)
      let miou = row?.miou
      var mstyle = style
      if !selected, let m = miou { mstyle = mstyle.patched(with: Style(fg: t.heatText(1 - m))) }
      let counts = s.activeRun == nil ? row?.detections.map { $0.map(String.init).joined(separator: "/") } : nil
      // A "got worse" view shows each sample's change (B - A, signed) beside its bar.
      let value = showsChanges ? s.viewChanges[id].map(OneDecimal.signedPercent) : miou.map { AppView.pct($0) }
      b.putPadded(
        value ?? counts ?? (s.activeRun == nil ? "" : "–"), x: list.maxX - 20, y: y, width: counts == nil ? 7 : 13, style: mstyle,
        alignRight: counts == nil)
      if counts == nil {
        b.putPadded(" " + AppView.bar(miou ?? .nan, width: 5), x: list.maxX - 13, y: y, width: 6, style: t.style("ui.bar"))
      }
      b.putPadded(" " + (row?.split ?? ""), x: list.maxX - 7, y: y, width: 7, style: style)
    }
    frame.buffer = b
    // Preview of the sample under the cursor.
    guard preview.width >= 12, let id = s.currentSampleId else { return }
    let p = preview.inset(by: 1)
    frame.buffer.putPadded(s.rows[id].map { Sanitize.forTerminal($0.path) } ?? "", x: p.x, y: p.y, width: p.width, style: t.style("ui.header"))
    guard let imgs = s.images[id] else {
      frame.buffer.putPadded("Enter opens the sample", x: p.x, y: p.y + 2, width: p.width, style: t.style("ui.dim"))
      return
    }
    let half = Rect(x: p.x, y: p.y + 1, width: p.width, height: (p.height - 2) / 2)
    let palette = s.palette
    let opts = MaskComposer.Overlay(alpha: s.overlayAlpha, outlines: false, hidden: s.overlayHidden, ignore: s.ignoreValues)
    ImageSlot.draw(
      into: &frame, rect: half, key: "prev-gt-\(id)-\(s.overlayAlpha)-\(s.overlayHidden.sorted())", source: (imgs.image.width, imgs.image.height),
      graphics: s.graphics, colors: s.colors, cell: s.cell
    ) { w, h in
      let small = Resample.area(imgs.image, width: w, height: h)
      guard let gt = imgs.groundTruth else { return ComposedImage(image: small) }
      return MaskComposer.overlay(small, Resample.majority(gt, width: w, height: h), palette: palette, options: opts)
    }
    if let field = s.shownPrediction, let pred = imgs.predictions[field], let gt = imgs.groundTruth, gt.width == pred.width, gt.height == pred.height {
      let lower = Rect(x: p.x, y: half.maxY + 1, width: p.width, height: p.maxY - half.maxY - 1)
      frame.buffer.putPadded("errors of \(Sanitize.forTerminal(field))", x: p.x, y: half.maxY, width: p.width, style: t.style("ui.dim"))
      let ignore = s.ignoreValues
      let errorColors = t.errors
      ImageSlot.draw(
        into: &frame, rect: lower, key: "prev-err-\(id)-\(field)", source: (imgs.image.width, imgs.image.height), graphics: s.graphics, colors: s.colors,
        cell: s.cell
      ) { w, h in
        MaskComposer.errorMap(
          gt: Resample.majority(gt, width: w, height: h), pred: Resample.majority(pred, width: w, height: h), ignore: ignore, colors: errorColors)
      }
    }
  }
}
