import SegmentationCore

/// A composed preview: pixels, plus which pixels carry an exact class or UI colour (outlines, opaque
/// fills, error-map colours) that sixel quantization must keep and never dither.
public struct ComposedImage: Sendable, Equatable {
  public var image: RGBImage
  public var exact: [Bool]
  /// The same picture as a photo and a translucent layer over it, for terminals that blend
  /// pictures (kitty): the photo, shared by several panels, is sent once and each panel adds only
  /// its layer, which compresses to little (a few colours and alphas). Nil when not asked for.
  public var layers: Layers?

  /// `base` under `overlay` (RGBA, straight alpha) makes `image` (up to rounding of the blend).
  /// The base may be smaller than the picture (a photo at its own resolution): the terminal scales
  /// it to the picture's size.
  public struct Layers: Sendable, Equatable {
    /// Names the base's content: pictures with equal keys share one upload.
    public var baseKey: String
    public var base: RGBImage
    /// Nil: the picture is the base alone (a layer is only kept when something on it shows).
    public var overlay: [UInt8]?
    public init(baseKey: String, base: RGBImage, overlay: [UInt8]? = nil) {
      self.baseKey = baseKey
      self.base = base
      self.overlay = overlay
    }
  }

  public init(image: RGBImage, exact: [Bool]? = nil, layers: Layers? = nil) {
    self.image = image
    self.exact = exact ?? [Bool](repeating: false, count: image.width * image.height)
    self.layers = layers
  }

  /// A photo as a picture that is its own base layer (named `baseKey`), when `baseKey` is given.
  public static func photo(_ image: RGBImage, baseKey: String?) -> ComposedImage {
    ComposedImage(image: image, layers: baseKey.map { Layers(baseKey: $0, base: image) })
  }

  /// Paints one pixel (a mark): in the picture and, opaque, in its top layer. `exact` keeps its
  /// colour out of sixel quantization.
  public mutating func paint(x: Int, y: Int, _ c: RGB, exact isExact: Bool = true) {
    let w = image.width
    guard x >= 0, y >= 0, x < w, y < image.height else { return }
    image[x: x, y: y] = c
    if isExact { exact[y * w + x] = true }
    guard layers != nil else { return }
    if layers!.overlay == nil { layers!.overlay = [UInt8](repeating: 0, count: w * image.height * 4) }
    let o = (y * w + x) * 4
    layers!.overlay![o] = c.r
    layers!.overlay![o + 1] = c.g
    layers!.overlay![o + 2] = c.b
    layers!.overlay![o + 3] = 255
  }

  /// The picture padded at the bottom to `height` rows (whole sixel bands) by repeating its last
  /// row: the picture keeps its aspect instead of being stretched to the bands.
  public func padded(toHeight height: Int) -> ComposedImage {
    let w = image.width, h = image.height
    guard height > h, w > 0, h > 0 else { return self }
    func pad(_ values: [UInt8], _ perPixel: Int) -> [UInt8] {
      var out = values
      let last = Array(values[((h - 1) * w * perPixel)..<(h * w * perPixel)])
      for _ in h..<height { out += last }
      return out
    }
    var flags = exact
    let lastFlags = Array(exact[((h - 1) * w)..<(h * w)])
    for _ in h..<height { flags += lastFlags }
    // A base of the picture's size is padded with it; a smaller one (scaled by the terminal) is not.
    let layers = self.layers.map { l in
      l.base.width == w && l.base.height == h
        ? Layers(
          baseKey: l.baseKey + "+pad\(height)", base: RGBImage(width: w, height: height, pixels: pad(l.base.pixels, 3)), overlay: l.overlay.map { pad($0, 4) })
        : Layers(baseKey: l.baseKey, base: l.base, overlay: l.overlay.map { pad($0, 4) })
    }
    return ComposedImage(image: RGBImage(width: w, height: height, pixels: pad(image.pixels, 3)), exact: flags, layers: layers)
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
  /// With `baseKey`, the result also carries its layers: `image` as the base and the class colours
  /// as a translucent layer (alpha = the overlay's opacity, outlines opaque).
  public static func overlay(_ image: RGBImage, _ mask: LabelMask, palette: ClassPalette, options o: Overlay = Overlay(), baseKey: String? = nil)
    -> ComposedImage
  {
    precondition(image.width == mask.width && image.height == mask.height, "overlay needs equal sizes")
    let w = image.width, h = image.height
    var px = image.pixels
    var exact = [Bool](repeating: false, count: w * h)
    var layer = baseKey == nil ? [] : [UInt8](repeating: 0, count: w * h * 4)
    let layerAlpha = UInt8((max(0, min(1, o.alpha)) * 255).rounded())
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
        if !layer.isEmpty && (edge || a > 0) {
          layer[i * 4] = c.r
          layer[i * 4 + 1] = c.g
          layer[i * 4 + 2] = c.b
          layer[i * 4 + 3] = edge ? 255 : layerAlpha
        }
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
    // A layer with nothing drawn is no layer: the picture is its base.
    let visible = stride(from: 3, to: layer.count, by: 4).contains { layer[$0] != 0 }
    let layers = baseKey.map { ComposedImage.Layers(baseKey: $0, base: image, overlay: visible ? layer : nil) }
    return ComposedImage(image: RGBImage(width: w, height: h, pixels: px), exact: exact, layers: layers)
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
