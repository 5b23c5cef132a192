extension LabelMask {
  /// mmseg's `reduce_zero_label`, applied to ground truth at load: 0 becomes 255 (ignored), every other
  /// value v becomes v - 1, and 254 (from an original 255) becomes 255 again.
  public func reducingZeroLabel() -> LabelMask {
    switch storage {
    case .u8(let v):
      return LabelMask(width: width, height: height, values: v.map { $0 == 0 || $0 == 255 ? 255 : $0 - 1 })
    case .u16(let v):
      return LabelMask(
        width: width, height: height,
        values16: v.map { x -> UInt16 in
          if x == 0 { return 255 }
          let r = x - 1
          return r == 254 ? 255 : r
        })
    }
  }

  /// Nearest-neighbour resize (the opt-in `--resize-pred` for predictions of another size): output
  /// pixel (x, y) takes source pixel (floor(x * W / w), floor(y * H / h)). Never invents values.
  public func resizedNearest(width w: Int, height h: Int) -> LabelMask {
    var out = [UInt16](repeating: 0, count: w * h)
    let src = values16
    for y in 0..<h {
      let sy = min(height - 1, y * height / max(1, h))
      for x in 0..<w { out[y * w + x] = src[sy * width + min(width - 1, x * width / max(1, w))] }
    }
    if bitDepth == 8 { return LabelMask(width: w, height: h, values: out.map { UInt8(truncatingIfNeeded: $0) }) }
    return LabelMask(width: w, height: h, values16: out)
  }

  /// The same values in 8-bit storage, or nil if a value exceeds 255.
  public func narrowed() -> LabelMask? {
    switch storage {
    case .u8: return self
    case .u16(let v):
      guard !v.contains(where: { $0 > 255 }) else { return nil }
      return LabelMask(width: width, height: height, values: v.map { UInt8($0) })
    }
  }
}

extension LabelMask {
  /// The pixels of a rectangle (clipped to the mask).
  public func cropped(x: Int, y: Int, width w: Int, height h: Int) -> LabelMask {
    let x0 = max(0, min(width - 1, x)), y0 = max(0, min(height - 1, y))
    let cw = max(1, min(w, width - x0)), ch = max(1, min(h, height - y0))
    let v = values16
    var out = [UInt16](repeating: 0, count: cw * ch)
    for yy in 0..<ch { for xx in 0..<cw { out[yy * cw + xx] = v[(y0 + yy) * width + x0 + xx] } }
    if bitDepth == 8 { return LabelMask(width: cw, height: ch, values: out.map { UInt8(truncatingIfNeeded: $0) }) }
    return LabelMask(width: cw, height: ch, values16: out)
  }
}

extension RGBImage {
  /// The pixels of a rectangle (clipped to the image).
  public func cropped(x: Int, y: Int, width w: Int, height h: Int) -> RGBImage {
    let x0 = max(0, min(width - 1, x)), y0 = max(0, min(height - 1, y))
    let cw = max(1, min(w, width - x0)), ch = max(1, min(h, height - y0))
    var out = [UInt8](repeating: 0, count: cw * ch * 3)
    for yy in 0..<ch {
      let src = ((y0 + yy) * width + x0) * 3
      out.replaceSubrange((yy * cw * 3)..<((yy + 1) * cw * 3), with: pixels[src..<(src + cw * 3)])
    }
    return RGBImage(width: cw, height: ch, pixels: out)
  }
}

/// The part of an image shown at a zoom level around a centre: (x, y, width, height), clamped inside.
public func zoomWindow(width: Int, height: Int, zoom: Int, centerX: Int, centerY: Int) -> (Int, Int, Int, Int) {
  let z = max(1, zoom)
  let w = max(1, width / z), h = max(1, height / z)
  let x = max(0, min(width - w, centerX - w / 2)), y = max(0, min(height - h, centerY - h / 2))
  return (x, y, w, h)
}
