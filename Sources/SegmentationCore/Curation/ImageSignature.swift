import Foundation

/// What segscope remembers of an image to find duplicates, similar images and unusual ones, with no
/// neural network: two perceptual hashes and a classical embedding.
///
/// The embedding is made of parts, each normalised to unit length and weighted, then concatenated
/// (so the whole has unit length and the cosine distance of two embeddings is `1 - a·b`, in [0, 2]):
/// - colour (weight 0.25): an HSV histogram of the 32x32 image, 12 hue x 3 saturation bins plus 8
///   value bins, square roots of the shares (Hellinger), so that one dominant colour does not drown
///   the rest;
/// - gradients (weight 0.35): a HOG-like histogram, 4x4 cells of the 64x64 grey image, 8 unsigned
///   orientations each, weighted by gradient magnitude;
/// - layout (weight 0.40): an 8x8 Lab thumbnail with the mean lightness taken out (a brightened copy
///   keeps its layout).
/// The mask layout of a sample with ground truth is a separate vector (`MaskLayout`).
public struct ImageSignature: Sendable, Equatable {
  /// imagededup's pHash: grey 32x32, 2-D DCT, top-left 8x8, bit = coefficient > their median.
  public var phash: UInt64
  /// imagededup's dHash: grey 9x8, bit = left pixel > right pixel.
  public var dhash: UInt64
  /// Unit length, `ImageSignature.dimensions` values.
  public var embedding: [Float]
  /// Mean luma (Rec. 601) of the 64x64 image, in [0, 1].
  public var brightness: Float
  /// RMS contrast: the standard deviation of that luma, in [0, 0.5].
  public var contrast: Float

  public init(phash: UInt64, dhash: UInt64, embedding: [Float], brightness: Float = 0, contrast: Float = 0) {
    self.phash = phash
    self.dhash = dhash
    self.embedding = embedding
    self.brightness = brightness
    self.contrast = contrast
  }

  public static let colourBins = 12 * 3 + 8
  public static let gradientBins = 4 * 4 * 8
  public static let thumbnailValues = 8 * 8 * 3
  public static let dimensions = colourBins + gradientBins + thumbnailValues
  /// Bumped when the recipe changes: stored signatures of another version are made again.
  public static let version = 7
  /// Added to each gradient bin (square root of summed magnitudes): about what grey-level noise of
  /// one step gives a cell.
  static let gradientFloor: Float = 4
  /// Added to each Lab thumbnail value: about a third of a lightness step.
  static let thumbnailFloor: Float = 0.5

  /// The signature of an image (any size; at least 8x8 pixels is useful).
  public static func of(_ image: RGBImage) -> ImageSignature {
    let small = Self.shrink(image, to: 64, 64)
    var grey = [Float](repeating: 0, count: 64 * 64)
    for i in 0..<(64 * 64) { grey[i] = 0.299 * small[i * 3] + 0.587 * small[i * 3 + 1] + 0.114 * small[i * 3 + 2] }
    let phash = Self.phash(grey)
    let dhash = Self.dhash(grey)
    // Each part gets a floor added to every value before it is normalised: a flat image has no
    // gradients and (black) no layout, and a nearly flat one only noise, which normalising would blow
    // up into an arbitrary direction. With the floor, both land on the same fixed direction (so flat
    // images are near duplicates of each other) and the whole embedding keeps unit length; structured
    // images, whose values are far above the floors, barely move.
    var parts: [(values: [Float], weight: Float, floor: Float)] = []
    parts.append((Self.colourHistogram(Self.poolRGB(small)), 0.25, 0))
    parts.append((Self.gradientHistogram(grey), 0.35, Self.gradientFloor))
    parts.append((Self.labThumbnail(small), 0.40, Self.thumbnailFloor))
    var embedding: [Float] = []
    embedding.reserveCapacity(dimensions)
    for (raw, weight, floor) in parts {
      let values = floor > 0 ? raw.map { $0 + floor } : raw
      let norm = values.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
      let k = norm > 0 ? weight.squareRoot() / norm : 0
      embedding += values.map { $0 * k }
    }
    let (brightness, contrast) = Self.lumaMoments(grey)
    return ImageSignature(phash: phash, dhash: dhash, embedding: embedding, brightness: brightness, contrast: contrast)
  }

  /// Cosine distance of two unit embeddings, in [0, 2].
  @inlinable public static func distance(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    var dot: Float = 0
    a.withUnsafeBufferPointer { pa in
      b.withUnsafeBufferPointer { pb in
        for i in 0..<pa.count { dot += pa[i] * pb[i] }
      }
    }
    return max(0, 1 - dot)
  }

