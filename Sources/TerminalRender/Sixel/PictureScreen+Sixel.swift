import SegmentationCore

/// Sixel: pictures that cannot be moved or shown again by reference, so only what changed is sent.
extension PictureScreen {
  func sixelUpdate(_ placements: [PicturePlacement], occluders: [Rect], damagedRows: Set<Int>, encoder: SixelEncoder) -> Update {
    var out = Update()
    var next: [Shown] = []
    var kept = Set<Int>()
    for p in placements {
      let covered = coveredCells(p.rect, occluders)
      if let i = shown.firstIndex(where: { $0.rect == p.rect && $0.image.image.width == p.image.image.width && $0.image.image.height == p.image.image.height }),
        !kept.contains(i)
      {
        kept.insert(i)
        var s = shown[i]
        if s.key != p.key {
          // Same cells, same size: only what differs goes out, in the palette on screen.
          if let (indexed, changed) = Self.reindex(old: s, new: p.image, encoder: encoder, cells: (cellWidth, cellHeight)) {
            s.indexed = indexed
            for c in changed { s.stale[c] = true }
          } else {
            s.indexed = encoder.quantize(p.image)
            s.stale = [Bool](repeating: true, count: s.stale.count)
          }
          s.key = p.key
          s.image = p.image
        }
        // Text over the picture has replaced its pixels there: those cells are drawn again when uncovered.
        for c in covered { s.stale[c] = true }
        for y in damagedRows where y >= s.rect.y && y < s.rect.maxY {
          for x in 0..<s.rect.width { s.stale[(y - s.rect.y) * s.rect.width + x] = true }
        }
        send(&s, covered: covered, encoder: encoder, into: &out)
        next.append(s)
      } else {
        let cells = p.rect.width * p.rect.height
        var s = Shown(rect: p.rect, key: p.key, image: p.image, indexed: encoder.quantize(p.image), stale: [Bool](repeating: true, count: cells))
        send(&s, covered: covered, encoder: encoder, into: &out)
        next.append(s)
      }
    }
    // Pictures that are gone: their cells are blanked before the text is drawn (text is then written
    // over what should show text; the rest stays blank), except where a picture now paints the whole
    // cell. A new picture's last cell row or column is often partly outside its pixels (whole bands,
    // whole cells): left unblanked, the old picture would show through there.
    let keptRects = Set(kept.map { shown[$0].rect })
    func painted(_ x: Int, _ y: Int) -> Bool {
      next.contains { n in
        guard n.rect.contains(x: x, y: y) else { return false }
        // A kept picture is not sent again: its cells are never blanked.
        if keptRects.contains(n.rect) { return true }
        return (x - n.rect.x + 1) * cellWidth <= n.image.image.width && (y - n.rect.y + 1) * cellHeight <= n.image.image.height
      }
    }
    for (i, s) in shown.enumerated() where !kept.contains(i) {
      for y in s.rect.y..<s.rect.maxY {
        var x = s.rect.x
        while x < s.rect.maxX {
          if painted(x, y) {
            x += 1
            continue
          }
          var end = x
          while end < s.rect.maxX && !painted(end, y) { end += 1 }
          out.before += Array("\u{1B}[\(y + 1);\(x + 1)H\u{1B}[0m".utf8) + [UInt8](repeating: 0x20, count: end - x)
          x = end
        }
      }
    }
    if !out.before.isEmpty { out.before = Array("\u{1B}7".utf8) + out.before + Array("\u{1B}8".utf8) }
    shown = next
    return out
  }

  /// Cells of `rect` (row-major index) under an occluder.
  func coveredCells(_ rect: Rect, _ occluders: [Rect]) -> Set<Int> {
    var out = Set<Int>()
    for o in occluders {
      let r = rect.intersection(o)
      guard !r.isEmpty else { continue }
      for y in r.y..<r.maxY { for x in r.x..<r.maxX { out.insert((y - rect.y) * rect.width + (x - rect.x)) } }
    }
    return out
  }

