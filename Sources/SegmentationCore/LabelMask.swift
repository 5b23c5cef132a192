/// A single-channel map of class ids (or instance ids), 8 or 16 bits per pixel, rows top to bottom.
///
/// Values are kept exactly as stored: a palette PNG gives its palette indices, a 16-bit PNG its
/// 16-bit values. A plain value: does no I/O.
public struct LabelMask: Sendable, Equatable {
  /// The pixel storage: one byte or one `UInt16` per pixel.
  public enum Storage: Sendable, Equatable {
    case u8([UInt8])
    case u16([UInt16])
  }

  /// Width in pixels.
  public let width: Int
  /// Height in pixels.
  public let height: Int
  /// The values.
  public var storage: Storage

  /// An 8-bit mask; `values.count` must equal `width * height`.
  public init(width: Int, height: Int, values: [UInt8]) {
    precondition(values.count == width * height, "LabelMask size mismatch")
    self.width = width
    self.height = height
    self.storage = .u8(values)
  }

  /// A 16-bit mask; `values.count` must equal `width * height`.
  public init(width: Int, height: Int, values16: [UInt16]) {
    precondition(values16.count == width * height, "LabelMask size mismatch")
    self.width = width
    self.height = height
    self.storage = .u16(values16)
  }

  /// A mask filled with one value (8-bit when it fits).
  public init(width: Int, height: Int, fill: UInt16 = 0) {
    if fill <= 255 {
      self.init(width: width, height: height, values: [UInt8](repeating: UInt8(fill), count: width * height))
    } else {
      self.init(width: width, height: height, values16: [UInt16](repeating: fill, count: width * height))
    }
  }

  /// 8 or 16.
  public var bitDepth: Int {
    if case .u8 = storage { return 8 }
    return 16
  }

  /// Number of pixels.
  public var count: Int { width * height }

  /// The value at (x, y).
  @inlinable
  public subscript(x x: Int, y y: Int) -> UInt16 {
    get { self[index: y * width + x] }
    set { self[index: y * width + x] = newValue }
  }

  /// The value at a linear index (row-major).
  @inlinable
  public subscript(index i: Int) -> UInt16 {
    get {
      switch storage {
      case .u8(let v): return UInt16(v[i])
      case .u16(let v): return v[i]
      }
    }
    set {
      switch storage {
      case .u8(var v):
        if newValue <= 255 {
          storage = .u8([])  // release the reference so the write does not copy
          v[i] = UInt8(newValue)
          storage = .u8(v)
        } else {
          var w = v.map(UInt16.init)
          w[i] = newValue
          storage = .u16(w)
        }
      case .u16(var v):
        storage = .u16([])
        v[i] = newValue
        storage = .u16(v)
      }
    }
  }

  /// All values widened to `UInt16`.
  public var values16: [UInt16] {
    switch storage {
    case .u8(let v):
      // A plain loop over buffers widens 16 pixels per instruction; `map` does not vectorize.
      return [UInt16](unsafeUninitializedCapacity: v.count) { out, count in
        v.withUnsafeBufferPointer { src in
          for i in 0..<src.count { out[i] = UInt16(src[i]) }
        }
        count = v.count
      }
    case .u16(let v): return v
    }
  }

  /// Pixel count per value, as a sparse dictionary.
  public func histogram() -> [UInt16: Int] {
    var out: [UInt16: Int] = [:]
    switch storage {
    case .u8(let v):
      // Masks are mostly long runs of one value: a word of eight bytes equal to the current run's
      // value only adds 8 to a register. Mixed words go into four interleaved tables, so that
      // repeated values do not wait on the previous increment of the same counter.
      var counts = [Int](repeating: 0, count: 256 * 4)
      counts.withUnsafeMutableBufferPointer { c in
        v.withUnsafeBufferPointer { p in
          guard let base = p.baseAddress, p.count > 0 else { return }
          let raw = UnsafeRawPointer(base)
          let n = p.count
          var value = p[0]
          var pattern = UInt64(value) &* 0x0101_0101_0101_0101
          var run = 0
          var i = 0
          while i + 8 <= n {
            let w = raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)
            if w == pattern {
              run &+= 8
            } else {
              c[Int(value)] &+= run
              run = 0
              c[Int(truncatingIfNeeded: w & 0xFF)] &+= 1
              c[256 + Int(truncatingIfNeeded: (w >> 8) & 0xFF)] &+= 1
              c[512 + Int(truncatingIfNeeded: (w >> 16) & 0xFF)] &+= 1
              c[768 + Int(truncatingIfNeeded: (w >> 24) & 0xFF)] &+= 1
              c[Int(truncatingIfNeeded: (w >> 32) & 0xFF)] &+= 1
              c[256 + Int(truncatingIfNeeded: (w >> 40) & 0xFF)] &+= 1
              c[512 + Int(truncatingIfNeeded: (w >> 48) & 0xFF)] &+= 1
              let last = UInt8(truncatingIfNeeded: w >> 56)
              c[768 + Int(last)] &+= 1
              value = last
              pattern = UInt64(last) &* 0x0101_0101_0101_0101
            }
            i += 8
          }
          c[Int(value)] &+= run
          while i < n {
            c[Int(p[i])] &+= 1
            i += 1
          }
        }
      }
      for value in 0..<256 {
        let n = counts[value] + counts[256 + value] + counts[512 + value] + counts[768 + value]
        if n > 0 { out[UInt16(value)] = n }
      }
    case .u16(let v):
      var counts = [Int](repeating: 0, count: 65536)
      v.withUnsafeBufferPointer { p in
        for x in p { counts[Int(x)] &+= 1 }
      }
      for (value, n) in counts.enumerated() where n > 0 { out[UInt16(value)] = n }
    }
    return out
  }
}
