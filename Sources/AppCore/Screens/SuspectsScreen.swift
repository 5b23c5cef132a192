import SegmentationCore
import TerminalRender

/// The regions a label-error run suspects, most suspicious sample first: score, sample, kind, the
/// class given and the class the evidence names, size. Enter opens the sample with the region
/// outlined; L relabels, F flags, d dismisses.
enum SuspectsScreen {
  static func draw(_ s: AppState, _ area: Rect, _ b: inout Buffer, _ t: Theme) {
    let st = s.suspects
    guard let run = st.runSummary else {
      let why =
        st.loading
        ? " loading…"
        : " no label-error run yet: : mistakes FIELD... looks for mislabeled masks in the background (or segscope mistakes PATH --pred FIELD)"
      b.putPadded(" Suspects", x: area.x, y: area.y, width: area.width, style: t.style("ui.header"))
      b.putPadded(why, x: area.x, y: area.y + 2, width: area.width, style: t.style("ui.dim"))
      return
    }
    let samples = Set(st.entries.map(\.sampleId)).count
    let more = st.runs.count > 1 ? "  │ s next run (\(st.runs.count))" : ""
    let header = " \(Sanitize.forTerminal(run.key)): \(samples) of \(st.samplesChecked) samples, \(st.entries.count) regions" + more
    b.putPadded(header, x: area.x, y: area.y, width: area.width, style: t.style("ui.header"))
    let evidence = " evidence: " + run.evidence.explanation
    b.putPadded(evidence, x: area.x, y: area.y + 1, width: area.width, style: t.style(run.evidence == .hardPrediction ? "ui.bar.bad" : "ui.dim"))
    if st.entries.isEmpty {
      b.putPadded(" no suspect regions: the predictions agree with the labels", x: area.x, y: area.y + 3, width: area.width, style: t.style("ui.dim"))
      return
    }
    // Columns shrink with the terminal: the sample name takes what is left.
    let narrow = area.width < 70
    // Score 7, a space, kind 11 (its tenth cell is the suggested class's swatch), classes 24, pixels 8.
    let fixed = narrow ? 7 + 1 + 11 : 7 + 1 + 11 + 24 + 8
    let nameWidth = max(8, min(40, area.width - fixed))
    var columns = " score " + "sample".padding(nameWidth) + " kind       "
    if !narrow { columns += "given → evidence".padding(24) + "pixels".leftPadding(8) }
    b.putPadded(columns, x: area.x, y: area.y + 2, width: area.width, style: t.style("ui.dim"))
    let top0 = area.y + 3
    let listHeight = max(1, area.maxY - 1 - top0)
    let top = max(0, min(st.cursor - listHeight / 2, st.entries.count - listHeight))
    for (i, e) in st.entries.enumerated().dropFirst(top).prefix(listHeight) {
      let y = top0 + i - top
      // A sample's first region names the sample and its score; its other regions are indented.
      let first = i == 0 || st.entries[i - 1].sampleId != e.sampleId
      let name = Sanitize.forTerminal(e.path.split(separator: "/").last.map(String.init) ?? e.path)
      var line = (first ? " " + AppView.pct(e.sampleScore).leftPadding(5) + " " : "       ") + (first ? name : "  └").padding(nameWidth) + " "
      line += e.region.kind.rawValue.padding(11)
      if !narrow {
        let pair =
          Sanitize.forTerminal(SuspectEntry.name(e.region.given, s.classNames)) + " → "
          + Sanitize.forTerminal(SuspectEntry.name(e.region.predicted, s.classNames))
        line += pair.padding(24) + String(e.region.pixels).leftPadding(8)
      }
      let style = i == st.cursor ? t.style("ui.selection") : (e.region.score >= 0.5 ? t.style("ui") : t.style("ui.dim"))
      b.putPadded(line, x: area.x, y: y, width: area.width, style: style)
      // The swatch of the class the evidence names.
      if !narrow, i != st.cursor {
        b.put("■", x: area.x + 7 + nameWidth + 1 + 9, y: y, style: Style(fg: s.palette.color(UInt16(clamping: max(0, e.region.predicted)))))
      }
    }
    // The region under the cursor, in words.
    if let e = st.current {
      let detail =
        " \(Sanitize.forTerminal(e.explanation(s.classNames))) · box \(e.region.x),\(e.region.y) \(e.region.width)x\(e.region.height)"
        + " · region score \(AppView.pct(e.region.score))% · \(Sanitize.forTerminal(e.path))"
      b.putPadded(detail, x: area.x, y: area.maxY - 1, width: area.width, style: t.style("ui.dim"))
    }
  }
}
