import SegmentationCore

/// One picture of a side-by-side row, built at whatever pixel size the layout picks.
public struct Panel {
  public let title: String
  public let build: (Int, Int) -> ComposedImage
  public let sourceWidth: Int
  public let sourceHeight: Int

  public init(title: String, build: @escaping (Int, Int) -> ComposedImage, sourceWidth: Int, sourceHeight: Int) {
    self.title = title
    self.build = build
    self.sourceWidth = sourceWidth
    self.sourceHeight = sourceHeight
  }
}

/// Lays panels side by side for the render command.
public enum PanelLayout {
  public static let gap = 2

  public static func panelColumns(_ count: Int, _ columns: Int) -> Int { max(4, (columns - gap * (count - 1)) / max(1, count)) }

  /// Half-block (or shading) text: a caption row, then the pictures.
  public static func halfBlock(_ panels: [Panel], columns: Int, mode: ColorMode) -> String {
    guard let first = panels.first else { return "" }
    let pc = panelColumns(panels.count, columns)
    let (pw, ph) = Resample.fit(width: first.sourceWidth, height: first.sourceHeight, maxWidth: pc, maxHeight: 4000, pixelAspect: 1)
    let rows = (ph + 1) / 2
    var buf = Buffer(width: panels.count * pc + gap * (panels.count - 1), height: rows + 1)
    for (i, p) in panels.enumerated() {
      let x = i * (pc + gap)
      buf.putPadded(p.title, x: x, y: 0, width: pc, style: Style(attributes: .bold))
      HalfBlockRenderer.draw(p.build(pw, ph).image, into: &buf, at: (x, 1), mode: mode)
    }
    return AnsiWriter.render(buf, mode: mode)
  }

  /// Composes the panels into one picture (with gaps) sized in pixels for the terminal's cells.
  public static func composite(_ panels: [Panel], columns: Int, caps: TerminalCapabilities) -> ComposedImage? {
    guard let first = panels.first else { return nil }
    let pc = panelColumns(panels.count, columns)
    var maxW = pc * caps.cellWidth
    var maxH = max(6, (caps.rows - 3) * caps.cellHeight)
    if let g = caps.maxGraphicsSize {
      maxW = min(maxW, (g.width - gap * caps.cellWidth * (panels.count - 1)) / panels.count)
      maxH = min(maxH, g.height)
    }
    // Whole sixel bands: the aspect is kept inside them and the pictures padded to the next band.
    let (pw, ph0) = Resample.fit(width: first.sourceWidth, height: first.sourceHeight, maxWidth: maxW, maxHeight: max(6, maxH - maxH % 6))
    let ph = max(6, (ph0 + 5) / 6 * 6)
    let gapPx = gap * caps.cellWidth
    let total = panels.count * pw + gapPx * (panels.count - 1)
    var canvas = RGBImage(width: total, height: ph)
    var exact = [Bool](repeating: true, count: total * ph)
    for (i, p) in panels.enumerated() {
      let img = p.build(pw, ph0).padded(toHeight: ph)
      let x0 = i * (pw + gapPx)
      for y in 0..<ph {
        for x in 0..<pw {
          canvas[x: x0 + x, y: y] = img.image[x: x, y: y]
          exact[y * total + x0 + x] = img.exact[y * pw + x]
        }
      }
    }
    return ComposedImage(image: canvas, exact: exact)
  }

  public static func captions(_ panels: [Panel], columns: Int, caps: TerminalCapabilities) -> String {
    let pc = panelColumns(panels.count, columns)
    var buf = Buffer(width: panels.count * pc + gap * (panels.count - 1), height: 1)
    for (i, p) in panels.enumerated() { buf.putPadded(p.title, x: i * (pc + gap), y: 0, width: pc, style: Style(attributes: .bold)) }
    return AnsiWriter.render(buf, mode: caps.colors == .none ? .none : .palette256)
  }

  /// The panels in the best graphics `caps` allow, `columns` wide: the bytes to write.
  public static func render(_ panels: [Panel], columns: Int, caps: TerminalCapabilities) -> [UInt8] {
    switch caps.graphics {
    case .sixel: sixel(panels, columns: columns, caps: caps)
    case .kitty: kitty(panels, columns: columns, caps: caps)
    case .halfblock, .ascii: Array(halfBlock(panels, columns: columns, mode: caps.graphics == .ascii ? .none : caps.colors).utf8)
    }
  }

  public static func sixel(_ panels: [Panel], columns: Int, caps: TerminalCapabilities) -> [UInt8] {
    guard let img = composite(panels, columns: columns, caps: caps) else { return [] }
    var out = Array(captions(panels, columns: columns, caps: caps).utf8)
    out += SixelEncoder(registers: caps.colorRegisters).encode(img)
    out += Array("\n".utf8)
    return out
  }

  public static func kitty(_ panels: [Panel], columns: Int, caps: TerminalCapabilities) -> [UInt8] {
    guard let img = composite(panels, columns: columns, caps: caps) else { return [] }
    var out = Array(captions(panels, columns: columns, caps: caps).utf8)
    out += KittyEncoder.encode(img.image)
    out += Array("\n".utf8)
    return out
  }
}
