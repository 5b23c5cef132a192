import Foundation
import GRDB
import SegmentationCore

/// A mask's class histogram as stored in `mask_histogram.hist`: one entry per value present, in
/// increasing value order, each a little-endian UInt32 value and a UInt64 pixel count (12 bytes).
///
/// One row per mask instead of one per (mask, class) keeps the indexing pass's database writes
/// about ten times cheaper; class filters read these through the view columns (kept in
/// `view_cache`) or, in SQL, through the `segscope_px(hist, value)` function.
public enum ClassHistogram {
  static let entrySize = 12

  /// Packs (value, pixels) pairs; zero counts are left out.
  public static func pack<S: Sequence>(_ entries: S) -> Data where S.Element == (Int, Int) {
    let sorted = entries.filter { $0.1 > 0 }.sorted { $0.0 < $1.0 }
    var d = Data(capacity: sorted.count * entrySize)
    for (v, n) in sorted {
      withUnsafeBytes(of: UInt32(clamping: v).littleEndian) { d.append(contentsOf: $0) }
      withUnsafeBytes(of: UInt64(n).littleEndian) { d.append(contentsOf: $0) }
    }
    return d
  }

  /// Packs a decoded histogram.
  public static func pack(_ hist: [UInt16: Int]) -> Data { pack(hist.map { (Int($0.key), $0.value) }) }

  /// The entries of a stored histogram (a damaged blob's partial tail is ignored).
  public static func unpack(_ d: Data) -> [(value: Int, pixels: Int)] {
    d.withUnsafeBytes { unpack($0) }
  }

  public static func unpack(_ raw: UnsafeRawBufferPointer) -> [(value: Int, pixels: Int)] {
    var out: [(value: Int, pixels: Int)] = []
    out.reserveCapacity(raw.count / entrySize)
    forEachEntry(raw) { out.append(($0, $1)) }
    return out
  }

  /// Calls `body(value, pixels)` for each entry, read in place (no array is built). A count over
  /// `PixelCount.plausibleMax` (damage) reads as that bound, so sums over the store cannot overflow.
  @inline(__always)
  public static func forEachEntry(_ raw: UnsafeRawBufferPointer, _ body: (Int, Int) -> Void) {
    var at = 0
    while at + entrySize <= raw.count {
      body(
        Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self))),
        Int(min(PixelCount.plausibleMax, UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: at + 4, as: UInt64.self)))))
      at += entrySize
    }
  }

  /// The pixel count of one value (0 when absent), by binary search.
  public static func pixels(_ raw: UnsafeRawBufferPointer, value: Int) -> Int {
    var lo = 0, hi = raw.count / entrySize
    while lo < hi {
      let mid = (lo + hi) / 2
      let v = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: mid * entrySize, as: UInt32.self)))
      if v == value { return Int(min(PixelCount.plausibleMax, UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: mid * entrySize + 4, as: UInt64.self)))) }
      if v < value { lo = mid + 1 } else { hi = mid }
    }
    return 0
  }

  /// `segscope_px(hist, value)`: registered on every connection of a dataset's pool.
  static let sqlFunction = DatabaseFunction("segscope_px", argumentCount: 2, pure: true) { values in
    guard let value = Int.fromDatabaseValue(values[1]) else { return 0 }
    switch values[0].storage {
    case .blob(let d): return d.withUnsafeBytes { pixels($0, value: value) }
    default: return 0
    }
  }
}

extension ClassHistogram {
  /// Why a histogram blob is not one the indexing pass could have written, or nil when it is sound:
  /// whole 12-byte entries, values that fit a 16-bit mask in increasing order, counts from 1 up, and
  /// no more than `maxPixels` (the most a decoder reads) in all.
  public static func problem(_ d: Data, maxPixels: Int) -> String? {
    guard d.count % entrySize == 0 else { return "a histogram of \(d.count) bytes, not whole entries" }
    return d.withUnsafeBytes { raw -> String? in
      var previous = -1
      var sum: UInt64 = 0
      var at = 0
      while at < raw.count {
        let v = Int(UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
        let n = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: at + 4, as: UInt64.self))
        if v > 65535 { return "class value \(v), beyond what a 16-bit mask holds" }
        if v <= previous { return "class values out of order (\(v) after \(previous))" }
        if n == 0 || n > PixelCount.plausibleMax { return "\(n) pixels of class \(v)" }
        sum += n
        if sum > UInt64(maxPixels) { return "more than \(maxPixels) pixels, more than any mask segscope reads" }
        previous = v
        at += entrySize
      }
      return nil
    }
  }
}
