import TOML
import SegmentationCore

/// One transform of an augmentation pipeline, with Albumentations' names and parameters.
public enum Transform: Sendable, Equatable {
  case horizontalFlip
  case verticalFlip
  case randomRotate90
  case rotate(limit: ClosedRange<Double>)
  case affine(scale: ClosedRange<Double>, translate: ClosedRange<Double>, rotate: ClosedRange<Double>)
  case randomCrop(height: Int, width: Int)
  case crop(xMin: Int, yMin: Int, xMax: Int, yMax: Int)
  case centerCrop(height: Int, width: Int)
  case randomResizedCrop(height: Int, width: Int, scale: ClosedRange<Double>, ratio: ClosedRange<Double>)
  case padIfNeeded(minHeight: Int, minWidth: Int, fill: UInt8)
  case resize(height: Int, width: Int)
  case colorJitter(brightness: Double, contrast: Double, saturation: Double, hue: Double)
  case randomBrightnessContrast(brightness: Double, contrast: Double)
  case gaussianBlur(sigma: ClosedRange<Double>)
  case coarseDropout(holes: ClosedRange<Int>, height: ClosedRange<Double>, width: ClosedRange<Double>, fill: UInt8)

  /// The transform's Albumentations name.
  public var name: String {
    switch self {
    case .horizontalFlip: return "HorizontalFlip"
    case .verticalFlip: return "VerticalFlip"
    case .randomRotate90: return "RandomRotate90"
    case .rotate: return "Rotate"
    case .affine: return "Affine"
    case .randomCrop: return "RandomCrop"
    case .crop: return "Crop"
    case .centerCrop: return "CenterCrop"
    case .randomResizedCrop: return "RandomResizedCrop"
    case .padIfNeeded: return "PadIfNeeded"
    case .resize: return "Resize"
    case .colorJitter: return "ColorJitter"
    case .randomBrightnessContrast: return "RandomBrightnessContrast"
    case .gaussianBlur: return "GaussianBlur"
    case .coarseDropout: return "CoarseDropout"
    }
  }

  /// The Albumentations names this reads.
  public static let names = [
    "HorizontalFlip", "VerticalFlip", "RandomRotate90", "Rotate", "Affine", "RandomCrop", "Crop", "CenterCrop", "RandomResizedCrop", "PadIfNeeded",
    "Resize", "ColorJitter", "RandomBrightnessContrast", "GaussianBlur", "CoarseDropout",
  ]
}

/// A pipeline step: the transform and its probability.
public struct Step: Sendable, Equatable {
  public var transform: Transform
  public var p: Double
  /// The value masks get where the transform has no source pixel (Albumentations' `fill_mask`).
  public var fillMask: UInt16
}

/// A pipeline error naming the step and the problem.
public struct PipelineError: Error, Sendable, Equatable, CustomStringConvertible {
  public let message: String
  public var description: String { message }
}

/// An augmentation pipeline described in TOML:
///
///     fill_mask = 255            # default for every step: the ignore index
///     [[transform]]
///     name = "HorizontalFlip"
///     p = 0.5
///     [[transform]]
///     name = "RandomCrop"
///     height = 256
///     width = 256
///
/// Images move with bilinear interpolation, masks with nearest neighbour; where a mask has no source
/// pixel it gets `fill_mask`. Draws are seeded: the same seed gives the same result.
public struct Pipeline: Sendable, Equatable {
  public var steps: [Step]
  /// The largest output a step may ask for.
  public static let maxSide = 32_768
  public static let maxPixels = 100_000_000

  public init(steps: [Step]) { self.steps = steps }

  public static func parse(_ text: String) throws -> Pipeline {
    let doc: [String: TOMLValue]
    do { doc = try TOMLSubset.parse(text) } catch { throw PipelineError(message: "\(error)") }
    for key in doc.keys where !["transform", "fill_mask"].contains(key) {
      throw PipelineError(message: "unknown key '\(key)' (a pipeline has [[transform]] tables and fill_mask)")
    }
    let defaultFill =
      try doc["fill_mask"].map { v -> UInt16 in
        guard let n = v.number, n >= 0, n <= 65535, n == n.rounded() else { throw PipelineError(message: "fill_mask must be a whole number 0-65535") }
        return UInt16(n)
      } ?? 255
    guard let list = doc["transform"]?.array, !list.isEmpty else { throw PipelineError(message: "no [[transform]] in the pipeline") }
    var steps: [Step] = []
    for (i, v) in list.enumerated() {
      guard let t = v.table else { throw PipelineError(message: "transform \(i + 1) is not a table") }
      steps.append(try step(t, index: i + 1, defaultFill: defaultFill))
    }
    return Pipeline(steps: steps)
  }