  /// Sends the stale cells of `s` that are not covered: the whole picture when most of it is stale,
  /// else cell-aligned tiles.
  func send(_ s: inout Shown, covered: Set<Int>, encoder: SixelEncoder, into out: inout Update) {
    let w = s.rect.width, h = s.rect.height
    var want = [Bool](repeating: false, count: w * h)
    var count = 0
    for i in 0..<(w * h) where s.stale[i] && !covered.contains(i) {
      want[i] = true
      count += 1
    }
    guard count > 0 else { return }
    let pw = s.indexed.width, ph = s.indexed.height
    if covered.isEmpty && count * 10 >= w * h * 6 {
      out.units.append(
        Unit(
          bytes: Array("\u{1B}7\u{1B}[\(s.rect.y + 1);\(s.rect.x + 1)H".utf8) + encoder.encode(s.indexed) + Array("\u{1B}8".utf8),
          undo: .cells(s.rect, Array(0..<(w * h)))))
      out.pictures += 1
      s.stale = [Bool](repeating: false, count: w * h)
      return
    }
    for t in Self.tiles(want, width: w, height: h) {
      // Pixels of the tile, clipped to the picture; whole bands of 6 rows that never reach past the
      // picture's (padded) bottom: a tile that would is started higher, at a cell row where the
      // bands end exactly at the bottom.
      let x0 = t.x * cellWidth, x1 = min(pw, (t.x + t.width) * cellWidth)
      var row = t.y
      var y0 = row * cellHeight
      guard x0 < x1, y0 < ph else {
        for y in t.y..<(t.y + t.height) { for x in t.x..<(t.x + t.width) { s.stale[y * w + x] = false } }
        continue
      }
      var y1 = y0 + (min(ph, (t.y + t.height) * cellHeight) - y0 + 5) / 6 * 6
      if y1 > ph {
        while row > 0 && (ph - row * cellHeight) % 6 != 0 { row -= 1 }
        y0 = row * cellHeight
        y1 = ph
      }
      var indices = [UInt8](repeating: 0, count: (x1 - x0) * (y1 - y0))
      for y in y0..<y1 {
        for x in x0..<x1 { indices[(y - y0) * (x1 - x0) + (x - x0)] = s.indexed.indices[y * pw + x] }
      }
      let tile = SixelEncoder.Indexed(width: x1 - x0, height: y1 - y0, palette: s.indexed.palette, indices: indices)
      out.tiles += 1
      // Every cell the tile covers now shows the picture (those it reached above the stale ones too).
      var cleared: [Int] = []
      for y in row..<min(h, (y1 + cellHeight - 1) / cellHeight) {
        for x in t.x..<(t.x + t.width) where !covered.contains(y * w + x) {
          if s.stale[y * w + x] { cleared.append(y * w + x) }
          s.stale[y * w + x] = false
        }
      }
      out.units.append(
        Unit(
          bytes: Array("\u{1B}7\u{1B}[\(s.rect.y + row + 1);\(s.rect.x + t.x + 1)H".utf8) + encoder.encode(tile) + Array("\u{1B}8".utf8),
          undo: .cells(s.rect, cleared)))
    }
  }

  /// Rectangles covering the true cells: rows grouped while their spans overlap.
  static func tiles(_ want: [Bool], width w: Int, height h: Int) -> [Rect] {
    var out: [Rect] = []
    var group: (y: Int, x0: Int, x1: Int, rows: Int)? = nil
    for y in 0..<h {
      guard let x0 = (0..<w).first(where: { want[y * w + $0] }), let x1 = (0..<w).last(where: { want[y * w + $0] }) else {
        if let g = group { out.append(Rect(x: g.x0, y: g.y, width: g.x1 - g.x0 + 1, height: g.rows)) }
        group = nil
        continue
      }
      if var g = group, x0 <= g.x1 + 1, x1 >= g.x0 - 1 {
        g.x0 = min(g.x0, x0)
        g.x1 = max(g.x1, x1)
        g.rows += 1
        group = g
      } else {
        if let g = group { out.append(Rect(x: g.x0, y: g.y, width: g.x1 - g.x0 + 1, height: g.rows)) }
        group = (y, x0, x1, 1)
      }
    }
    if let g = group { out.append(Rect(x: g.x0, y: g.y, width: g.x1 - g.x0 + 1, height: g.rows)) }
    return out
  }

  /// The new picture in the palette on screen: unchanged pixels keep their registers, changed ones
  /// take an exact register (added while registers are free) or, for photo pixels, the nearest.
  /// Returns the new indexing and the cells whose pixels changed; nil when most of the picture
  /// changed or an exact colour has no register (then the picture is quantized again).
  static func reindex(old: Shown, new: ComposedImage, encoder: SixelEncoder, cells: (Int, Int)) -> (SixelEncoder.Indexed, [Int])? {
    let a = old.image.image.pixels, b = new.image.pixels
    let pw = new.image.width, ph = new.image.height
    guard a.count == b.count else { return nil }
    var indices = old.indexed.indices
    var palette = old.indexed.palette
    var lookup: [UInt32: UInt8] = [:]
    for (i, c) in palette.enumerated() { lookup[UInt32(c.r) << 16 | UInt32(c.g) << 8 | UInt32(c.b)] = UInt8(i) }
    var nearest: NearestLUT? = nil
    var changedCells = Set<Int>()
    var changedPixels = 0, approximated = 0
    let cw = cells.0, ch = cells.1, rw = old.rect.width
    for p in 0..<(pw * ph) {
      let o = p * 3
      guard a[o] != b[o] || a[o + 1] != b[o + 1] || a[o + 2] != b[o + 2] else { continue }
      changedPixels += 1
      let key = UInt32(b[o]) << 16 | UInt32(b[o + 1]) << 8 | UInt32(b[o + 2])
      if let r = lookup[key] {
        indices[p] = r
      } else if palette.count < encoder.registers {
        lookup[key] = UInt8(palette.count)
        indices[p] = UInt8(palette.count)
        palette.append(RGB(b[o], b[o + 1], b[o + 2]))
      } else if new.exact.indices.contains(p) && new.exact[p] {
        return nil
      } else {
        // Photo pixels in a full palette take the nearest register, as long as few of them do (a
        // palette chosen for another picture would show in a large change).
        approximated += 1
        if approximated * 20 > pw * ph { return nil }
        if nearest == nil { nearest = NearestLUT(palette: palette) }
        indices[p] = UInt8(nearest!.nearest(Int(b[o]), Int(b[o + 1]), Int(b[o + 2])))
      }
      changedCells.insert((p / pw) / ch * rw + (p % pw) / cw)
    }
    if changedPixels * 2 > pw * ph { return nil }
    return (SixelEncoder.Indexed(width: pw, height: ph, palette: palette, indices: indices), Array(changedCells))
  }
}
