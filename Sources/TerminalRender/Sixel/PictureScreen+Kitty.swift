import SegmentationCore

/// Kitty: pictures transmitted once by id and placed again, layers over a shared photo.
extension PictureScreen {
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
  /// (within a pixel). The padded size, or nil for a base of the picture's size (placed 1:1).
  static func scaledBaseSize(_ base: RGBImage, picture: RGBImage, box: (Int, Int)) -> (width: Int, height: Int)? {
    let pw = picture.width, ph = picture.height, sw = base.width, sh = base.height
    guard sw > 0, sh > 0, pw > 0, ph > 0, sw != pw || sh != ph else { return nil }
    return (max(sw, Int((Double(box.0) * Double(sw) / Double(pw)).rounded())), max(sh, Int((Double(box.1) * Double(sh) / Double(ph)).rounded())))
  }

  /// `base` at the top left of a transparent RGBA picture of `size` (made only when it is sent).
  static func padded(_ base: RGBImage, to size: (width: Int, height: Int)) -> [UInt8] {
    let sw = base.width, w = size.width
    var rgba = [UInt8](repeating: 0, count: w * size.height * 4)
    for y in 0..<min(base.height, size.height) {
      for x in 0..<min(sw, w) {
        let s = (y * sw + x) * 3, d = (y * w + x) * 4
        rgba[d] = base.pixels[s]
        rgba[d + 1] = base.pixels[s + 1]
        rgba[d + 2] = base.pixels[s + 2]
        rgba[d + 3] = 255
      }
    }
    return rgba
  }

  /// Takes a picture's placements (the base and its translucent layer) off the screen.
  static func takeOff(_ p: Placed) -> [UInt8] {
    KittyEncoder.deletePlacement(id: p.id, placement: p.placement) + (p.top.map { KittyEncoder.deletePlacement(id: $0.id, placement: $0.placement) } ?? [])
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
      for o in orphans { bytes += Self.takeOff(o) }
      bytes += strays.flatMap { release($0) }
      out.units.append(Unit(bytes: bytes, undo: .leftovers(orphans, strays)))
      orphans = []
      strays = []
    }
    // The uploads that show a picture: its base and its translucent layer, or the picture whole (a
    // picture with no layer is its base alone).
    func parts(_ p: PicturePlacement) -> (base: String, top: String?) {
      guard let l = p.image.layers else { return (p.key, nil) }
      return (l.baseKey, l.overlay == nil ? nil : p.key)
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
      let scaled = Self.scaledBaseSize(baseImage, picture: p.image.image, box: (p.rect.width * cellWidth, p.rect.height * cellHeight))
      let baseUpload = scaled.map { baseKey + "@pad\($0.width)x\($0.height)" } ?? baseKey
      let baseId = upload(baseUpload, bytes: scaled.map { $0.width * $0.height * 4 } ?? baseImage.pixels.count) { id in
        guard let scaled else { return KittyEncoder.transmit(baseImage, id: id, compress: compress, png: png) }
        return KittyEncoder.transmitRGBA(
          width: scaled.width, height: scaled.height, rgba: Self.padded(baseImage, to: scaled), id: id, compress: compress, png: pngAlpha)
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
      out.units.append(Unit(bytes: Self.takeOff(was) + patches.flatMap { release($0) }, undo: .removal(rect, was, strays: patches)))
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
