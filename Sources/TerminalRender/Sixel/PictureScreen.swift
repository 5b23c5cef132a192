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
    /// `png` encodes a picture as PNG (f=100) and `pngAlpha` a translucent layer (width, height,
    /// RGBA); without them, `compress` is zlib (RFC 1950, o=z) over raw pixels, or nil for raw pixels.
    case kitty(compress: (([UInt8]) -> [UInt8]?)?, png: ((RGBImage) -> [UInt8]?)? = nil, pngAlpha: ((Int, Int, [UInt8]) -> [UInt8]?)? = nil)
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
    /// Kitty: the images `keys` were not transmitted and the placement at `rect` not made: what
    /// was there (`previous`) still is, and the images `strays` it was to delete are still shown.
    case upload([String], Rect, previous: Placed?, strays: [UInt32])
    /// Kitty: the placement at `rect` was not made.
    case placement(Rect, previous: Placed?, strays: [UInt32])
    /// Kitty: the placement at `rect` was not taken off, nor the images `strays` deleted.
    case removal(Rect, Placed, strays: [UInt32])
    /// Kitty: these placements and images were not deleted.
    case leftovers([Placed], [UInt32])
    case none
  }

  /// The units of an update that were not written: the screen is taken to lack them, so the next
  /// frame sends them (or what replaced them).
  public func abandon(_ units: ArraySlice<Unit>) {
    func keep(_ ids: [UInt32]) {
      strays += ids
      pendingFree.removeAll { ids.contains($0) }
    }
    for u in units {
      switch u.undo {
      case .cells(let rect, let cells):
        guard let i = shown.firstIndex(where: { $0.rect == rect }) else { continue }
        for c in cells where c < shown[i].stale.count { shown[i].stale[c] = true }
      case .upload(let keys, let rect, let previous, let strays):
        for key in keys { uploaded[key] = nil }
        placed[rect] = previous.map { $0.marked(stale: true) }
        keep(strays)
      case .placement(let rect, let previous, let strays):
        placed[rect] = previous.map { $0.marked(stale: true) }
        keep(strays)
      case .removal(let rect, let was, let strays):
        if placed[rect] == nil { placed[rect] = was } else { orphans.append(was) }
        keep(strays)
      case .leftovers(let placements, let images):
        orphans += placements
        keep(images)
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
  /// A kitty picture on screen: the image (or base layer) placed, the translucent layer over it,
  /// and the uploads it shows.
  struct Placed {
    var key: String
    var id: UInt32
    var placement: UInt32
    var top: (id: UInt32, placement: UInt32)?
    var uploads: [String]
    /// The terminal may no longer show it where it was (a damaged row): placed again.
    var stale = false
    func marked(stale: Bool) -> Placed {
      var p = self
      p.stale = stale
      return p
    }
  }
  /// Kitty placements the terminal may still show that no rect names any more (after `invalidate`
  /// or an abandoned unit), and images (patches) to delete: they go with the next update.
  var orphans: [Placed] = []
  var strays: [UInt32] = []
  /// Kitty placements on screen, by their cells.
  var placed: [Rect: Placed] = [:]
  var nextId: UInt32 = 1
  /// Kitty image ids free for reuse. Images are never deleted with `d=I`: kitty 0.26 then frees
  /// every image without a placement, pictures kept for later included. An id is freed by taking
  /// its placements off; transmitting again under it replaces the old image in the terminal, so
  /// the terminal holds no more than the budget.
  var freeIds: [UInt32] = []
  /// Ids freed by the last update's units: reusable once those units are known to be written
  /// (the next update), or kept as strays if they were abandoned.
  var pendingFree: [UInt32] = []

  /// A kitty image id: a freed one first.
  func allocateId() -> UInt32 {
    if let id = freeIds.popLast() { return id }
    let id = nextId
    nextId = nextId == UInt32.max ? 1 : nextId + 1
    return id
  }

  /// Takes image `id`'s placements off and frees the id (with the unit that carries the bytes).
  func release(_ id: UInt32) -> [UInt8] {
    pendingFree.append(id)
    return KittyEncoder.deletePlacements(id: id)
  }
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
    orphans += placed.values
    placed = [:]
    for (rect, b) in bases {
      strays += b.patches
      bases[rect]?.patches = []
    }
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
    case .kitty(let compress, let png, let pngAlpha):
      // A placement in a damaged row is placed again (a few bytes) in case the line was scrolled.
      for rect in placed.keys where damagedRows.contains(where: { $0 >= rect.y && $0 < rect.maxY }) { placed[rect]?.stale = true }
      return kittyUpdate(placements, occluders: occluders, compress: compress, png: png, pngAlpha: pngAlpha)
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
      let id = allocateId()
      ids.append(id)
      bytes += KittyEncoder.transmit(piece, id: id, compress: compress, png: png)
      // Above the picture and its translucent layer (z=1).
      bytes += Array("\u{1B}7\u{1B}[\(rect.y + t.y + 1);\(rect.x + t.x + 1)H".utf8) + KittyEncoder.place(id: id, placement: 1, z: 2) + Array("\u{1B}8".utf8)
    }
    return (bytes, ids)
  }

  /// A base smaller than its picture (a photo at its own resolution) goes as it is and the terminal
  /// stretches it over the picture's cells: it is padded with transparent pixels on the right and
  /// at the bottom to the cells' proportions, so that stretched it lands on the picture's pixels
  /// (within a pixel). Nil for a base of the picture's size (placed 1:1).
  static func scaledBase(_ base: RGBImage, picture: RGBImage, box: (Int, Int)) -> (rgba: [UInt8], width: Int, height: Int)? {
    let pw = picture.width, ph = picture.height, sw = base.width, sh = base.height
    guard sw > 0, sh > 0, pw > 0, ph > 0, sw != pw || sh != ph else { return nil }
    let w = max(sw, Int((Double(box.0) * Double(sw) / Double(pw)).rounded()))
    let h = max(sh, Int((Double(box.1) * Double(sh) / Double(ph)).rounded()))
    var rgba = [UInt8](repeating: 0, count: w * h * 4)
    for y in 0..<sh {
      for x in 0..<sw {
        let s = (y * sw + x) * 3, d = (y * w + x) * 4
        rgba[d] = base.pixels[s]
        rgba[d + 1] = base.pixels[s + 1]
        rgba[d + 2] = base.pixels[s + 2]
        rgba[d + 3] = 255
      }
    }
    return (rgba, w, h)
  }

  func kittyUpdate(
    _ placements: [PicturePlacement], occluders: [Rect], compress: (([UInt8]) -> [UInt8]?)?, png: ((RGBImage) -> [UInt8]?)?,
    pngAlpha: ((Int, Int, [UInt8]) -> [UInt8]?)?
  ) -> Update {
    var out = Update()
    var next: [Rect: Placed] = [:]
    // The last update's units were written (those that were not came back through `abandon`).
    freeIds += pendingFree
    pendingFree = []
    if !orphans.isEmpty || !strays.isEmpty {
      var bytes: [UInt8] = []
      for o in orphans {
        bytes += KittyEncoder.deletePlacement(id: o.id, placement: o.placement)
        if let t = o.top { bytes += KittyEncoder.deletePlacement(id: t.id, placement: t.placement) }
      }
      bytes += strays.flatMap { release($0) }
      out.units.append(Unit(bytes: bytes, undo: .leftovers(orphans, strays)))
      orphans = []
      strays = []
    }
    // The uploads that show a picture: its base and its translucent layer, or the picture whole (a
    // layer with nothing visible leaves the base alone).
    func parts(_ p: PicturePlacement) -> (base: String, top: String?) {
      guard let l = p.image.layers else { return (p.key, nil) }
      guard let o = l.overlay, stride(from: 3, to: o.count, by: 4).contains(where: { o[$0] != 0 }) else { return (l.baseKey, nil) }
      return (l.baseKey, p.key)
    }
    for p in placements {
      // Kitty draws pictures over text: a picture under a popup is taken off until it is uncovered.
      if occluders.contains(where: { !$0.intersection(p.rect).isEmpty }) { continue }
      let (baseKey, topKey) = parts(p)
      let available = uploaded[baseKey] != nil && (topKey.map { uploaded[$0] != nil } ?? true)
      // A picture like the one already placed here: only patches over it, where it differs.
      // (A layered picture sends its new layer instead: it is small.)
      if p.image.layers == nil, var was = placed[p.rect], was.key != p.key, !available, var base = bases[p.rect],
        let patch = kittyPatch(base: base, new: p.image.image, rect: p.rect, png: png, compress: compress)
      {
        var bytes: [UInt8] = base.patches.flatMap { release($0) }
        bytes += patch.bytes
        let old = base.patches
        base.patches = patch.ids
        bases[p.rect] = base
        out.tiles += patch.ids.count
        out.units.append(Unit(bytes: bytes, undo: .placement(p.rect, previous: was, strays: old)))
        was.key = p.key
        next[p.rect] = was
        continue
      }
      var transmit: [UInt8] = []
      var sent: [String] = []
      func upload(_ key: String, bytes: Int, _ encode: (UInt32) -> [UInt8]) -> UInt32 {
        if var u = uploaded[key] {
          u.lastUse = frameNumber
          uploaded[key] = u
          return u.id
        }
        let id = allocateId()
        transmit += encode(id)
        sent.append(key)
        uploaded[key] = Uploaded(id: id, bytes: bytes, lastUse: frameNumber)
        out.pictures += 1
        return id
      }
      let baseImage = p.image.layers?.base ?? p.image.image
      let scaled = Self.scaledBase(baseImage, picture: p.image.image, box: (p.rect.width * cellWidth, p.rect.height * cellHeight))
      let baseUpload = scaled.map { baseKey + "@pad\($0.width)x\($0.height)" } ?? baseKey
      let baseId = upload(baseUpload, bytes: scaled?.rgba.count ?? baseImage.pixels.count) { id in
        guard let scaled else { return KittyEncoder.transmit(baseImage, id: id, compress: compress, png: png) }
        return KittyEncoder.transmitRGBA(width: scaled.width, height: scaled.height, rgba: scaled.rgba, id: id, compress: compress, png: pngAlpha)
      }
      let topId = topKey.flatMap { key in
        p.image.layers.map { l in
          upload(key, bytes: l.overlay!.count) {
            KittyEncoder.transmitRGBA(width: p.image.image.width, height: p.image.image.height, rgba: l.overlay!, id: $0, compress: compress, png: pngAlpha)
          }
        }
      }
      if let was = placed[p.rect], was.key == p.key, !was.stale {
        next[p.rect] = was
        continue
      }
      let slot = UInt32(truncatingIfNeeded: (p.rect.y &* 4099 &+ p.rect.x) & 0x3FFF_FFFF)
      let placementId = slot | 1, topPlacement = slot | 0x4000_0001
      // Placing with the same placement id replaces what was at these cells; patches over the old
      // picture go.
      var bytes = transmit
      let oldPatches = bases[p.rect]?.patches ?? []
      bytes += oldPatches.flatMap { release($0) }
      bases[p.rect] = Based(key: p.key, image: p.image.image)
      if let was = placed[p.rect] {
        if was.id != baseId { bytes += KittyEncoder.deletePlacement(id: was.id, placement: was.placement) }
        if let t = was.top, t.id != topId { bytes += KittyEncoder.deletePlacement(id: t.id, placement: t.placement) }
      }
      bytes +=
        Array("\u{1B}7\u{1B}[\(p.rect.y + 1);\(p.rect.x + 1)H".utf8)
        + KittyEncoder.place(
          id: baseId, placement: placementId, cells: scaled == nil ? nil : (p.rect.width, p.rect.height))
      if let topId { bytes += KittyEncoder.place(id: topId, placement: topPlacement, z: 1) }
      bytes += Array("\u{1B}8".utf8)
      let previous = placed[p.rect]
      out.units.append(
        Unit(
          bytes: bytes,
          undo: sent.isEmpty ? .placement(p.rect, previous: previous, strays: oldPatches) : .upload(sent, p.rect, previous: previous, strays: oldPatches)))
      next[p.rect] = Placed(
        key: p.key, id: baseId, placement: placementId, top: topId.map { ($0, topPlacement) }, uploads: [baseUpload] + (topKey.map { [$0] } ?? []))
    }
    for (rect, was) in placed where next[rect] == nil {
      let patches = bases[rect]?.patches ?? []
      bases[rect]?.patches = []
      var bytes = KittyEncoder.deletePlacement(id: was.id, placement: was.placement)
      if let t = was.top { bytes += KittyEncoder.deletePlacement(id: t.id, placement: t.placement) }
      out.units.append(Unit(bytes: bytes + patches.flatMap { release($0) }, undo: .removal(rect, was, strays: patches)))
    }
    let shownBefore = Set(placed.values.flatMap(\.uploads))
    placed = next
    // Over the budget: the images shown longest ago (never one on screen, now or before this
    // update) give their ids to the next uploads, which replace them in the terminal.
    var total = uploaded.values.reduce(0) { $0 + $1.bytes }
    if total > kittyBudget {
      let onScreen = Set(next.values.flatMap(\.uploads)).union(shownBefore)
      for (key, u) in uploaded.sorted(by: { $0.value.lastUse < $1.value.lastUse }) where !onScreen.contains(key) {
        freeIds.append(u.id)
        uploaded[key] = nil
        total -= u.bytes
        if total <= kittyBudget { break }
      }
    }
    return out
  }
}
