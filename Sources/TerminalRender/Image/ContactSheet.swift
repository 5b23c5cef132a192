import SegmentationCore

/// A contact sheet: one tile per sample (the image with its ground truth overlaid, and the error
/// map beside it when a prediction is given) with a caption, laid out in a grid. A pure function of
/// its inputs, written to PNG by the caller.
public enum ContactSheet {
  /// One sample's pictures and caption lines.
  public struct Tile: Sendable {
    public let image: RGBImage
    public let groundTruth: LabelMask?
    public let prediction: LabelMask?
    public let caption: [String]
    public init(image: RGBImage, groundTruth: LabelMask?, prediction: LabelMask?, caption: [String]) {
      self.image = image
      self.groundTruth = groundTruth
      self.prediction = prediction
      self.caption = caption
    }
  }

  public struct Options: Sendable {
    /// Width of one picture in a tile; heights follow the aspect ratio (at most 3/4 of the width).
    public var pictureWidth = 240
    public var columns = 4
    public var palette = ClassPalette()
    public var ignore: Set<UInt16> = [255]
    /// Classes the overlay leaves transparent: the class map's background (`BackgroundClass`).
    public var hidden: Set<UInt16> = []
    public var background = RGB(24, 24, 28)
    public var text = RGB(230, 230, 230)
    public var errors = ErrorColors()
    public init() {}
  }

  /// Composes the sheet. Masks of another size than their image are left out of the tile.
  public static func render(_ tiles: [Tile], title: String, options o: Options = Options()) -> RGBImage {
    let pw = o.pictureWidth, ph = pw * 3 / 4
    let withErrors = tiles.contains { $0.prediction != nil && $0.groundTruth != nil }
    let tileW = (withErrors ? 2 * pw + 4 : pw) + 8
    let captionLines = max(1, tiles.map(\.caption.count).max() ?? 1)
    let tileH = ph + 6 + captionLines * (BitmapFont.glyphHeight + 1) + 8
    let cols = max(1, min(o.columns, tiles.count))
    let rows = (tiles.count + cols - 1) / cols
    let header = BitmapFont.glyphHeight + 10
    var sheet = RGBImage(width: cols * tileW + 8, height: header + max(1, rows) * tileH, fill: o.background)
    BitmapFont.draw(title, into: &sheet, x: 8, y: 5, color: o.text, maxWidth: sheet.width - 16)
    for (n, t) in tiles.enumerated() {
      let x0 = 8 + (n % cols) * tileW, y0 = header + (n / cols) * tileH
      let (w, h) = Resample.fit(width: t.image.width, height: t.image.height, maxWidth: pw, maxHeight: ph)
      let small = Resample.area(t.image, width: w, height: h)
      var gtSmall: LabelMask? = nil
      if let g = t.groundTruth, g.width == t.image.width, g.height == t.image.height { gtSmall = Resample.majority(g, width: w, height: h) }
      let left =
        gtSmall.map {
          MaskComposer.overlay(small, $0, palette: o.palette, options: .init(alpha: 0.5, outlines: true, hidden: o.hidden, ignore: o.ignore)).image
        } ?? small
      blit(left, into: &sheet, x: x0, y: y0)
      if let g = t.groundTruth, let p = t.prediction, g.width == p.width, g.height == p.height, g.width == t.image.width, g.height == t.image.height {
        let err = MaskComposer.errorMap(gt: g, pred: p, ignore: o.ignore, colors: o.errors).image
        blit(Resample.area(err, width: w, height: h), into: &sheet, x: x0 + pw + 4, y: y0)
      }
      for (i, line) in t.caption.enumerated() {
        BitmapFont.draw(Sanitize.forTerminal(line), into: &sheet, x: x0, y: y0 + ph + 6 + i * (BitmapFont.glyphHeight + 1), color: o.text, maxWidth: tileW - 8)
      }
    }
    return sheet
  }

  static func blit(_ src: RGBImage, into dst: inout RGBImage, x: Int, y: Int) {
    for yy in 0..<src.height where y + yy < dst.height {
      for xx in 0..<src.width where x + xx < dst.width { dst[x: x + xx, y: y + yy] = src[x: xx, y: yy] }
    }
  }
}
