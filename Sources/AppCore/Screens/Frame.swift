import Synchronization
import SegmentationCore
import TerminalRender

/// Pixel sizes of the terminal cells, for images drawn as pixels.
public struct CellGeometry: Sendable, Equatable {
  public var width: Int
  public var height: Int
  /// The largest picture the terminal accepts (XTSMGRAPHICS geometry), if it said.
  public var maxImageWidth: Int?
  public var maxImageHeight: Int?
  public init(width: Int = 10, height: Int = 20, maxImageWidth: Int? = nil, maxImageHeight: Int? = nil) {
    self.width = width
    self.height = height
    self.maxImageWidth = maxImageWidth
    self.maxImageHeight = maxImageHeight
  }
}

/// Draws a composed picture into `rect`: half-blocks into the buffer, or a placement for sixel and
/// kitty terminals. `build` makes the picture at the pixel size it is given.
struct ImageSlot {
  static func draw(
    into frame: inout Frame, rect: Rect, key: String, source: (w: Int, h: Int), graphics: TerminalCapabilities.Graphics,
    colors: ColorMode, cell: CellGeometry, cache: ComposeCache? = nil, build: (Int, Int) -> ComposedImage
  ) {
    // A picture is made once per key and size; frames that change nothing else reuse it.
    func make(_ w: Int, _ h: Int) -> ComposedImage {
      guard let cache else { return build(w, h) }
      return cache.image(key + "@\(w)x\(h)") { build(w, h) }
    }
    guard rect.width >= 2, rect.height >= 1, source.w > 0, source.h > 0 else { return }
    switch graphics {
    case .sixel, .kitty:
      let maxW = min(rect.width * cell.width, cell.maxImageWidth ?? Int.max)
      let maxH = min(rect.height * cell.height, cell.maxImageHeight ?? Int.max)
      // Sixel draws whole bands of 6 rows: the picture keeps its aspect inside the largest whole
      // number of bands and is padded (its last row repeated) to the next band, not stretched.
      let (pw, ph0) = Resample.fit(width: source.w, height: source.h, maxWidth: maxW, maxHeight: max(6, maxH - maxH % 6))
      // (Kitty has no bands: its pictures are not padded.)
      let ph = graphics == .kitty ? ph0 : max(6, (ph0 + 5) / 6 * 6)
      let cellsW = (pw + cell.width - 1) / cell.width, cellsH = (ph + cell.height - 1) / cell.height
      let r = Rect(x: rect.x, y: rect.y, width: min(rect.width, cellsW), height: min(rect.height, cellsH))
      frame.buffer.fill(r, symbol: " ", style: .plain)
      frame.placements.append(PicturePlacement(rect: r, key: key + "@\(pw)x\(ph)", image: make(pw, ph0).padded(toHeight: ph)))
    case .halfblock, .ascii:
      let aspect = Double(cell.height) / Double(2 * cell.width)
      let (pw, ph) = Resample.fit(width: source.w, height: source.h, maxWidth: rect.width, maxHeight: rect.height * 2, pixelAspect: aspect)
      let img = make(pw, ph)
      HalfBlockRenderer.draw(img.image, into: &frame.buffer, at: (rect.x, rect.y), mode: graphics == .ascii ? .none : colors)
    }
  }
}

/// Pictures composed for the screen (overlays, error maps), kept by what they depend on: the key a
/// screen gives (sample, panel, field, opacity, outlines, hidden classes, revision, zoom window…) and
/// the pixel size. A frame that changes none of those reuses the picture instead of resampling
/// full-resolution masks again. A few dozen pictures at screen size; the oldest go first.
public final class ComposeCache: Sendable {
  private struct Entries {
    var images: [String: ComposedImage] = [:]
    var order: [String] = []
    /// Words that came out of composing an image (an augmentation draw's applied transforms).
    var notes: [String: [String]] = [:]
  }

  private let entries = Mutex(Entries())
  private let capacity: Int

  public init(capacity: Int = 32) { self.capacity = capacity }

  func image(_ key: String, make: () -> ComposedImage) -> ComposedImage {
    if let hit = entries.withLock({ $0.images[key] }) { return hit }
    let made = make()
    entries.withLock { e in
      if e.images.updateValue(made, forKey: key) == nil { e.order.append(key) }
      while e.order.count > capacity {
        let old = e.order.removeFirst()
        e.images[old] = nil
        e.notes[old] = nil
      }
    }
    return made
  }

  /// A note kept with an image's key (dropped with the image).
  func note(_ key: String) -> [String]? { entries.withLock { $0.notes[key] } }
  func setNote(_ key: String, _ words: [String]) { entries.withLock { $0.notes[key] = words } }

  /// Pictures kept now.
  public var count: Int { entries.withLock { $0.images.count } }
}
