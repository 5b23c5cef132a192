/// How a mask field's files turn into class ids: as stored, through a value lookup (Cityscapes
/// labelIds to trainIds), or through a colour map (RGB colour masks). Does no I/O.
public enum MaskDecoding: Sendable, Equatable {
  case identity
  /// Stored value -> class id; values not listed map to `otherwise`.
  case lookup([UInt16: UInt16], otherwise: UInt16)
  /// 0xRRGGBB -> class id; colours not listed map to `unknown` and are counted.
  case colors([UInt32: UInt16], unknown: UInt16)

  /// A compact text form for the database.
  public var serialized: String {
    switch self {
    case .identity: return "identity"
    case .lookup(let m, let o):
      return "lookup " + String(o) + " " + m.keys.sorted().map { "\($0):\(m[$0] ?? 0)" }.joined(separator: ",")
    case .colors(let m, let u):
      return "colors " + String(u) + " " + m.keys.sorted().map { String($0, radix: 16) + ":\(m[$0] ?? 0)" }.joined(separator: ",")
    }
  }

  /// Parses `serialized`; unknown text is the identity.
  public init(serialized s: String) {
    let parts = s.split(separator: " ", maxSplits: 2).map(String.init)
    guard parts.count >= 2, let fallback = UInt16(parts[1]) else {
      self = .identity
      return
    }
    let pairs = parts.count > 2 ? parts[2].split(separator: ",").map { $0.split(separator: ":") } : []
    switch parts[0] {
    case "lookup":
      var m: [UInt16: UInt16] = [:]
      for p in pairs where p.count == 2 { if let a = UInt16(p[0]), let b = UInt16(p[1]) { m[a] = b } }
      self = .lookup(m, otherwise: fallback)
    case "colors":
      var m: [UInt32: UInt16] = [:]
      for p in pairs where p.count == 2 { if let a = UInt32(p[0], radix: 16), let b = UInt16(p[1]) { m[a] = b } }
      self = .colors(m, unknown: fallback)
    default:
      self = .identity
    }
  }

  /// Applies a lookup to a single-channel mask.
  public func apply(_ mask: LabelMask) -> LabelMask {
    guard case .lookup(let m, let other) = self else { return mask }
    var lut = [UInt16](repeating: other, count: 65536)
    for (k, v) in m { lut[Int(k)] = v }
    let out = mask.values16.map { lut[Int($0)] }
    if out.allSatisfy({ $0 <= 255 }) { return LabelMask(width: mask.width, height: mask.height, values: out.map { UInt8($0) }) }
    return LabelMask(width: mask.width, height: mask.height, values16: out)
  }

  /// Maps interleaved RGB(A) samples to class ids; returns the mask and the pixel count of every colour
  /// that is not in the map.
  public func apply(rgb samples: [UInt8], channels: Int, width: Int, height: Int) -> (LabelMask, unknown: [UInt32: Int]) {
    guard case .colors(let m, let unknownValue) = self else {
      return (LabelMask(width: width, height: height), [:])
    }
    var out = [UInt16](repeating: unknownValue, count: width * height)
    var unknown: [UInt32: Int] = [:]
    var lastKey: UInt32 = .max, lastValue: UInt16? = nil
    for i in 0..<(width * height) {
      let key = UInt32(samples[i * channels]) << 16 | UInt32(samples[i * channels + 1]) << 8 | UInt32(samples[i * channels + 2])
      let v: UInt16?
      if key == lastKey {
        v = lastValue
      } else {
        v = m[key]
        lastKey = key
        lastValue = v
      }
      if let v { out[i] = v } else { unknown[key, default: 0] += 1 }
    }
    let mask =
      out.allSatisfy { $0 <= 255 }
      ? LabelMask(width: width, height: height, values: out.map { UInt8($0) }) : LabelMask(width: width, height: height, values16: out)
    return (mask, unknown)
  }
}