  /// Bits that differ.
  @inlinable public static func hamming(_ a: UInt64, _ b: UInt64) -> Int { (a ^ b).nonzeroBitCount }

  /// Area-average shrink (or nearest growth) of an RGB image to w x h, as floats 0...255.
  static func shrink(_ image: RGBImage, to w: Int, _ h: Int) -> [Float] {
    var out = [Float](repeating: 0, count: w * h * 3)
    guard image.width > 0, image.height > 0 else { return out }
    let sw = image.width, sh = image.height
    let xs = (0..<w).map { ox -> (Int, Int) in
      let x0 = ox * sw / w
      return (x0, max(x0 + 1, (ox + 1) * sw / w))
    }
    image.pixels.withUnsafeBufferPointer { px in
      out.withUnsafeMutableBufferPointer { o in
        // Column sums of the output row's source rows first, then the x ranges over them.
        var column = [Int32](repeating: 0, count: sw * 3)
        for oy in 0..<h {
          let y0 = oy * sh / h, y1 = max(y0 + 1, (oy + 1) * sh / h)
          for i in 0..<(sw * 3) { column[i] = 0 }
          for y in y0..<y1 {
            let base = y * sw * 3
            for i in 0..<(sw * 3) { column[i] &+= Int32(px[base + i]) }
          }
          for ox in 0..<w {
            let (x0, x1) = xs[ox]
            var r: Int32 = 0, g: Int32 = 0, b: Int32 = 0
            for x in x0..<x1 {
              r &+= column[x * 3]
              g &+= column[x * 3 + 1]
              b &+= column[x * 3 + 2]
            }
            let n = Float((y1 - y0) * (x1 - x0))
            let k = (oy * w + ox) * 3
            o[k] = Float(r) / n
            o[k + 1] = Float(g) / n
            o[k + 2] = Float(b) / n
          }
        }
      }
    }
    return out
  }

  /// The 64x64 RGB image at 32x32 (2x2 means): colour shares need no more.
  static func poolRGB(_ rgb64: [Float]) -> [Float] {
    var out = [Float](repeating: 0, count: 32 * 32 * 3)
    for y in 0..<32 {
      for x in 0..<32 {
        for c in 0..<3 {
          let a = ((2 * y) * 64 + 2 * x) * 3 + c
          out[(y * 32 + x) * 3 + c] = (rgb64[a] + rgb64[a + 3] + rgb64[a + 192] + rgb64[a + 195]) / 4
        }
      }
    }
    return out
  }

  /// Mean of `factor` x `factor` blocks of a square grey image of side `side`.
  static func pool(_ grey: [Float], side: Int, factor: Int) -> [Float] {
    let n = side / factor
    var out = [Float](repeating: 0, count: n * n)
    for y in 0..<n {
      for x in 0..<n {
        var s: Float = 0
        for dy in 0..<factor { for dx in 0..<factor { s += grey[(y * factor + dy) * side + x * factor + dx] } }
        out[y * n + x] = s / Float(factor * factor)
      }
    }
    return out
  }

  /// The DCT-II basis for 32 samples, computed once.
  static let dctBasis: [Float] = {
    var c = [Float](repeating: 0, count: 32 * 32)
    for k in 0..<32 {
      for n in 0..<32 { c[k * 32 + n] = Float(cos(Double.pi / 32 * (Double(n) + 0.5) * Double(k))) }
    }
    return c
  }()

  static func phash(_ grey64: [Float]) -> UInt64 {
    let g = pool(grey64, side: 64, factor: 2)
    let c = dctBasis
    // Only the 8 lowest frequencies are needed in each direction: rows first, then columns.
    var rows = [Float](repeating: 0, count: 32 * 8)
    for y in 0..<32 {
      for k in 0..<8 {
        var s: Float = 0
        for x in 0..<32 { s += g[y * 32 + x] * c[k * 32 + x] }
        rows[y * 8 + k] = s
      }
    }
    var coef = [Float](repeating: 0, count: 64)
    for ky in 0..<8 {
      for kx in 0..<8 {
        var s: Float = 0
        for y in 0..<32 { s += rows[y * 8 + kx] * c[ky * 32 + y] }
        coef[ky * 8 + kx] = s
      }
    }
    let sorted = coef.sorted()
    let median = (sorted[31] + sorted[32]) / 2
    var bits: UInt64 = 0
    for i in 0..<64 where coef[i] > median { bits |= 1 << UInt64(i) }
    return bits
  }

