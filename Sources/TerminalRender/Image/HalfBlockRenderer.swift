import SegmentationCore

/// Draws pictures with U+2580 (upper half block): each cell shows two pixels, the top one as
/// foreground and the bottom one as background. Does no I/O.
public enum HalfBlockRenderer {
  /// The pixel size a picture must have to fill `cols` x `rows` cells.
  public static func pixelSize(cols: Int, rows: Int) -> (Int, Int) { (cols, rows * 2) }

  /// Draws `image` (already `cols` x `2*rows` pixels, or smaller: it is drawn from the top-left) into
  /// `buffer` at `origin`. Colours are reduced for the mode; `.none` uses shading glyphs.
  public static func draw(_ image: RGBImage, into buffer: inout Buffer, at origin: (x: Int, y: Int), mode: ColorMode) {
    let cols = image.width, rows = (image.height + 1) / 2
    for cy in 0..<rows {
      for cx in 0..<cols {
        let top = image[x: cx, y: cy * 2]
        let bottom = cy * 2 + 1 < image.height ? image[x: cx, y: cy * 2 + 1] : top
        buffer[origin.x + cx, origin.y + cy] = cell(top: top, bottom: bottom, mode: mode)
      }
    }
  }

  /// One cell for a pair of pixels.
  public static func cell(top: RGB, bottom: RGB, mode: ColorMode) -> Cell {
    switch mode {
    case .truecolor:
      return top == bottom ? Cell(" ", style: Style(bg: top)) : Cell("▀", style: Style(fg: top, bg: bottom))
    case .palette256:
      let t = ColorQuantizer.rgb(of: ColorQuantizer.index256(top)), b = ColorQuantizer.rgb(of: ColorQuantizer.index256(bottom))
      return t == b ? Cell(" ", style: Style(bg: b)) : Cell("▀", style: Style(fg: t, bg: b))
    case .ansi16:
      let t = ColorQuantizer.ansi16[Int(ColorQuantizer.index16(top))], b = ColorQuantizer.ansi16[Int(ColorQuantizer.index16(bottom))]
      return t == b ? Cell(" ", style: Style(bg: b)) : Cell("▀", style: Style(fg: t, bg: b))
    case .none:
      let l = (ColorQuantizer.luma(top) + ColorQuantizer.luma(bottom)) / 2
      return Cell(shades[min(shades.count - 1, l * shades.count / 256)])
    }
  }

  /// Dark to light, for terminals without colour.
  static let shades = [" ", "·", ":", "░", "▒", "▓", "█"]
}
