#if canImport(Glibc)
  import Glibc
#endif

import SegmentationCore

/// An RGB picture in Float for the transforms (exact for index moves, bilinear otherwise).
struct Raster {
  var width: Int
  var height: Int
  var px: [UInt8]
  init(_ img: RGBImage) {
    width = img.width
    height = img.height
    px = img.pixels
  }
  init(width: Int, height: Int, px: [UInt8]) {
    self.width = width
    self.height = height
    self.px = px
  }
  var image: RGBImage { RGBImage(width: width, height: height, pixels: px) }
}

/// A label mask as 16-bit values.
struct MaskRaster {
  var width: Int
  var height: Int
  var v: [UInt16]
  init(_ m: LabelMask) {
    width = m.width
    height = m.height
    v = m.values16
  }
  init(width: Int, height: Int, v: [UInt16]) {
    self.width = width
    self.height = height
    self.v = v
  }
  func mask(bitDepth: Int) -> LabelMask {
    if bitDepth == 8, v.allSatisfy({ $0 < 256 }) { return LabelMask(width: width, height: height, values: v.map { UInt8($0) }) }
    return LabelMask(width: width, height: height, values16: v)
  }
}

/// The transforms. Index moves (flips, rotations by 90, crops, pads, nearest resizes) are exact and
/// shared by image and mask; warps map each output pixel back to the source.
public enum Ops {
  // MARK: exact moves, public for the conformance tests

  /// Each output pixel (x, y) takes the source pixel `from(x, y)`, or none (nil: filled).
  static func remap<T>(_ src: [T], sw: Int, channels: Int, ow: Int, oh: Int, fill: [T], _ from: (Int, Int) -> (Int, Int)?) -> [T] {
    var out = [T]()
    out.reserveCapacity(ow * oh * channels)
    for y in 0..<oh {
      for x in 0..<ow {
        if let (sx, sy) = from(x, y) {
          let o = (sy * sw + sx) * channels
          for c in 0..<channels { out.append(src[o + c]) }
        } else {
          out += fill
        }
      }
    }
    return out
  }

  /// numpy's `rot90(a, k)`: k quarter turns counter-clockwise (as Albumentations' RandomRotate90).
  public static func rot90(_ m: LabelMask, k: Int) -> LabelMask {
    var r = MaskRaster(m)
    rot90(&r.v, w: &r.width, h: &r.height, channels: 1, k: k)
    return r.mask(bitDepth: m.bitDepth)
  }

  static func rot90<T>(_ a: inout [T], w: inout Int, h: inout Int, channels: Int, k: Int) {
    let turns = ((k % 4) + 4) % 4
    for _ in 0..<turns {
      // One counter-clockwise turn: output (x, y) of size h x w takes source (w - 1 - y, x).
      let sw = w, nh = w, nw = h
      a = remap(a, sw: sw, channels: channels, ow: nw, oh: nh, fill: []) { x, y in (sw - 1 - y, x) }
      w = nw
      h = nh
    }
  }

  /// Applies a pipeline step that takes no random draw (for the conformance tests and `Crop`-like steps).
  public static func deterministic(_ t: Transform, mask: LabelMask, fillMask: UInt16 = 255) -> LabelMask {
    var img = Raster(width: mask.width, height: mask.height, px: [UInt8](repeating: 0, count: mask.width * mask.height * 3))
    var m: MaskRaster? = MaskRaster(mask)
    var rng = Pipeline.draws(0)
    apply(Step(transform: t, p: 1, fillMask: fillMask), &img, &m, &rng)
    return m!.mask(bitDepth: mask.bitDepth)
  }

  static func move(_ img: inout Raster, _ m: inout MaskRaster?, ow: Int, oh: Int, fillImage: UInt8, fillMask: UInt16, _ from: (Int, Int) -> (Int, Int)?) {
    img.px = remap(img.px, sw: img.width, channels: 3, ow: ow, oh: oh, fill: [fillImage, fillImage, fillImage], from)
    img.width = ow
    img.height = oh
    if var mm = m {
      mm.v = remap(mm.v, sw: mm.width, channels: 1, ow: ow, oh: oh, fill: [fillMask], from)
      mm.width = ow
      mm.height = oh
      m = mm
    }
  }

