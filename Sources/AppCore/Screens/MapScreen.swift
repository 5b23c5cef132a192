import SegmentationCore
import TerminalRender

/// The embedding map: each sample a braille dot at its first two principal components; a cell takes
/// the colour of its points' mean value (or their majority split); cells holding a duplicate show
/// ◇, a leak ◆; the cursor's point is ◉ with its sample named below.
enum MapScreen {
  static let splitColours: [RGB] = [RGB(90, 170, 255), RGB(255, 170, 60), RGB(120, 220, 120), RGB(220, 120, 220), RGB(200, 200, 200)]
  /// Without colour (NO_COLOR), splits are told apart by shape.
  static let splitGlyphs = ["●", "○", "▲", "△", "■"]

  static func draw(_ s: AppState, _ area: Rect, _ b: inout Buffer, _ t: Theme) {
    let m = s.map
    let title =
      " map of \(m.points.count) samples (PCA of the image embeddings, \(Int((m.explained * 100).rounded()))% of the variance) │ c colour: \(MapCommands.describe(m)) │ v select"
    b.putPadded(
      m.loading && m.points.isEmpty ? " map: making image signatures and the projection…" : title, x: area.x, y: area.y, width: area.width,
      style: t.style("ui.header"))
    guard !m.points.isEmpty else {
      if !m.loading {
        b.putPadded(" no samples with image signatures in this view", x: area.x, y: area.y + 2, width: area.width, style: t.style("ui.dim"))
      }
      return
    }
    let plot = Rect(x: area.x + 1, y: area.y + 1, width: max(1, area.width - 2), height: max(1, area.height - 3))
    let dotsW = plot.width * 2, dotsH = plot.height * 4
    let splits = Array(Set(m.points.compactMap(\.split))).sorted()
    let clusters = Array(Set(m.points.compactMap(\.cluster))).sorted()
    let byCluster = m.colouring == .cluster
    // The categories of a categorical colouring (splits or clusters), the last for points with none.
    let categories =
      byCluster
      ? clusters.map { "cluster \($0)" } + (m.points.contains { $0.cluster == nil } ? ["none"] : [])
      : splits + (m.points.contains { $0.split == nil } ? ["no split"] : [])
    func category(_ p: MapPoint) -> Int {
      byCluster ? p.cluster.flatMap { clusters.firstIndex(of: $0) } ?? clusters.count : p.split.flatMap { splits.firstIndex(of: $0) } ?? splits.count
    }
    func cellOf(_ p: MapPoint) -> (Int, Int, Int, Int) {
      let dx = min(dotsW - 1, max(0, Int(p.x * Double(dotsW - 1) + 0.5)))
      let dy = min(dotsH - 1, max(0, Int(p.y * Double(dotsH - 1) + 0.5)))
      return (dx / 2, dy / 4, dx % 2, dy % 4)
    }
    // Per cell: braille bits, the values for its colour, and marks.
    var bits = [UInt8](repeating: 0, count: plot.width * plot.height)
    var sum = [Double](repeating: 0, count: plot.width * plot.height)
    var count = [Int](repeating: 0, count: plot.width * plot.height)
    var splitVotes = [[Int]](repeating: [], count: plot.width * plot.height)
    var mark = [Character?](repeating: nil, count: plot.width * plot.height)
    // Braille dot numbering: columns of (1,2,3,7) and (4,5,6,8).
    let dotBit: [[UInt8]] = [[0x01, 0x02, 0x04, 0x40], [0x08, 0x10, 0x20, 0x80]]
    for p in m.points {
      let (cx, cy, sx, sy) = cellOf(p)
      let c = cy * plot.width + cx
      bits[c] |= dotBit[sx][sy]
      if splitVotes[c].isEmpty { splitVotes[c] = [Int](repeating: 0, count: max(1, (byCluster ? clusters.count : splits.count) + 1)) }
      splitVotes[c][category(p)] += 1
      let value: Double?
      switch m.colouring {
      case .miou: value = p.miou
      case .suspicion: value = p.suspicion
      case .classPresence: value = p.hasClass.map { $0 ? 1 : 0 }
      case .duplicates: value = p.leak ? 1 : (p.duplicate ? 0.5 : 0)
      case .split, .cluster: value = nil
      }
      if let value {
        sum[c] += value
        count[c] += 1
      }
      if p.leak { mark[c] = "◆" } else if p.duplicate, mark[c] == nil { mark[c] = "◇" }
    }
    let sparse = m.points.count * 8 <= plot.width * plot.height
    for cy in 0..<plot.height {
      for cx in 0..<plot.width {
        let c = cy * plot.width + cx
        guard bits[c] != 0 else { continue }
        let colour: RGB
        switch m.colouring {
        case .split, .cluster:
          let votes = splitVotes[c]
          let top = votes.indices.max { votes[$0] < votes[$1] } ?? 0
          colour = categoryColour(top, of: categories.count, byCluster: byCluster)
        case .miou, .suspicion, .duplicates, .classPresence:
          // Along the colouring's ramp; grey without a value.
          let r = rampOf(m.colouring, className: m.className)
          colour = count[c] == 0 ? noValue : ramp(sum[c] / Double(count[c]), low: r.low, high: r.high)
        }
        // Few points: a full dot each, so that they show; many: braille, which shows density. Without
        // colour, the split colouring uses a shape per split.
        let votes = splitVotes[c]
        let majority = votes.indices.max { votes[$0] < votes[$1] } ?? 0
        let monochromeSplit = s.colors == .none && (m.colouring == .split || byCluster)
        let dot = monochromeSplit ? splitGlyphs[min(majority, splitGlyphs.count - 1)] : (sparse ? "●" : brailleGlyph(bits[c]))
        // Duplicates (◇) and leaks (◆) are marked in every colouring.
        let glyph: String = mark[c].map(String.init) ?? dot
        b[plot.x + cx, plot.y + cy] = Cell(glyph, style: Style(fg: colour, bg: t.style("ui").bg, attributes: []))
      }
    }
    // The selection's corner and the cursor.
    if let a = m.anchor, m.points.indices.contains(a) {
      let (cx, cy, _, _) = cellOf(m.points[a])
      b[plot.x + cx, plot.y + cy] = Cell("┼", style: t.style("ui.selection"))
    }
    if let p = m.current {
      let (cx, cy, _, _) = cellOf(p)
      b[plot.x + cx, plot.y + cy] = Cell("◉", style: t.style("ui.selection"))
      let path = s.rows[p.id].map { Sanitize.forTerminal($0.path) } ?? "sample \(p.id)"
      var info = " \(path)  split \(p.split.map(Sanitize.forTerminal) ?? "-")"
      if let v = p.miou { info += "  mIoU \(AppView.pct(v))" }
      if let v = p.suspicion { info += "  suspicion \(AppView.pct(v))" }
      if p.leak { info += "  LEAK" } else if p.duplicate { info += "  duplicate" }
      if !m.selection.isEmpty { info = " \(m.selection.count) samples in the rectangle ·" + info }
      b.putPadded(info, x: area.x, y: area.maxY - 1, width: area.width, style: t.style("ui.dim"))
    }
    // The legend of a ramp colouring, and of the marks.
    if m.colouring != .split && !byCluster {
      let r = rampOf(m.colouring, className: m.className)
      var x = area.x + 1
      let bg = t.style("ui").bg
      for (text, colour) in [(r.lowLabel + " ", r.low)] + (1...4).map { ("■", ramp(Double($0) / 5, low: r.low, high: r.high)) } + [
        (" " + r.highLabel, r.high), ("   ■ no value", noValue),
      ] where x < area.maxX - 4 {
        b.put(text, x: x, y: area.maxY - 2, style: Style(fg: colour, bg: bg, attributes: []))
        x += CharWidth.of(text)
      }
      if m.points.contains(where: { $0.duplicate || $0.leak }) && x < area.maxX - 30 {
        b.put("   ◇ duplicate  ◆ leak (across splits)", x: x, y: area.maxY - 2, style: t.style("ui.dim"))
      }
    }
    // The legend of the split or cluster colours.
    if m.colouring == .split || byCluster {
      var x = area.x + 1
      for (i, name) in categories.enumerated() where x < area.maxX - 4 {
        let label = (s.colors == .none ? splitGlyphs[min(i, splitGlyphs.count - 1)] : "■") + " " + Sanitize.forTerminal(name) + "  "
        b.put(
          label, x: x, y: area.maxY - 2, style: Style(fg: categoryColour(i, of: categories.count, byCluster: byCluster), bg: t.style("ui").bg, attributes: []))
        x += CharWidth.of(label)
      }
    }
  }

