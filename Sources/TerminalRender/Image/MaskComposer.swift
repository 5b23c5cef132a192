import SegmentationCore

/// A composed preview: pixels, plus which pixels carry an exact class or UI colour (outlines, opaque
/// fills, error-map colours) that sixel quantization must keep and never dither.
public struct ComposedImage: Sendable, Equatable {
  public var image: RGBImage
  public var exact: [Bool]

  public init(image: RGBImage, exact: [Bool]? = nil) {
    self.image = image
    self.exact = exact ?? [Bool](repeating: false, count: image.width * image.height)
  }

  /// The picture padded at the bottom to `height` rows (whole sixel bands) by repeating its last
  /// row: the picture keeps its aspect instead of being stretched to the bands.
  public func padded(toHeight height: Int) -> ComposedImage {
    let w = image.width, h = image.height
    guard height > h, w > 0, h > 0 else { return self }
    var pixels = image.pixels
    var flags = exact
    let lastRow = Array(image.pixels[((h - 1) * w * 3)..<(h * w * 3)])
    let lastFlags = Array(exact[((h - 1) * w)..<(h * w)])
    for _ in h..<height {
      pixels += lastRow
      flags += lastFlags
    }
    return ComposedImage(image: RGBImage(width: w, height: height, pixels: pixels), exact: flags)
  }
}

/// Colours of an error map.
public struct ErrorColors: Sendable, Equatable {
  public var truePositive: RGB
  public var falsePositive: RGB
  public var falseNegative: RGB
  public var ignored: RGB
  public var background: RGB

  public init(
    truePositive: RGB = RGB(46, 160, 67), falsePositive: RGB = RGB(218, 54, 51), falseNegative: RGB = RGB(240, 170, 20), ignored: RGB = RGB(110, 110, 110),
    background: RGB = RGB(24, 24, 28)
  ) {
    self.truePositive = truePositive
    self.falsePositive = falsePositive
    self.falseNegative = falseNegative
    self.ignored = ignored
    self.background = background
  }
}

/// Overlays masks on images and draws error maps. Inputs must already have the same size (resize the
/// photo with `Resample.area` and masks with `Resample.majority` first). Does no I/O.
public enum MaskComposer {
  /// Options for a mask overlay.
  public struct Overlay: Sendable, Equatable {
    /// 0 = image only, 1 = opaque class colours.
    public var alpha: Double = 0.5
    /// Draw class boundaries in the pure class colour.
    public var outlines: Bool = true
    /// Classes not drawn.
    public var hidden: Set<UInt16> = []
    /// Values drawn as nothing (void / ignore).
    public var ignore: Set<UInt16> = [255]
    public init(alpha: Double = 0.5, outlines: Bool = true, hidden: Set<UInt16> = [], ignore: Set<UInt16> = [255]) {
      self.alpha = alpha
      self.outlines = outlines
      self.hidden = hidden
      self.ignore = ignore
    }
  }

  /// Blends class colours over the image; with outlines, boundary pixels take the pure class colour.
  public static func overlay(_ image: RGBImage, _ mask: LabelMask, palette: ClassPalette, options o: Overlay = Overlay()) -> ComposedImage {
    precondition(image.width == mask.width && image.height == mask.height, "overlay needs equal sizes")
    let w = image.width, h = image.height
    var px = image.pixels
    var exact = [Bool](repeating: false, count: w * h)
    let a = max(0, min(1, o.alpha))
    let values = mask.values16
    var cache: [UInt16: RGB] = [:]
    for y in 0..<h {
      for x in 0..<w {
        let i = y * w + x
        let v = values[i]
        if o.hidden.contains(v) || o.ignore.contains(v) { continue }
        let c: RGB
        if let cc = cache[v] {
          c = cc
        } else {
          c = palette.color(v)
          cache[v] = c
        }
        let edge =
          o.outlines
          && ((x + 1 < w && values[i + 1] != v) || (y + 1 < h && values[i + w] != v) || (x > 0 && values[i - 1] != v) || (y > 0 && values[i - w] != v))
        if edge || a >= 1 {
          px[i * 3] = c.r
          px[i * 3 + 1] = c.g
          px[i * 3 + 2] = c.b
          exact[i] = true
        } else if a > 0 {
          px[i * 3] = UInt8((Double(px[i * 3]) * (1 - a) + Double(c.r) * a).rounded())
          px[i * 3 + 1] = UInt8((Double(px[i * 3 + 1]) * (1 - a) + Double(c.g) * a).rounded())
          px[i * 3 + 2] = UInt8((Double(px[i * 3 + 2]) * (1 - a) + Double(c.b) * a).rounded())
        }
      }
    }
    return ComposedImage(image: RGBImage(width: w, height: h, pixels: px), exact: exact)
  }

  /// A mask alone, each class in its colour (ignored values in the error map's ignored colour).
  public static func colorize(_ mask: LabelMask, palette: ClassPalette, ignore: Set<UInt16> = [255], ignoreColor: RGB = RGB(110, 110, 110)) -> ComposedImage {
    var px = [UInt8](repeating: 0, count: mask.count * 3)
    var cache: [UInt16: RGB] = [:]
    let values = mask.values16
    for i in 0..<mask.count {
      let v = values[i]
      let c: RGB
      if ignore.contains(v) {
        c = ignoreColor
      } else if let cc = cache[v] {
        c = cc
      } else {
        c = palette.color(v)
        cache[v] = c
      }
      px[i * 3] = c.r
      px[i * 3 + 1] = c.g
      px[i * 3 + 2] = c.b
    }
    return ComposedImage(image: RGBImage(width: mask.width, height: mask.height, pixels: px), exact: [Bool](repeating: true, count: mask.count))
  }

  /// Pixel outcomes of a prediction against ground truth. Overall: correct pixels are true positives,
  /// wrong ones false positives (they are a false negative of the ground-truth class too). For one
  /// class c: TP gt = pred = c, FP pred = c only, FN gt = c only, everything else background.
  public static func errorMap(gt: LabelMask, pred: LabelMask, ignore: Set<UInt16> = [255], classId: UInt16? = nil, colors: ErrorColors = ErrorColors())
    -> ComposedImage
  {
    precondition(gt.width == pred.width && gt.height == pred.height, "error map needs equal sizes")
    let g = gt.values16, p = pred.values16
    var px = [UInt8](repeating: 0, count: gt.count * 3)
    for i in 0..<gt.count {
      let c: RGB
      if ignore.contains(g[i]) {
        c = colors.ignored
      } else if let k = classId {
        switch (g[i] == k, p[i] == k) {
        case (true, true): c = colors.truePositive
        case (false, true): c = colors.falsePositive
        case (true, false): c = colors.falseNegative
        case (false, false): c = colors.background
        }
      } else {
        c = g[i] == p[i] ? colors.truePositive : colors.falsePositive
      }
      px[i * 3] = c.r
      px[i * 3 + 1] = c.g
      px[i * 3 + 2] = c.b
    }
    return ComposedImage(image: RGBImage(width: gt.width, height: gt.height, pixels: px), exact: [Bool](repeating: true, count: gt.count))
  }
}
