extension LabelMask {
  /// mmseg's `reduce_zero_label`, applied to ground truth at load: 0 becomes 255 (ignored), every other
  /// value v becomes v - 1, and 254 (from an original 255) becomes 255 again.
  public func reducingZeroLabel() -> LabelMask {
    switch storage {
    case .u8(let v):
      return LabelMask(width: width, height: height, values: v.map { $0 == 0 || $0 == 255 ? 255 : $0 - 1 })
    case .u16(let v):
      return LabelMask(width: width, height: height, values16: v.map { x -> UInt16 in
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
