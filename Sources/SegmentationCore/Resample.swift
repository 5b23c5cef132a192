/// Resizing for previews: photos with an area filter (bilinear when growing), masks with majority
/// pooling so class ids never blend. Does no I/O.
public enum Resample {
  /// Photos: shrinking averages exactly the source area each output pixel covers (a box filter with
  /// fractional edge weights, as Pillow's BOX), growing interpolates bilinearly between pixel centres.
  /// Each axis is done on its own, in sRGB values (what the box-resized reference is computed in).
  public static func area(_ img: RGBImage, width w: Int, height h: Int) -> RGBImage {
    guard w > 0, h > 0, img.width > 0, img.height > 0 else { return RGBImage(width: max(0, w), height: max(0, h)) }
    let sw = img.width, sh = img.height
    if sw == w && sh == h { return img }
    let cx = contributions(source: sw, target: w), cy = contributions(source: sh, target: h)
    // Horizontal pass: every source row to `w` columns, kept in Float.
    var mid = [Float](repeating: 0, count: w * sh * 3)
    img.pixels.withUnsafeBufferPointer { src in
      mid.withUnsafeMutableBufferPointer { dst in
        cx.weights.withUnsafeBufferPointer { wts in
          for y in 0..<sh {
            let row = y * sw * 3, out = y * w * 3
            for x in 0..<w {
              var r: Float = 0, g: Float = 0, b: Float = 0
              var i = row + cx.first[x] * 3
              for k in cx.start[x]..<cx.start[x + 1] {
                let wt = wts[k]
                r += wt * Float(src[i])
                g += wt * Float(src[i + 1])
                b += wt * Float(src[i + 2])
                i += 3
              }
              dst[out + x * 3] = r
              dst[out + x * 3 + 1] = g
              dst[out + x * 3 + 2] = b
            }
          }
        }
      }
    }
    // Vertical pass into bytes.
    var outPixels = [UInt8](repeating: 0, count: w * h * 3)
    let n = w * 3
    mid.withUnsafeBufferPointer { src in
      outPixels.withUnsafeMutableBufferPointer { dst in
        var acc = [Float](repeating: 0, count: n)
        acc.withUnsafeMutableBufferPointer { acc in
          for y in 0..<h {
            for i in 0..<n { acc[i] = 0 }
            var row = cy.first[y] * n
            for k in cy.start[y]..<cy.start[y + 1] {
              let wt = cy.weights[k]
              for i in 0..<n { acc[i] += wt * src[row + i] }
              row += n
            }
            let out = y * n
            for i in 0..<n { dst[out + i] = UInt8(max(0, min(255, (acc[i] + 0.5).rounded(.down)))) }
          }
        }
      }
    }
    return RGBImage(width: w, height: h, pixels: outPixels)
  }

  /// The source pixels of every output pixel along an axis: output i reads source pixels first[i]...
  /// with weights[start[i]..<start[i + 1]] (summing to 1).
  struct Contributions {
    var first: [Int] = []
    var start: [Int] = [0]
    var weights: [Float] = []
  }

  /// Box weights when shrinking (the overlap of the output pixel's span with each source pixel),
  /// bilinear weights between the two nearest centres when growing.
  static func contributions(source s: Int, target t: Int) -> Contributions {
    var c = Contributions()
    c.first.reserveCapacity(t)
    c.start.reserveCapacity(t + 1)
    let scale = Double(s) / Double(t)
    for i in 0..<t {
      if t <= s {
        let lo = Double(i) * scale, hi = Double(i + 1) * scale
        let first = Int(lo.rounded(.down)), last = max(first, min(s - 1, Int((hi - 1e-9).rounded(.down))))
        let spans = (first...last).map { j in min(hi, Double(j + 1)) - max(lo, Double(j)) }
        let sum = spans.reduce(0, +)
        c.first.append(first)
        c.weights += spans.map { Float($0 / sum) }
      } else {
        let centre = (Double(i) + 0.5) * scale - 0.5
        let j0 = max(0, min(s - 1, Int(centre.rounded(.down))))
        let f = Float(max(0, min(1, centre - Double(j0))))
        c.first.append(j0)
        c.weights += j0 + 1 < s ? [1 - f, f] : [1]
      }
      c.start.append(c.weights.count)
    }
    return c
  }

