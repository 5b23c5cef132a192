import SegmentationCore

/// A picture to show over reserved cells, by its content key.
public struct PicturePlacement: Sendable {
  public let rect: Rect
  public let key: String
  public let image: ComposedImage
  public init(rect: Rect, key: String, image: ComposedImage) {
    self.rect = rect
    self.key = key
    self.image = image
  }
}

/// What the terminal shows of pictures, and the least output that brings it to the next frame.
/// Pure: it returns bytes, the backend writes them.
///
/// Sixel pictures cannot be moved or shown again by reference, so a picture is sent once and then
/// only where it changed: a new picture of the same size at the same cells (a moved crosshair, a
/// toggle that repaints a region) is compared pixel by pixel with what is on screen and only the
/// cells that differ are sent, as cell-aligned tiles in the palette already on screen (so no seam
/// shows). Cells that text covered (a popup) are not drawn while covered and are sent again, alone,
/// when uncovered. A picture that goes away has its cells blanked.
///
/// Kitty pictures are transmitted once with an image id, compressed, in 4096-byte chunks, and then
/// placed by id: showing a picture again costs a placement command. Images beyond a memory budget
/// are deleted from the terminal, least recently shown first.
public final class PictureScreen {
  public enum Wire {
    case sixel(SixelEncoder)
    /// `png` encodes a picture as PNG (f=100); without it, `compress` is zlib (RFC 1950, o=z) over
    /// raw RGB, or nil for raw pixels.
    case kitty(compress: (([UInt8]) -> [UInt8]?)?, png: ((RGBImage) -> [UInt8]?)? = nil)
  }

  /// Output for one frame: `before` goes out before the text (erasing pictures that are gone),
  /// `units` after it, each a whole sequence (a picture, a tile, a placement). On a slow link the
  /// backend may stop between units when newer keys wait, and hands the rest to `abandon`.
  public struct Update: Sendable {
    public var before: [UInt8] = []
    public var units: [Unit] = []
    /// Whole pictures and tiles sent (for tests and benchmarks).
    public var pictures = 0
    public var tiles = 0
    /// Everything after the text, in order.
    public var after: [UInt8] { units.flatMap(\.bytes) }
  }

  /// One complete sequence, and what the screen lacks if it is never written.
  public struct Unit: Sendable {
    public let bytes: [UInt8]
    let undo: Undo
  }

  enum Undo: Sendable {
    /// Sixel: these cells of the picture at `rect` still show something else.
    case cells(Rect, [Int])
    /// Kitty: the image `key` was not transmitted (and its placement at `rect` not made).
    case upload(String, Rect)
    /// Kitty: the placement at `rect` was not made.
    case placement(Rect)
    case none
  }

  /// The units of an update that were not written: the screen is taken to lack them, so the next
  /// frame sends them (or what replaced them).
  public func abandon(_ units: ArraySlice<Unit>) {
    for u in units {
      switch u.undo {
      case .cells(let rect, let cells):
        guard let i = shown.firstIndex(where: { $0.rect == rect }) else { continue }
        for c in cells where c < shown[i].stale.count { shown[i].stale[c] = true }
      case .upload(let key, let rect):
        uploaded[key] = nil
        placed[rect] = nil
      case .placement(let rect): placed[rect] = nil
      case .none: break
      }
    }
  }

  let proto: Wire
  let cellWidth: Int
  let cellHeight: Int
  /// Kitty: bytes of pixel data the terminal may keep for us.
  let kittyBudget: Int

  /// A sixel picture as it is on screen.
  struct Shown {
    var rect: Rect
    var key: String
    var image: ComposedImage
    var indexed: SixelEncoder.Indexed
    /// Per cell of `rect`, row-major: the screen does not show this picture's pixels there.
    var stale: [Bool]
  }
  var shown: [Shown] = []

  struct Uploaded {
    var id: UInt32
    var bytes: Int
    var lastUse: Int
  }
  var uploaded: [String: Uploaded] = [:]
  /// Kitty placements on screen: rect -> (image key, id, placement id).
  var placed: [Rect: (key: String, id: UInt32, placement: UInt32)] = [:]
  var nextId: UInt32 = 1
  var frameNumber = 0
  /// Kitty: per rect, the picture transmitted whole (the base) and small patches placed over it
  /// where a later picture of the same size differs (a moved crosshair).
  struct Based {
    var key: String
    var image: RGBImage
    var patches: [UInt32] = []
  }
  var bases: [Rect: Based] = [:]

