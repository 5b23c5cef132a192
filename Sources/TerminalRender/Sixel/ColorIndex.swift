/// A small map from 24-bit colour to palette register: open addressing, remembers the last hit
/// (pictures are made of long runs of one colour). Does no I/O.
struct ColorIndex {
  private var keys: [UInt32]
  private var values: [Int32]
  private let mask: Int
  private var lastKey: UInt32 = .max
  private var lastValue: Int32 = -1
  private(set) var count = 0

  /// Room for `capacity` colours.
  init(capacity: Int) {
    var size = 16
    while size < capacity * 4 { size <<= 1 }
    keys = [UInt32](repeating: .max, count: size)
    values = [Int32](repeating: -1, count: size)
    mask = size - 1
  }

  @inline(__always) static func key(_ r: UInt8, _ g: UInt8, _ b: UInt8) -> UInt32 { UInt32(r) << 16 | UInt32(g) << 8 | UInt32(b) }

  /// The register of a colour, or -1.
  @inline(__always) mutating func get(_ k: UInt32) -> Int32 {
    if k == lastKey { return lastValue }
    var i = Int((k &* 0x9E37_79B1) >> 20) & mask
    while true {
      let s = keys[i]
      if s == k {
        lastKey = k
        lastValue = values[i]
        return lastValue
      }
      if s == .max { return -1 }
      i = (i + 1) & mask
    }
  }

  /// Adds a colour (must be absent).
  mutating func insert(_ k: UInt32, _ v: Int32) {
    var i = Int((k &* 0x9E37_79B1) >> 20) & mask
    while keys[i] != .max { i = (i + 1) & mask }
    keys[i] = k
    values[i] = v
    count += 1
    lastKey = .max
  }
}