  /// Applies one step. `stop` is checked row by row in the long loops: when it answers true the
  /// step returns at once with a partial result, which the caller throws away.
  static func apply(_ step: Step, _ img: inout Raster, _ m: inout MaskRaster?, _ rng: inout SplitMix64, stop: () -> Bool = { false }) {
    let w = img.width, h = img.height
    switch step.transform {
    case .horizontalFlip: move(&img, &m, ow: w, oh: h, fillImage: 0, fillMask: step.fillMask) { x, y in (w - 1 - x, y) }
    case .verticalFlip: move(&img, &m, ow: w, oh: h, fillImage: 0, fillMask: step.fillMask) { x, y in (x, h - 1 - y) }
    case .randomRotate90:
      let k = rng.int(0...3)
      var iw = img.width, ih = img.height
      rot90(&img.px, w: &iw, h: &ih, channels: 3, k: k)
      img.width = iw
      img.height = ih
      if var mm = m {
        rot90(&mm.v, w: &mm.width, h: &mm.height, channels: 1, k: k)
        m = mm
      }
    case .crop(let x0, let y0, let x1, let y1):
      // Albumentations refuses a crop outside the image; here the part outside is filled.
      move(&img, &m, ow: x1 - x0, oh: y1 - y0, fillImage: 0, fillMask: step.fillMask) { x, y in
        let sx = x0 + x, sy = y0 + y
        return sx < w && sy < h ? (sx, sy) : nil
      }
    case .centerCrop(let ch, let cw):
      // Albumentations: y1 = (height - crop_height) // 2, x1 likewise.
      let y0 = (h - ch) / 2, x0 = (w - cw) / 2
      move(&img, &m, ow: cw, oh: ch, fillImage: 0, fillMask: step.fillMask) { x, y in
        let sx = x0 + x, sy = y0 + y
        return sx >= 0 && sy >= 0 && sx < w && sy < h ? (sx, sy) : nil
      }
    case .randomCrop(let ch, let cw):
      let y0 = h > ch ? rng.int(0...(h - ch)) : 0, x0 = w > cw ? rng.int(0...(w - cw)) : 0
      move(&img, &m, ow: cw, oh: ch, fillImage: 0, fillMask: step.fillMask) { x, y in
        let sx = x0 + x, sy = y0 + y
        return sx < w && sy < h ? (sx, sy) : nil
      }
    case .padIfNeeded(let mh, let mw, let fill):
      let ph = max(0, mh - h), pw = max(0, mw - w)
      let top = ph / 2, left = pw / 2
      move(&img, &m, ow: w + pw, oh: h + ph, fillImage: fill, fillMask: step.fillMask) { x, y in
        let sx = x - left, sy = y - top
        return sx >= 0 && sy >= 0 && sx < w && sy < h ? (sx, sy) : nil
      }
    case .resize(let oh, let ow):
      resize(&img, &m, ow: ow, oh: oh)
    case .randomResizedCrop(let oh, let ow, let scale, let ratio):
      // torchvision's rule, as Albumentations: 10 tries at an area share and aspect, else the centre.
      let area = Double(w * h)
      var box = (x: 0, y: 0, w: w, h: h)
      var found = false
      for _ in 0..<10 where !found {
        let target = area * rng.uniform(scale)
        let logr = rng.uniform(log(ratio.lowerBound)...log(ratio.upperBound))
        let ar = exp(logr)
        let cw = Int((target * ar).squareRoot().rounded()), ch = Int((target / ar).squareRoot().rounded())
        if cw > 0 && ch > 0 && cw <= w && ch <= h {
          box = (rng.int(0...(w - cw)), rng.int(0...(h - ch)), cw, ch)
          found = true
        }
      }
      if !found {
        let inRatio = Double(w) / Double(h)
        var cw = w, ch = h
        // At least one pixel each way: an extreme ratio on a small image rounds to zero.
        if inRatio < ratio.lowerBound {
          ch = max(1, min(h, Int((Double(w) / ratio.lowerBound).rounded())))
        } else if inRatio > ratio.upperBound {
          cw = max(1, min(w, Int((Double(h) * ratio.upperBound).rounded())))
        }
        box = ((w - cw) / 2, (h - ch) / 2, cw, ch)
      }
      let b = box
      move(&img, &m, ow: b.w, oh: b.h, fillImage: 0, fillMask: step.fillMask) { x, y in (b.x + x, b.y + y) }
      resize(&img, &m, ow: ow, oh: oh)
    case .rotate(let limit):
      let angle = rng.uniform(limit)
      warp(&img, &m, fillMask: step.fillMask, angle: angle, scale: 1, tx: 0, ty: 0, stop: stop)
    case .affine(let scale, let translate, let rotate):
      let s = rng.uniform(scale), a = rng.uniform(rotate)
      let tx = rng.uniform(translate) * Double(w), ty = rng.uniform(translate) * Double(h)
      warp(&img, &m, fillMask: step.fillMask, angle: a, scale: s, tx: tx, ty: ty, stop: stop)
    case .colorJitter(let b, let c, let s, let hue):
      let fb = rng.uniform(max(0, 1 - b)...(1 + b)), fc = rng.uniform(max(0, 1 - c)...(1 + c)), fs = rng.uniform(max(0, 1 - s)...(1 + s))
      let fh = rng.uniform(-hue...hue)
      colorJitter(&img, brightness: fb, contrast: fc, saturation: fs, hue: fh, stop: stop)
    case .randomBrightnessContrast(let b, let c):
      let beta = rng.uniform(-b...b), alpha = 1 + rng.uniform(-c...c)
      // Albumentations: img * alpha + beta * max value.
      img.px = img.px.map { UInt8(max(0, min(255, (Double($0) * alpha + beta * 255).rounded()))) }
    case .gaussianBlur(let sigma):
      blur(&img, sigma: rng.uniform(sigma), stop: stop)
    case .coarseDropout(let holes, let hh, let hw, let fill):
      // The holes are drawn first, then painted through a coverage count (a 2-D difference array):
      // every hole paints the same values, so the order does not matter, and the work is the image's
      // size plus the number of holes, however many or large they are.
      let n = rng.int(holes)
      var cover = [Int32](repeating: 0, count: (w + 1) * (h + 1))
      for _ in 0..<n {
        let ch = max(1, Int((hh.upperBound <= 1 ? rng.uniform(hh) * Double(h) : rng.uniform(hh)).rounded()))
        let cw = max(1, Int((hw.upperBound <= 1 ? rng.uniform(hw) * Double(w) : rng.uniform(hw)).rounded()))
        let y0 = rng.int(0...max(0, h - ch)), x0 = rng.int(0...max(0, w - cw))
        let y1 = min(h, y0 + ch), x1 = min(w, x0 + cw)
        guard y1 > y0, x1 > x0 else { continue }
        cover[y0 * (w + 1) + x0] += 1
        cover[y0 * (w + 1) + x1] -= 1
        cover[y1 * (w + 1) + x0] -= 1
        cover[y1 * (w + 1) + x1] += 1
      }
      guard n > 0 else { break }
      var above = [Int32](repeating: 0, count: w + 1)
      for y in 0..<h {
        if stop() { return }
        var run: Int32 = 0
        for x in 0..<w {
          run += cover[y * (w + 1) + x]
          above[x] += run
          guard above[x] > 0 else { continue }
          let o = (y * w + x) * 3
          img.px[o] = fill
          img.px[o + 1] = fill
          img.px[o + 2] = fill
          if m != nil { m!.v[y * w + x] = step.fillMask }
        }
      }
    }
  }

