import SegmentationCore

/// A picture to show over reserved cells (left blank in the buffer), by its content key: the
/// backend sends it again only when the key changes or its cells were overwritten.
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

/// One rendered frame: text cells, the pictures drawn over reserved cells after the text (sixel or
/// kitty), and the text drawn over pictures (popups).
public struct Frame: Sendable {
  public var buffer: Buffer
  public var placements: [PicturePlacement] = []
  /// Text drawn over pictures (a popup): the backend leaves the pictures' cells under it alone and
  /// sends them again, alone, once uncovered.
  public var occluders: [Rect] = []
  public init(buffer: Buffer, placements: [PicturePlacement] = [], occluders: [Rect] = []) {
    self.buffer = buffer
    self.placements = placements
    self.occluders = occluders
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
}