  static func dhash(_ grey64: [Float]) -> UInt64 {
    // Grey 9x8 by area from the 64x64 image.
    var g = [Float](repeating: 0, count: 9 * 8)
    for y in 0..<8 {
      for x in 0..<9 {
        let x0 = x * 64 / 9, x1 = max(x0 + 1, (x + 1) * 64 / 9)
        var s: Float = 0
        for yy in (y * 8)..<(y * 8 + 8) { for xx in x0..<x1 { s += grey64[yy * 64 + xx] } }
        g[y * 9 + x] = s / Float(8 * (x1 - x0))
      }
    }
    var bits: UInt64 = 0
    for y in 0..<8 {
      for x in 0..<8 where g[y * 9 + x] > g[y * 9 + x + 1] { bits |= 1 << UInt64(y * 8 + x) }
    }
    return bits
  }

  static func colourHistogram(_ rgb: [Float]) -> [Float] {
    var h = [Float](repeating: 0, count: colourBins)
    let n = rgb.count / 3
    for i in 0..<n {
      let r = rgb[i * 3] / 255, g = rgb[i * 3 + 1] / 255, b = rgb[i * 3 + 2] / 255
      let mx = max(r, g, b), mn = min(r, g, b), d = mx - mn
      let s = mx > 0 ? d / mx : 0
      var hue: Float = 0
      if d > 0 {
        if mx == r {
          hue = (g - b) / d
        } else if mx == g {
          hue = 2 + (b - r) / d
        } else {
          hue = 4 + (r - g) / d
        }
        hue = (hue < 0 ? hue + 6 : hue) / 6
      }
      let hb = min(11, Int(hue * 12)), sb = min(2, Int(s * 3)), vb = min(7, Int(mx * 8))
      h[hb * 3 + sb] += 1
      h[36 + vb] += 1
    }
    return h.map { ($0 / Float(max(1, n))).squareRoot() }
  }

  static func gradientHistogram(_ g: [Float]) -> [Float] {
    var h = [Float](repeating: 0, count: gradientBins)
    for y in 1..<63 {
      for x in 1..<63 {
        let gx = g[y * 64 + x + 1] - g[y * 64 + x - 1]
        let gy = g[(y + 1) * 64 + x] - g[(y - 1) * 64 + x]
        let mag = (gx * gx + gy * gy).squareRoot()
        guard mag > 0 else { continue }
        let bin = Self.orientationBin(gx, gy)
        h[((y / 16) * 4 + x / 16) * 8 + bin] += mag
      }
    }
    return h.map { $0.squareRoot() }
  }

  /// tan of the bin edges 22.5°, 45°, 67.5° (unsigned orientations, 8 bins over 180°).
  static let tanEdges: (Float, Float, Float) = (0.414_213_56, 1, 2.414_213_6)

  /// The 22.5° bin of the unsigned orientation of (gx, gy), without atan2: bin = floor(angle / 22.5°)
  /// for angle in [0°, 180°).
  @inline(__always) public static func orientationBin(_ gx: Float, _ gy: Float) -> Int {
    // Fold to the upper half-plane (unsigned orientation).
    var x = gx, y = gy
    if y < 0 || (y == 0 && x < 0) {
      x = -x
      y = -y
    }
    let ax = abs(x)
    // Bins 0-3 for x >= 0 (0°-90°), 4-7 for x < 0 (90°-180°).
    let (t1, t2, t3) = tanEdges
    var k: Int
    if y < t1 * ax {
      k = 0
    } else if y < t2 * ax {
      k = 1
    } else if y < t3 * ax {
      k = 2
    } else {
      k = 3
    }
    if x < 0 { k = 7 - k }
    return k
  }

  static func labThumbnail(_ rgb64: [Float]) -> [Float] {
    var lab = [Float](repeating: 0, count: thumbnailValues)
    for y in 0..<8 {
      for x in 0..<8 {
        var r: Float = 0, g: Float = 0, b: Float = 0
        for dy in 0..<8 {
          for dx in 0..<8 {
            let i = ((y * 8 + dy) * 64 + x * 8 + dx) * 3
            r += rgb64[i]
            g += rgb64[i + 1]
            b += rgb64[i + 2]
          }
        }
        let (l, a, bb) = Self.lab(r / 64 / 255, g / 64 / 255, b / 64 / 255)
        lab[(y * 8 + x) * 3] = l
        lab[(y * 8 + x) * 3 + 1] = a
        lab[(y * 8 + x) * 3 + 2] = bb
      }
    }
    var mean: Float = 0
    for i in 0..<64 { mean += lab[i * 3] }
    mean /= 64
    for i in 0..<64 { lab[i * 3] -= mean }
    return lab
  }