  /// Image: area/bilinear (Resample.area); mask: OpenCV's INTER_NEAREST, source = floor(x * sw / dw).
  static func resize(_ img: inout Raster, _ m: inout MaskRaster?, ow: Int, oh: Int) {
    guard ow > 0, oh > 0 else { return }
    let small = Resample.area(img.image, width: ow, height: oh)
    let sw = img.width, sh = img.height
    img = Raster(small)
    if var mm = m {
      let fx = Double(sw) / Double(ow), fy = Double(sh) / Double(oh)
      mm.v = remap(mm.v, sw: sw, channels: 1, ow: ow, oh: oh, fill: []) { x, y in
        (min(sw - 1, Int((Double(x) * fx).rounded(.down))), min(sh - 1, Int((Double(y) * fy).rounded(.down))))
      }
      mm.width = ow
      mm.height = oh
      m = mm
    }
  }

  /// Rotation by `angle` degrees (counter-clockwise, as OpenCV) about the centre, scaled, then moved;
  /// same output size. Image bilinear (black outside), mask nearest (`fillMask` outside).
  static func warp(
    _ img: inout Raster, _ m: inout MaskRaster?, fillMask: UInt16, angle: Double, scale: Double, tx: Double, ty: Double, stop: () -> Bool = { false }
  ) {
    let w = img.width, h = img.height
    let cx = Double(w - 1) / 2, cy = Double(h - 1) / 2
    let r = angle * .pi / 180, c = cos(r) / max(1e-6, scale), s = sin(r) / max(1e-6, scale)
    // Inverse map: output (x, y) -> source.
    func source(_ x: Int, _ y: Int) -> (Double, Double) {
      let dx = Double(x) - cx - tx, dy = Double(y) - cy - ty
      return (c * dx - s * dy + cx, s * dx + c * dy + cy)
    }
    var out = [UInt8](repeating: 0, count: w * h * 3)
    for y in 0..<h {
      if stop() { return }
      for x in 0..<w {
        let (sx, sy) = source(x, y)
        let x0 = Int(sx.rounded(.down)), y0 = Int(sy.rounded(.down))
        let fx = sx - Double(x0), fy = sy - Double(y0)
        for ch in 0..<3 {
          var acc = 0.0
          for (dx, dy, wt) in [(0, 0, (1 - fx) * (1 - fy)), (1, 0, fx * (1 - fy)), (0, 1, (1 - fx) * fy), (1, 1, fx * fy)] {
            let xx = x0 + dx, yy = y0 + dy
            if xx >= 0 && yy >= 0 && xx < w && yy < h { acc += wt * Double(img.px[(yy * w + xx) * 3 + ch]) }
          }
          out[(y * w + x) * 3 + ch] = UInt8(max(0, min(255, acc.rounded())))
        }
      }
    }
    img.px = out
    if var mm = m {
      var v = [UInt16](repeating: fillMask, count: w * h)
      for y in 0..<h {
        for x in 0..<w {
          let (sx, sy) = source(x, y)
          let xi = Int(sx.rounded()), yi = Int(sy.rounded())
          if xi >= 0 && yi >= 0 && xi < w && yi < h { v[y * w + x] = mm.v[yi * w + xi] }
        }
      }
      mm.v = v
      m = mm
    }
  }