  /// Majority (mode) pooling: each output pixel takes the most frequent value of its source block
  /// (ties go to the smallest value, so the result is deterministic). Nearest when enlarging.
  public static func majority(_ mask: LabelMask, width w: Int, height h: Int) -> LabelMask {
    guard w > 0, h > 0, mask.width > 0, mask.height > 0 else { return LabelMask(width: max(0, w), height: max(0, h)) }
    let sw = mask.width, sh = mask.height
    if case .u8(let bytes) = mask.storage { return majority8(bytes, sw: sw, sh: sh, width: w, height: h) }
    let values = mask.values16
    var out = [UInt16](repeating: 0, count: w * h)
    var counts: [UInt16: Int] = [:]
    let small = mask.bitDepth == 8
    var flat = [Int32](repeating: 0, count: small ? 256 : 0)
    var touched: [Int] = []
    for y in 0..<h {
      let y0 = y * sh / h, y1 = max(y0 + 1, (y + 1) * sh / h)
      for x in 0..<w {
        let x0 = x * sw / w, x1 = max(x0 + 1, (x + 1) * sw / w)
        if (y1 - y0) * (x1 - x0) == 1 {
          out[y * w + x] = values[y0 * sw + x0]
          continue
        }
        var best: UInt16 = 0, bestN = -1
        if small {
          // 8-bit values: a flat table and the list of values touched, reset after use.
          touched.removeAll(keepingCapacity: true)
          for yy in y0..<y1 {
            for xx in x0..<x1 {
              let v = Int(values[yy * sw + xx])
              if flat[v] == 0 { touched.append(v) }
              flat[v] += 1
            }
          }
          for v in touched {
            let n = Int(flat[v])
            if n > bestN || (n == bestN && UInt16(v) < best) {
              best = UInt16(v)
              bestN = n
            }
            flat[v] = 0
          }
        } else {
          counts.removeAll(keepingCapacity: true)
          for yy in y0..<y1 {
            for xx in x0..<x1 { counts[values[yy * sw + xx], default: 0] += 1 }
          }
          for (v, n) in counts where n > bestN || (n == bestN && v < best) {
            best = v
            bestN = n
          }
        }
        out[y * w + x] = best
      }
    }
    if mask.bitDepth == 8 { return LabelMask(width: w, height: h, values: out.map { UInt8(truncatingIfNeeded: $0) }) }
    return LabelMask(width: w, height: h, values16: out)
  }

  /// The 8-bit case without widening the mask: a 256-entry table per block.
  static func majority8(_ v: [UInt8], sw: Int, sh: Int, width w: Int, height h: Int) -> LabelMask {
    var out = [UInt8](repeating: 0, count: w * h)
    var counts = [Int32](repeating: 0, count: 256)
    var touched: [Int] = []
    touched.reserveCapacity(256)
    v.withUnsafeBufferPointer { src in
      for y in 0..<h {
        let y0 = y * sh / h, y1 = max(y0 + 1, (y + 1) * sh / h)
        for x in 0..<w {
          let x0 = x * sw / w, x1 = max(x0 + 1, (x + 1) * sw / w)
          touched.removeAll(keepingCapacity: true)
          for yy in y0..<y1 {
            var i = yy * sw + x0
            for _ in x0..<x1 {
              let c = Int(src[i])
              if counts[c] == 0 { touched.append(c) }
              counts[c] &+= 1
              i += 1
            }
          }
          var best = 0, bestN: Int32 = -1
          for c in touched {
            let n = counts[c]
            if n > bestN || (n == bestN && c < best) {
              best = c
              bestN = n
            }
            counts[c] = 0
          }
          out[y * w + x] = UInt8(best)
        }
      }
    }
    return LabelMask(width: w, height: h, values: out)
  }

  /// Nearest-neighbour resize of a mask (the opt-in `--resize-pred` of predictions).
  public static func nearest(_ mask: LabelMask, width w: Int, height h: Int) -> LabelMask {
    var out = [UInt16](repeating: 0, count: w * h)
    for y in 0..<h {
      let sy = min(mask.height - 1, (y * mask.height) / max(1, h))
      for x in 0..<w { out[y * w + x] = mask[x: min(mask.width - 1, (x * mask.width) / max(1, w)), y: sy] }
    }
    if mask.bitDepth == 8 { return LabelMask(width: w, height: h, values: out.map { UInt8(truncatingIfNeeded: $0) }) }
    return LabelMask(width: w, height: h, values16: out)
  }

  /// The largest size with the source's aspect ratio that fits `maxWidth` x `maxHeight` pixels,
  /// where one output pixel is `pixelAspect` times as tall as it is wide.
  public static func fit(width sw: Int, height sh: Int, maxWidth: Int, maxHeight: Int, pixelAspect: Double = 1) -> (Int, Int) {
    guard sw > 0, sh > 0, maxWidth > 0, maxHeight > 0 else { return (0, 0) }
    let targetH = Double(sh) / pixelAspect
    let scale = min(Double(maxWidth) / Double(sw), Double(maxHeight) / targetH)
    return (max(1, min(maxWidth, Int((Double(sw) * scale).rounded()))), max(1, min(maxHeight, Int((targetH * scale).rounded()))))
  }
}