  /// sRGB (0...1) to CIE Lab (D65).
  static func lab(_ r: Float, _ g: Float, _ b: Float) -> (Float, Float, Float) {
    func lin(_ c: Float) -> Float { c <= 0.04045 ? c / 12.92 : Float(pow(Double((c + 0.055) / 1.055), 2.4)) }
    let rl = lin(r), gl = lin(g), bl = lin(b)
    let x = (0.4124 * rl + 0.3576 * gl + 0.1805 * bl) / 0.95047
    let y = 0.2126 * rl + 0.7152 * gl + 0.0722 * bl
    let z = (0.0193 * rl + 0.1192 * gl + 0.9505 * bl) / 1.08883
    func f(_ t: Float) -> Float { t > 0.008856 ? Float(cbrt(Double(t))) : 7.787 * t + 16.0 / 116 }
    let fx = f(x), fy = f(y), fz = f(z)
    return (116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz))
  }
}

/// A mask's layout: per-class area shares and a 4x4 grid of class shares, for the first 32 class
/// values (higher values count as the 32nd), unit length. 8-bit masks from 64x64 pixels up are
/// sampled on a grid (every other pixel, every fourth from 128x128). Near-identical scenes have near-identical
/// layouts.
public enum MaskLayout {
  public static let classes = 32
  public static let dimensions = classes * 17

  /// A layout in one byte per value (value x 255, rounded), as the indexing pass stores it.
  public static func pack(_ v: [Float]) -> [UInt8] { v.map { UInt8(max(0, min(255, ($0 * 255).rounded()))) } }

  /// A packed layout back to unit length.
  public static func unpack(_ b: [UInt8]) -> [Float] {
    let v = b.map { Float($0) / 255 }
    let norm = v.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
    return norm > 0 ? v.map { $0 / norm } : v
  }

  public static func of(_ mask: LabelMask, ignore: Set<UInt16>) -> [Float] {
    var v = [Float](repeating: 0, count: dimensions)
    let w = mask.width, h = mask.height
    guard w > 0, h > 0 else { return v }
    // Raw counts per grid cell and value first (8-bit masks: every value; 16-bit: values up to 255
    // apart, higher ones by value in a dictionary), so the pixel loop does no set lookups; ignore
    // values and the clamping to 32 classes come after.
    let cellX = (0..<w).map { $0 * 4 / w }
    var counts = [Int](repeating: 0, count: 16 * 256)
    var high: [UInt16: [Int]] = [:]
    switch mask.storage {
    case .u8(let p):
      // Each row in four runs, one per grid column.
      let edges = (0...4).map { ($0 * w + 3) / 4 }
      // Large masks are sampled (every 4th row and column from 128x128 up, every other from 64x64):
      // the shares barely move, and the indexing pass, which makes the layout, stays fast.
      let step = h >= 128 && w >= 128 ? 4 : (h >= 64 && w >= 64 ? 2 : 1)
      p.withUnsafeBufferPointer { px in
        counts.withUnsafeMutableBufferPointer { c in
          for y in stride(from: 0, to: h, by: step) {
            let row = (y * 4 / h) * 4
            let base = y * w
            for gx in 0..<4 {
              let cell = (row + gx) * 256
              var x = edges[gx]
              while x < edges[gx + 1] {
                c[cell + Int(px[base + x])] += 1
                x += step
              }
            }
          }
        }
      }
    case .u16(let p):
      for y in 0..<h {
        let row = (y * 4 / h) * 4
        for x in 0..<w {
          let value = p[y * w + x], cell = row + cellX[x]
          if value < 256 { counts[cell * 256 + Int(value)] += 1 } else { high[value, default: [Int](repeating: 0, count: 16)][cell] += 1 }
        }
      }
    }
    func add(_ value: UInt16, _ cell: Int, _ n: Int) {
      guard n > 0, !ignore.contains(value) else { return }
      let k = min(classes - 1, Int(value))
      v[k] += Float(n)
      v[classes + cell * classes + k] += Float(n)
    }
    for cell in 0..<16 {
      for value in 0..<256 { add(UInt16(value), cell, counts[cell * 256 + value]) }
      for (value, cells) in high { add(value, cell, cells[cell]) }
    }
    let norm = v.reduce(Float(0)) { $0 + $1 * $1 }.squareRoot()
    return norm > 0 ? v.map { $0 / norm } : v
  }
}