  static func colorJitter(_ img: inout Raster, brightness: Double, contrast: Double, saturation: Double, hue: Double, stop: () -> Bool = { false }) {
    let n = img.width * img.height
    var mean = 0.0
    for i in 0..<n { mean += 0.299 * Double(img.px[i * 3]) + 0.587 * Double(img.px[i * 3 + 1]) + 0.114 * Double(img.px[i * 3 + 2]) }
    mean /= Double(max(1, n))
    for i in 0..<n {
      if i % 65536 == 0 && stop() { return }
      var r = Double(img.px[i * 3]) * brightness, g = Double(img.px[i * 3 + 1]) * brightness, b = Double(img.px[i * 3 + 2]) * brightness
      r = (r - mean) * contrast + mean
      g = (g - mean) * contrast + mean
      b = (b - mean) * contrast + mean
      let l = 0.299 * r + 0.587 * g + 0.114 * b
      r = l + (r - l) * saturation
      g = l + (g - l) * saturation
      b = l + (b - l) * saturation
      if hue != 0 {
        // A rotation about the grey axis by hue x 360 degrees.
        let a = hue * 2 * .pi, cosA = cos(a), sinA = sin(a), k = (1 - cosA) / 3, q = (1.0 / 3).squareRoot() * sinA
        let nr = r * (cosA + k) + g * (k - q) + b * (k + q)
        let ng = r * (k + q) + g * (cosA + k) + b * (k - q)
        let nb = r * (k - q) + g * (k + q) + b * (cosA + k)
        (r, g, b) = (nr, ng, nb)
      }
      img.px[i * 3] = UInt8(max(0, min(255, r.rounded())))
      img.px[i * 3 + 1] = UInt8(max(0, min(255, g.rounded())))
      img.px[i * 3 + 2] = UInt8(max(0, min(255, b.rounded())))
    }
  }

  /// A separable Gaussian (radius 3 sigma, edges clamped).
  static func blur(_ img: inout Raster, sigma: Double, stop: () -> Bool = { false }) {
    guard sigma > 0.05 else { return }
    // The pipeline allows sigma up to 50: at most 301 taps a pass, a bounded multiple of the image's size.
    let r = max(1, Int((3 * sigma).rounded(.up)))
    var k = (-r...r).map { exp(-Double($0 * $0) / (2 * sigma * sigma)) }
    let sum = k.reduce(0, +)
    k = k.map { $0 / sum }
    let w = img.width, h = img.height
    var tmp = [Double](repeating: 0, count: w * h * 3)
    for y in 0..<h {
      if stop() { return }
      for x in 0..<w {
        for c in 0..<3 {
          var acc = 0.0
          for (i, kv) in k.enumerated() { acc += kv * Double(img.px[(y * w + min(w - 1, max(0, x + i - r))) * 3 + c]) }
          tmp[(y * w + x) * 3 + c] = acc
        }
      }
    }
    for y in 0..<h {
      if stop() { return }
      for x in 0..<w {
        for c in 0..<3 {
          var acc = 0.0
          for (i, kv) in k.enumerated() { acc += kv * tmp[(min(h - 1, max(0, y + i - r)) * w + x) * 3 + c] }
          img.px[(y * w + x) * 3 + c] = UInt8(max(0, min(255, acc.rounded())))
        }
      }
    }
  }
}