  static func step(_ t: [String: TOMLValue], index: Int, defaultFill: UInt16) throws -> Step {
    guard let name = t["name"]?.string else { throw PipelineError(message: "transform \(index) has no name") }
    var used: Set<String> = ["name", "p", "fill_mask"]
    func where_() -> String { "transform \(index) (\(name))" }
    func show(_ v: Double) -> String { v == v.rounded() && abs(v) < 1e15 ? String(Int(v)) : String(v) }
    func outside(_ key: String, _ got: String, _ allowed: ClosedRange<Double>) -> PipelineError {
      PipelineError(message: "\(where_()): '\(key)' must be within \(show(allowed.lowerBound))...\(show(allowed.upperBound)) (got \(got))")
    }
    /// A number within `allowed` (every number of a pipeline is checked: nan, inf and values that
    /// would make a transform trap or run for hours are refused here).
    func number(_ key: String, _ def: Double? = nil, allowed: ClosedRange<Double>) throws -> Double {
      used.insert(key)
      guard let v = t[key] else {
        if let def { return def }
        throw PipelineError(message: "\(where_()): '\(key)' is missing")
      }
      guard let n = v.number else { throw PipelineError(message: "\(where_()): '\(key)' must be a number") }
      guard n.isFinite, allowed.contains(n) else { throw outside(key, show(n), allowed) }
      return n
    }
    func int(_ key: String, _ def: Int? = nil, allowed: ClosedRange<Int> = 0...1_000_000) throws -> Int {
      let n = try number(key, def.map(Double.init), allowed: Double(allowed.lowerBound)...Double(allowed.upperBound))
      guard n == n.rounded() else { throw PipelineError(message: "\(where_()): '\(key)' must be a whole number") }
      return Int(n)
    }
    /// A number x as [-x, x] (or x...x when not `symmetric`), or a [low, high] pair; both ends within `allowed`.
    func range(_ key: String, _ def: ClosedRange<Double>, symmetric: Bool = true, allowed: ClosedRange<Double>) throws -> ClosedRange<Double> {
      used.insert(key)
      guard let v = t[key] else { return def }
      if let n = v.number {
        guard n.isFinite else { throw outside(key, show(n), allowed) }
        let r = symmetric ? -abs(n)...abs(n) : n...n
        guard allowed.contains(r.lowerBound), allowed.contains(r.upperBound) else { throw outside(key, show(n), allowed) }
        return r
      }
      guard let a = v.array, a.count == 2, let lo = a[0].number, let hi = a[1].number else {
        throw PipelineError(message: "\(where_()): '\(key)' must be a number or [low, high]")
      }
      guard lo.isFinite, hi.isFinite, allowed.contains(lo), allowed.contains(hi) else { throw outside(key, "[\(show(lo)), \(show(hi))]", allowed) }
      guard lo <= hi else { throw PipelineError(message: "\(where_()): '\(key)' must be [low, high] with low <= high (got [\(show(lo)), \(show(hi))])") }
      return lo...hi
    }
    let p = try number("p", 1.0, allowed: 0...1)
    var fill = defaultFill
    if t["fill_mask"] != nil { fill = UInt16(try int("fill_mask", allowed: 0...65535)) }
    let degrees: ClosedRange<Double> = -360...360
    let transform: Transform
    switch name {
    case "HorizontalFlip": transform = .horizontalFlip
    case "VerticalFlip": transform = .verticalFlip
    case "RandomRotate90": transform = .randomRotate90
    case "Rotate": transform = .rotate(limit: try range("limit", -90...90, allowed: degrees))
    case "Affine":
      transform = .affine(
        scale: try range("scale", 1...1, symmetric: false, allowed: 0.01...100),
        translate: try range("translate_percent", 0...0, symmetric: false, allowed: -1...1),
        rotate: try range("rotate", 0...0, symmetric: false, allowed: degrees))
    case "RandomCrop": transform = .randomCrop(height: try int("height"), width: try int("width"))
    case "Crop":
      let c = Transform.crop(xMin: try int("x_min", 0), yMin: try int("y_min", 0), xMax: try int("x_max"), yMax: try int("y_max"))
      if case .crop(let x0, let y0, let x1, let y1) = c, x1 <= x0 || y1 <= y0 {
        throw PipelineError(message: "\(where_()): x_max/y_max must exceed x_min/y_min")
      }
      transform = c
    case "CenterCrop": transform = .centerCrop(height: try int("height"), width: try int("width"))
    case "RandomResizedCrop":
      used.insert("size")
      guard let s = t["size"]?.array, s.count == 2, let h = s[0].number, let w = s[1].number, h == h.rounded(), w == w.rounded(), h >= 1, w >= 1,
        h <= 100_000, w <= 100_000
      else {
        throw PipelineError(message: "\(where_()): 'size' must be [height, width], whole numbers 1...100000")
      }
      transform = .randomResizedCrop(
        height: Int(h), width: Int(w), scale: try range("scale", 0.08...1, symmetric: false, allowed: 0.0001...1),
        ratio: try range("ratio", 0.75...(4.0 / 3.0), symmetric: false, allowed: 0.01...100))
    case "PadIfNeeded":
      let f = try int("fill", 0, allowed: 0...255)
      used.insert("border_mode")
      if let b = t["border_mode"], b.number != 0 { throw PipelineError(message: "\(where_()): only border_mode = 0 (constant) is supported") }
      transform = .padIfNeeded(minHeight: try int("min_height"), minWidth: try int("min_width"), fill: UInt8(f))
    case "Resize": transform = .resize(height: try int("height"), width: try int("width"))
    case "ColorJitter":
      transform = .colorJitter(
        brightness: try number("brightness", 0.2, allowed: 0...10), contrast: try number("contrast", 0.2, allowed: 0...10),
        saturation: try number("saturation", 0.2, allowed: 0...10), hue: try number("hue", 0.1, allowed: 0...0.5))
    case "RandomBrightnessContrast":
      transform = .randomBrightnessContrast(
        brightness: try number("brightness_limit", 0.2, allowed: 0...1), contrast: try number("contrast_limit", 0.2, allowed: 0...1))
    case "GaussianBlur":
      // Up to sigma 50 (a 301-tap kernel): the work stays a bounded multiple of the image's size.
      transform = .gaussianBlur(sigma: try range("sigma_limit", 0.5...3, symmetric: false, allowed: 0...50))
    case "CoarseDropout":
      let holes = try range("num_holes_range", 1...2, symmetric: false, allowed: 0...10_000)
      guard holes.lowerBound == holes.lowerBound.rounded(), holes.upperBound == holes.upperBound.rounded() else {
        throw PipelineError(message: "\(where_()): 'num_holes_range' must be whole numbers")
      }
      // Hole sizes: fractions of the image up to 1, or pixels above 1.
      transform = .coarseDropout(
        holes: Int(holes.lowerBound)...Int(holes.upperBound), height: try range("hole_height_range", 0.1...0.2, symmetric: false, allowed: 0...32_768),
        width: try range("hole_width_range", 0.1...0.2, symmetric: false, allowed: 0...32_768), fill: UInt8(try int("fill", 0, allowed: 0...255)))
    default:
      throw PipelineError(message: "transform \(index): '\(name)' is not supported (supported: \(Transform.names.joined(separator: ", ")))")
    }
    for key in t.keys where !used.contains(key) { throw PipelineError(message: "\(where_()): unknown parameter '\(key)'") }
    // An output size is bounded here, not by the memory a typo would ask for.
    let size: (Int, Int)? = {
      switch transform {
      case .randomCrop(let h, let w), .centerCrop(let h, let w), .resize(let h, let w), .randomResizedCrop(let h, let w, _, _): return (h, w)
      case .padIfNeeded(let h, let w, _): return (h, w)
      case .crop(let x0, let y0, let x1, let y1): return (y1 - y0, x1 - x0)
      default: return nil
      }
    }()
    if let (h, w) = size {
      guard h >= 1, w >= 1, h <= Self.maxSide, w <= Self.maxSide, h * w <= Self.maxPixels else {
        throw PipelineError(message: "\(where_()): an output of \(w)x\(h) is outside 1..\(Self.maxSide) per side and \(Self.maxPixels / 1_000_000) Mpx")
      }
    }
    return Step(transform: transform, p: p, fillMask: fill)
  }