  public init(_ proto: Wire, cellWidth: Int, cellHeight: Int, kittyBudget: Int = 256 << 20) {
    self.proto = proto
    self.cellWidth = max(1, cellWidth)
    self.cellHeight = max(1, cellHeight)
    self.kittyBudget = kittyBudget
  }

  /// Forgets what is on screen (after a clear, a resize or Ctrl-L): every picture is sent again.
  /// Kitty images stay uploaded; only their placements are forgotten.
  public func invalidate() {
    shown = []
    placed = [:]
  }

  /// The output that turns the screen's pictures into `placements`. `occluders` are rects of text
  /// drawn over pictures (popups): their cells are not drawn now and are drawn again when uncovered.
  /// `damagedRows` are screen rows whose text may have been rewritten past the cells that changed
  /// (a terminal library erases to the end or start of a line, or scrolls a region): pictures there
  /// are drawn again in those rows (sixel), or placed again (kitty).
  public func update(_ placements: [PicturePlacement], occluders: [Rect] = [], damagedRows: Set<Int> = []) -> Update {
    frameNumber += 1
    switch proto {
    case .sixel(let encoder): return sixelUpdate(placements, occluders: occluders, damagedRows: damagedRows, encoder: encoder)
    case .kitty(let compress, let png):
      // A placement in a damaged row is placed again (a few bytes) in case the line was scrolled.
      for rect in placed.keys where damagedRows.contains(where: { $0 >= rect.y && $0 < rect.maxY }) { placed[rect] = nil }
      return kittyUpdate(placements, occluders: occluders, compress: compress, png: png)
    }
  }

