/// Resizing for previews: photos with an area filter, masks with majority pooling so class ids never
/// blend. Does no I/O.
public enum Resample {
  /// Box (area-average) filter; nearest neighbour when enlarging.
  public static func area(_ img: RGBImage, width w: Int, height h: Int) -> RGBImage {
    guard w > 0, h > 0, img.width > 0, img.height > 0 else { return RGBImage(width: max(0, w), height: max(0, h)) }
    var out = [UInt8](repeating: 0, count: w * h * 3)
    let sw = img.width, sh = img.height
    img.pixels.withUnsafeBufferPointer { src in
      for y in 0..<h {
        let y0 = y * sh / h, y1 = max(y0 + 1, (y + 1) * sh / h)
        for x in 0..<w {
          let x0 = x * sw / w, x1 = max(x0 + 1, (x + 1) * sw / w)
          var r = 0, g = 0, b = 0
          for yy in y0..<y1 {
            var i = (yy * sw + x0) * 3
            for _ in x0..<x1 {
              r += Int(src[i])
              g += Int(src[i + 1])
              b += Int(src[i + 2])
              i += 3
            }
          }
          let n = (y1 - y0) * (x1 - x0)
          let o = (y * w + x) * 3
          out[o] = UInt8((r + n / 2) / n)
          out[o + 1] = UInt8((g + n / 2) / n)
          out[o + 2] = UInt8((b + n / 2) / n)
        }
      }
    }
    return RGBImage(width: w, height: h, pixels: out)
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