  /// The random stream of one draw (SplitMix64 from a mixed seed, so that seeds 0, 1, 2... start far apart).
  static func draws(_ seed: UInt64) -> SplitMix64 { SplitMix64(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ 0x1234_5678) }

  /// One seeded draw of the pipeline over an image and its mask (same size).
  public func apply(image: RGBImage, mask: LabelMask?, seed: UInt64) -> (RGBImage, LabelMask?) {
    let d = draw(image: image, mask: mask, seed: seed)
    return (d.image, d.mask)
  }

  /// One seeded draw, with the names of the steps whose probability roll applied them, in order.
  /// `shouldStop` is checked between steps and inside the long loops; once it answers true the result
  /// is partial, and the caller throws it away.
  public func draw(image: RGBImage, mask: LabelMask?, seed: UInt64, shouldStop: () -> Bool = { false }) -> (
    image: RGBImage, mask: LabelMask?, applied: [String]
  ) {
    var rng = Self.draws(seed)
    var img = Raster(image), m = mask.map(MaskRaster.init)
    var applied: [String] = []
    for step in steps {
      if shouldStop() { break }
      let roll = rng.unit()
      if roll >= step.p { continue }
      Ops.apply(step, &img, &m, &rng, stop: shouldStop)
      applied.append(step.transform.name)
    }
    return (img.image, m.map { $0.mask(bitDepth: mask?.bitDepth ?? 8) }, applied)
  }
}

extension SplitMix64 {
  /// Uniform in the range (as `uniform(lo, hi)`).
  mutating func uniform(_ r: ClosedRange<Double>) -> Double { uniform(r.lowerBound, r.upperBound) }
  /// An int in the range (as `int(lo, hi)`).
  mutating func int(_ r: ClosedRange<Int>) -> Int { int(r.lowerBound, r.upperBound) }
}