  // MARK: sixel

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
    // over what should show text; the rest stays blank), except where a picture now is.
    for (i, s) in shown.enumerated() where !kept.contains(i) {
      for y in s.rect.y..<s.rect.maxY {
        var x = s.rect.x
        while x < s.rect.maxX {
          if next.contains(where: { $0.rect.contains(x: x, y: y) }) {
            x += 1
            continue
          }
          var end = x
          while end < s.rect.maxX && !next.contains(where: { $0.rect.contains(x: end, y: y) }) { end += 1 }
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

  // MARK: kitty

  /// Patches that turn `base` into `new` (same size) at `rect`: cell-aligned pieces of `new` where
  /// they differ, transmitted as small images and placed above the base. Nil when they differ in
  /// more than a quarter of their pixels (then the new picture goes whole).
  func kittyPatch(base: Based, new: RGBImage, rect: Rect, png: ((RGBImage) -> [UInt8]?)?, compress: (([UInt8]) -> [UInt8]?)?) -> (
    bytes: [UInt8], ids: [UInt32]
  )? {
    let a = base.image, w = new.width, h = new.height
    guard a.width == w, a.height == h else { return nil }
    var want = [Bool](repeating: false, count: rect.width * rect.height)
    var changed = 0
    for y in 0..<h {
      for x in 0..<w {
        let o = (y * w + x) * 3
        guard a.pixels[o] != new.pixels[o] || a.pixels[o + 1] != new.pixels[o + 1] || a.pixels[o + 2] != new.pixels[o + 2] else { continue }
        changed += 1
        let cx = x / cellWidth, cy = y / cellHeight
        if cx < rect.width && cy < rect.height { want[cy * rect.width + cx] = true }
      }
    }
    if changed * 4 > w * h { return nil }
    var bytes: [UInt8] = []
    var ids: [UInt32] = []
    for t in Self.tiles(want, width: rect.width, height: rect.height) {
      let x0 = t.x * cellWidth, y0 = t.y * cellHeight
      let x1 = min(w, (t.x + t.width) * cellWidth), y1 = min(h, (t.y + t.height) * cellHeight)
      guard x0 < x1, y0 < y1 else { continue }
      var piece = RGBImage(width: x1 - x0, height: y1 - y0)
      for y in y0..<y1 {
        for x in x0..<x1 { piece[x: x - x0, y: y - y0] = new[x: x, y: y] }
      }
      let id = nextId
      nextId = nextId == UInt32.max ? 1 : nextId + 1
      ids.append(id)
      bytes += KittyEncoder.transmit(piece, id: id, compress: compress, png: png)
      bytes += Array("\u{1B}7\u{1B}[\(rect.y + t.y + 1);\(rect.x + t.x + 1)H".utf8) + KittyEncoder.place(id: id, placement: 1, z: 1) + Array("\u{1B}8".utf8)
    }
    return (bytes, ids)
  }

  func kittyUpdate(_ placements: [PicturePlacement], occluders: [Rect], compress: (([UInt8]) -> [UInt8]?)?, png: ((RGBImage) -> [UInt8]?)?) -> Update {
    var out = Update()
    var next: [Rect: (key: String, id: UInt32, placement: UInt32)] = [:]
    for p in placements {
      // Kitty draws pictures over text: a picture under a popup is taken off until it is uncovered.
      if occluders.contains(where: { !$0.intersection(p.rect).isEmpty }) { continue }
      // A picture like the one already placed here: only patches over it, where it differs.
      if let was = placed[p.rect], was.key != p.key, uploaded[p.key] == nil, var base = bases[p.rect],
        let patch = kittyPatch(base: base, new: p.image.image, rect: p.rect, png: png, compress: compress)
      {
        var bytes: [UInt8] = base.patches.flatMap { KittyEncoder.deleteImage(id: $0) }
        bytes += patch.bytes
        base.patches = patch.ids
        bases[p.rect] = base
        out.tiles += patch.ids.count
        out.units.append(Unit(bytes: bytes, undo: .placement(p.rect)))
        next[p.rect] = (p.key, was.id, was.placement)
        continue
      }
      var up: Uploaded
      var transmit: [UInt8] = []
      if let u = uploaded[p.key] {
        up = u
      } else {
        up = Uploaded(id: nextId, bytes: p.image.image.pixels.count, lastUse: frameNumber)
        nextId = nextId == UInt32.max ? 1 : nextId + 1
        transmit = KittyEncoder.transmit(p.image.image, id: up.id, compress: compress, png: png)
        out.pictures += 1
      }
      up.lastUse = frameNumber
      uploaded[p.key] = up
      let placementId = UInt32(truncatingIfNeeded: (p.rect.y &* 4099 &+ p.rect.x) & 0x7FFF_FFFF) | 1
      if let was = placed[p.rect], was.key == p.key {
        next[p.rect] = was
        continue
      }
      // Placing with the same placement id replaces what was at these cells; patches over the old
      // picture go.
      var bytes = transmit
      if let old = bases[p.rect] { bytes += old.patches.flatMap { KittyEncoder.deleteImage(id: $0) } }
      bases[p.rect] = Based(key: p.key, image: p.image.image)
      if let was = placed[p.rect], was.id != up.id { bytes += KittyEncoder.deletePlacement(id: was.id, placement: was.placement) }
      bytes += Array("\u{1B}7\u{1B}[\(p.rect.y + 1);\(p.rect.x + 1)H".utf8) + KittyEncoder.place(id: up.id, placement: placementId) + Array("\u{1B}8".utf8)
      out.units.append(Unit(bytes: bytes, undo: transmit.isEmpty ? .placement(p.rect) : .upload(p.key, p.rect)))
      next[p.rect] = (p.key, up.id, placementId)
    }
    for (rect, was) in placed where next[rect] == nil {
      let patches = bases[rect]?.patches ?? []
      bases[rect]?.patches = []
      out.units.append(
        Unit(bytes: KittyEncoder.deletePlacement(id: was.id, placement: was.placement) + patches.flatMap { KittyEncoder.deleteImage(id: $0) }, undo: .none))
    }
    placed = next
    // Over the budget: free the images shown longest ago (never one on screen now).
    var total = uploaded.values.reduce(0) { $0 + $1.bytes }
    if total > kittyBudget {
      let onScreen = Set(next.values.map(\.key))
      for (key, u) in uploaded.sorted(by: { $0.value.lastUse < $1.value.lastUse }) where !onScreen.contains(key) {
        out.units.append(Unit(bytes: KittyEncoder.deleteImage(id: u.id), undo: .none))
        uploaded[key] = nil
        total -= u.bytes
        if total <= kittyBudget { break }
      }
    }
    return out
  }
}
