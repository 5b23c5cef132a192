import SegmentationCore
import TerminalRender

/// Clusters or slices, worst first: each a line (name, size, mIoU, gap with its interval) and, where
/// there is room, a strip of its samples' photos (without overlays). Enter makes the one under the cursor the
/// view; c switches between clusters and slices.
enum SlicesScreen {
  /// Rows of the body (the title and status bars take one each).
  static func bodyHeight(_ s: AppState) -> Int { max(1, s.height - 2) }

  /// Rows a strip of thumbnails takes: none on a small terminal.
  static func stripHeight(_ s: AppState) -> Int {
    guard s.width >= 60, bodyHeight(s) >= 14 else { return 0 }
    return max(3, min(7, (bodyHeight(s) - 2) / 3 - 2))
  }

  /// Narrow: the numbers go on a line of their own under the name.
  static func narrow(_ s: AppState) -> Bool { s.width < 60 }

  static func blockHeight(_ s: AppState) -> Int { stripHeight(s) == 0 ? (narrow(s) ? 2 : 1) : 2 + stripHeight(s) }

  static func tileWidth(_ s: AppState) -> Int {
    let cellAspect = Double(max(1, s.cell.height)) / Double(max(1, s.cell.width))
    return max(6, Int((Double(stripHeight(s)) * s.imageAspect * cellAspect).rounded()) + 1)
  }

  /// Thumbnails in a strip.
  static func stripLength(_ s: AppState) -> Int { stripHeight(s) == 0 ? 0 : max(1, min(8, (s.width - 4) / tileWidth(s))) }

  static func rowsPerPage(_ s: AppState) -> Int { max(1, (bodyHeight(s) - 2) / blockHeight(s)) }

  /// The entries on the page that holds the cursor.
  static func visibleRows(_ s: AppState) -> Range<Int> {
    let n = s.slices.list?.entries.count ?? 0
    let page = rowsPerPage(s)
    let top = max(0, min(s.slices.cursor - page / 2, n - page))
    return top..<min(n, top + page)
  }

  static func draw(_ s: AppState, _ area: Rect, _ frame: inout Frame, _ t: Theme) {
    let st = s.slices
    let other = st.kind == .slices ? "clusters" : "slices"
    let title = st.kind == .slices ? " Slices where the run does worse" : " Clusters of similar images"
    frame.buffer.putPadded(title + "  │ c \(other)", x: area.x, y: area.y, width: area.width, style: t.style("ui.header"))
    guard let list = st.list else {
      let running = s.jobs[st.kind == .slices ? SliceCommands.slicesJob : SliceCommands.clustersJob] != nil
      let why =
        running
        ? " working… (x cancels)"
        : st.kind == .slices
          ? " none yet: : slices finds them for the active run and view in the background (or segscope slices PATH --run RUN)"
          : " none yet: : clusters [K] groups the images in the background (or segscope clusters PATH)"
      frame.buffer.putPadded(why, x: area.x, y: area.y + 2, width: area.width, style: t.style("ui.dim"))
      return
    }
    frame.buffer.putPadded(" " + Sanitize.forTerminal(list.summary), x: area.x, y: area.y + 1, width: area.width, style: t.style("ui.dim"))
    if list.entries.isEmpty {
      let none = st.kind == .slices ? " no slice is significantly worse than the rest" : " no clusters"
      frame.buffer.putPadded(none, x: area.x, y: area.y + 3, width: area.width, style: t.style("ui.dim"))
      return
    }
    let block = blockHeight(s)
    let strip = stripLength(s), tile = tileWidth(s), sh = stripHeight(s)
    for (k, i) in visibleRows(s).enumerated() {
      let e = list.entries[i]
      let y = area.y + 2 + k * block
      guard y < area.maxY else { break }
      let selected = i == st.cursor
      var numbers = "\(e.size) samples"
      if let m = e.miou { numbers += "  mIoU \(AppView.pct(m))" }
      if let g = e.gap {
        numbers += "  gap \(AppView.pct(g))"
        if let iv = e.interval { numbers += " [\(AppView.pct(iv.lowerBound)), \(AppView.pct(iv.upperBound))]" }
      } else if let iv = e.interval {
        numbers += " [\(AppView.pct(iv.lowerBound)), \(AppView.pct(iv.upperBound))]"
      }
      let name = " \(i + 1). " + Sanitize.forTerminal(e.title)
      let style = selected ? t.style("ui.selection") : t.style("ui")
      var numberStyle = style
      if !selected, let m = e.miou { numberStyle = numberStyle.patched(with: Style(fg: t.heatText(1 - m))) }
      if sh > 0 {
        // The name has the line; the numbers go at the right of the definition's line under the strip.
        frame.buffer.putPadded(Buffer.middleEllipsis(name, width: area.width), x: area.x, y: y, width: area.width, style: style)
        let definition = "   " + Sanitize.forTerminal(e.definition.text)
        let room = max(4, area.width - CharWidth.of(numbers) - 2)
        frame.buffer.putPadded(Buffer.middleEllipsis(definition, width: room), x: area.x, y: y + 1 + sh, width: room, style: t.style("ui.dim"))
        frame.buffer.putPadded(numbers + " ", x: area.x + room, y: y + 1 + sh, width: area.width - room, style: numberStyle, alignRight: true)
      } else if narrow(s) {
        frame.buffer.putPadded(Buffer.middleEllipsis(name, width: area.width), x: area.x, y: y, width: area.width, style: style)
        if y + 1 < area.maxY { frame.buffer.putPadded("    " + numbers, x: area.x, y: y + 1, width: area.width, style: numberStyle) }
      } else {
        let room = max(4, area.width - CharWidth.of(numbers) - 2)
        frame.buffer.putPadded(Buffer.middleEllipsis(name, width: room), x: area.x, y: y, width: room, style: style)
        frame.buffer.putPadded(numbers + " ", x: area.x + room, y: y, width: area.width - room, style: numberStyle, alignRight: true)
      }
      guard sh > 0 else { continue }
      if selected {
        frame.buffer.fill(Rect(x: area.x, y: y + 1, width: 1, height: sh), symbol: "▌", style: Style(fg: t.style("ui.selection").bg))
      }
      for (j, id) in e.strip.prefix(strip).enumerated() {
        let rect = Rect(x: area.x + 2 + j * tile, y: y + 1, width: tile - 1, height: sh)
        guard rect.maxX <= area.maxX, rect.maxY <= area.maxY else { break }
        guard let thumb = s.thumbnails[id] else {
          frame.buffer.putPadded(" …", x: rect.x, y: rect.y, width: rect.width, style: t.style("ui.dim"))
          continue
        }
        // The photos as they are: what a slice has in common (dark, low contrast, crowded) shows
        // there, and an overlay would hide it.
        ImageSlot.draw(
          into: &frame, rect: rect, key: "slice-photo-\(id)", source: (thumb.image.width, thumb.image.height), graphics: s.graphics, colors: s.colors,
          cell: s.cell
        ) { w, h in ComposedImage(image: Resample.area(thumb.image, width: w, height: h)) }
      }
    }
  }
}