  static let noValue = RGB(110, 110, 110)
  /// Cluster colours: distinct hues; past them, and for points without a cluster, grey.
  static let clusterColours: [RGB] = [
    RGB(90, 170, 255), RGB(255, 170, 60), RGB(120, 220, 120), RGB(220, 120, 220), RGB(240, 90, 90), RGB(80, 220, 220),
    RGB(240, 230, 90), RGB(170, 130, 255), RGB(255, 140, 180), RGB(150, 200, 90), RGB(200, 160, 110), RGB(120, 150, 255),
  ]

  static func categoryColour(_ i: Int, of count: Int, byCluster: Bool) -> RGB {
    guard byCluster else { return splitColours[min(i, splitColours.count - 1)] }
    return i < clusterColours.count && i < count ? clusterColours[i] : noValue
  }

  /// A ramp colouring's two ends and what they mean.
  static func rampOf(_ c: MapColouring, className: String?) -> (low: RGB, high: RGB, lowLabel: String, highLabel: String) {
    switch c {
    case .miou: return (RGB(230, 60, 50), RGB(80, 210, 90), "mIoU 0", "100")
    case .suspicion: return (RGB(120, 140, 160), RGB(255, 60, 200), "suspicion 0", "1")
    case .duplicates: return (RGB(120, 140, 160), RGB(255, 200, 40), "unique", "leak")
    case .classPresence:
      return (RGB(120, 140, 160), RGB(255, 200, 40), "no " + Sanitize.forTerminal(className ?? "class"), Sanitize.forTerminal(className ?? "class"))
    case .split, .cluster: return (noValue, noValue, "", "")
    }
  }

  static func brailleGlyph(_ bits: UInt8) -> String { String(UnicodeScalar(0x2800 + UInt32(bits)).map(Character.init) ?? " ") }

  static func ramp(_ v: Double, low: RGB, high: RGB) -> RGB {
    let u = max(0, min(1, v.isNaN ? 0 : v))
    func mix(_ a: UInt8, _ b: UInt8) -> UInt8 { UInt8(Double(a) + (Double(b) - Double(a)) * u) }
    return RGB(mix(low.r, high.r), mix(low.g, high.g), mix(low.b, high.b))
  }
}
