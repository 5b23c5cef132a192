/// Edits an annotator makes to a mask: pick a connected component, relabel it, and the per-class
/// difference between two versions of a mask. Pure functions over `LabelMask`.
public enum MaskEdit {
  /// The pixels (row-major indices, ascending) of the 4-connected region of equal value that
  /// contains (x, y). 4-connectivity is scipy.ndimage.label's default: two regions of one class that
  /// touch only at a corner are two components.
  public static func component(of mask: LabelMask, x: Int, y: Int) -> [Int] {
    guard x >= 0, y >= 0, x < mask.width, y < mask.height else { return [] }
    let w = mask.width, h = mask.height
    let values = mask.values16
    let target = values[y * w + x]
    var seen = [Bool](repeating: false, count: w * h)
    var out: [Int] = []
    // Scanline fill: each stack entry is a seed pixel; a whole horizontal run is taken at once.
    var stack = [y * w + x]
    seen[y * w + x] = true
    while let p = stack.popLast() {
      let row = p / w
      var lo = p, hi = p
      while lo % w > 0 && values[lo - 1] == target && !seen[lo - 1] { lo -= 1; seen[lo] = true }
      while hi % w < w - 1 && values[hi + 1] == target && !seen[hi + 1] { hi += 1; seen[hi] = true }
      for i in lo...hi {
        out.append(i)
        for n in [row > 0 ? i - w : -1, row < h - 1 ? i + w : -1] where n >= 0 && !seen[n] && values[n] == target {
          seen[n] = true
          stack.append(n)
        }
      }
    }
    return out.sorted()
  }

  /// The pixels inside a rectangle (clipped to the mask).
  public static func rectangle(of mask: LabelMask, x: Int, y: Int, width: Int, height: Int) -> [Int] {
    let x0 = max(0, x), y0 = max(0, y), x1 = min(mask.width, x + width), y1 = min(mask.height, y + height)
    guard x0 < x1, y0 < y1 else { return [] }
    var out: [Int] = []
    out.reserveCapacity((x1 - x0) * (y1 - y0))
    for yy in y0..<y1 { for xx in x0..<x1 { out.append(yy * mask.width + xx) } }
    return out
  }

  /// The mask with the given pixels set to `value` (widened to 16 bits when needed).
  public static func relabel(_ mask: LabelMask, pixels: [Int], to value: UInt16) -> LabelMask {
    if case .u8(var v) = mask.storage, value <= 255 {
      for i in pixels { v[i] = UInt8(value) }
      return LabelMask(width: mask.width, height: mask.height, values: v)
    }
    var v = mask.values16
    for i in pixels { v[i] = value }
    return LabelMask(width: mask.width, height: mask.height, values16: v)
  }

  /// What changed between two masks of one size.
  public struct Diff: Sendable, Equatable {
    /// Pixels whose value differs.
    public var changedPixels = 0
    /// Per class value: pixels after minus pixels before (zero entries left out).
    public var delta: [Int: Int] = [:]
    public init(changedPixels: Int = 0, delta: [Int: Int] = [:]) {
      self.changedPixels = changedPixels
      self.delta = delta
    }

    /// "+120 car, -120 road" style text, largest changes first.
    public func describe(names: (Int) -> String) -> String {
      if changedPixels == 0 { return "unchanged" }
      let parts = delta.sorted { abs($0.value) != abs($1.value) ? abs($0.value) > abs($1.value) : $0.key < $1.key }
        .map { ($0.value > 0 ? "+" : "") + "\($0.value) \(names($0.key))" }
      return "\(changedPixels) px changed: " + parts.joined(separator: ", ")
    }

    /// `{"changed":N,"delta":{"1":-5,"3":5}}`.
    public var json: String {
      "{\"changed\":\(changedPixels),\"delta\":{" + delta.keys.sorted().map { "\"\($0)\":\(delta[$0] ?? 0)" }.joined(separator: ",") + "}}"
    }

    /// A compact stored form: `N k:v k:v` (changed pixels, then the deltas).
    public var serialized: String {
      ([String(changedPixels)] + delta.keys.sorted().map { "\($0):\(delta[$0] ?? 0)" }).joined(separator: " ")
    }

    /// Parses `serialized` (nil when malformed).
    public init?(serialized text: String) {
      let parts = text.split(separator: " ")
      guard let first = parts.first, let c = Int(first) else { return nil }
      changedPixels = c
      for p in parts.dropFirst() {
        let kv = p.split(separator: ":")
        guard kv.count == 2, let k = Int(kv[0]), let v = Int(kv[1]) else { return nil }
        delta[k] = v
      }
    }
  }

  /// The per-class difference from `before` to `after` (same size required).
  public static func diff(from before: LabelMask, to after: LabelMask) -> Diff {
    precondition(before.width == after.width && before.height == after.height, "MaskEdit.diff size mismatch")
    let a = before.values16, b = after.values16
    var d = Diff()
    for i in 0..<a.count where a[i] != b[i] {
      d.changedPixels += 1
      d.delta[Int(a[i]), default: 0] -= 1
      d.delta[Int(b[i]), default: 0] += 1
    }
    d.delta = d.delta.filter { $0.value != 0 }
    return d
  }
}
