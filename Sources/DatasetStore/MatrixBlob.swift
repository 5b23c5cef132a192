#if canImport(Glibc)
  import Glibc
#endif
import Foundation
import GRDB
import SegmentationCore

/// Confusion matrices as little-endian UInt64 blobs (K rows of K+1 columns).
public enum MatrixBlob {
  /// Boundary counts as 2K little-endian UInt64 (intersections, then unions).
  public static func encodeBoundary(_ b: BoundaryIoU) -> Data { pack(b.intersection + b.union) }

  public static func decodeBoundary(_ bytes: [UInt8], classCount k: Int) -> BoundaryIoU? {
    guard let v = unpack(bytes, count: 2 * k), v.allSatisfy({ $0 <= PixelCount.plausibleMax }) else { return nil }
    return BoundaryIoU(classCount: k, intersection: Array(v[..<k]), union: Array(v[k...]))
  }

  /// A matrix as a blob, in whichever of three forms is smallest:
  /// - dense: K x (K + 1) little-endian UInt64 (the format of every run stored before the class-map
  ///   rule), or (K + 1) x (K + 1) when pixels of ground truth outside the class map were counted
  ///   (row K);
  /// - "SPM1": (key, count) pairs of UInt64, key = row x (K + 1) + column, row K included;
  /// - "SPV1": the same cells in key order as LEB128 varints, (key - previous key, count): a
  ///   segmentation sample has a few dozen non-zero cells, so this is some 5 bytes a cell instead of
  ///   8 per cell of the whole matrix.
  public static func encode(_ m: ConfusionMatrix) -> Data {
    let k = m.classCount, c = m.columns
    var cells: [(UInt64, UInt64)] = []
    m.forEachNonZero { g, p, n in cells.append((UInt64(g * c + p), n)) }
    for (p, n) in m.outside where n != 0 { cells.append((UInt64(k * c + p), n)) }
    cells.sort { $0.0 < $1.0 }
    var varint = Data(varintMagic)
    var previous: UInt64 = 0
    for (key, n) in cells {
      appendVarint(&varint, key - previous)
      appendVarint(&varint, n)
      previous = key
    }
    if m.isDense {
      let denseBytes = (m.outside.isEmpty ? k : k + 1) * c * 8
      if denseBytes <= varint.count {
        guard !m.outside.isEmpty else { return pack(m.counts) }
        var row = [UInt64](repeating: 0, count: c)
        for (p, n) in m.outside { row[p] = n }
        return pack(m.counts + row)
      }
    }
    return varint
  }

  static let varintMagic: [UInt8] = Array("SPV1".utf8)

  static func appendVarint(_ d: inout Data, _ value: UInt64) {
    var v = value
    while v >= 0x80 {
      d.append(UInt8(v & 0x7F) | 0x80)
      v >>= 7
    }
    d.append(UInt8(v))
  }

  /// The varint form's cells, or nil when it is damaged (truncated, overlong, keys out of order or
  /// outside the matrix).
  static func decodeVarint(_ b: [UInt8], classCount k: Int) -> ConfusionMatrix? {
    let c = k + 1
    var m = ConfusionMatrix(classCount: k)
    var i = 4, key: UInt64 = 0, first = true
    func next() -> UInt64? {
      var v: UInt64 = 0, shift: UInt64 = 0
      while i < b.count {
        let byte = b[i]
        i += 1
        if shift == 63 && byte > 1 { return nil }
        v |= UInt64(byte & 0x7F) << shift
        if byte & 0x80 == 0 { return v }
        shift += 7
        if shift > 63 { return nil }
      }
      return nil
    }
    while i < b.count {
      guard let delta = next(), let n = next() else { return nil }
      if !first && delta == 0 { return nil }
      let (sum, overflow) = key.addingReportingOverflow(delta)
      guard !overflow, sum < UInt64(c * c) else { return nil }
      key = sum
      first = false
      let g = Int(key) / c, p = Int(key) % c
      if g == k { m.outside[p, default: 0] &+= n } else { m[g, p] &+= n }
    }
    return m
  }

  static let sparseMagic: [UInt8] = Array("SPM1".utf8)

  /// A stored matrix, or nil when it is damaged: a malformed blob, or counts no mask could have
  /// (`ConfusionMatrix.isPlausible`), which later sums would overflow on.
  public static func decode(_ b: [UInt8], classCount k: Int) -> ConfusionMatrix? {
    guard k > 0, k <= 65536, let m = decodeCells(b, classCount: k), m.isPlausible else { return nil }
    return m
  }

  /// A stored `ignored` column: nil when negative or implausible (damage).
  public static func ignored(_ v: Int64?) -> UInt64? {
    guard let v = v else { return 0 }
    guard v >= 0, UInt64(v) <= PixelCount.plausibleMax else { return nil }
    return UInt64(v)
  }

  static func decodeCells(_ b: [UInt8], classCount k: Int) -> ConfusionMatrix? {
    let c = k + 1
    if b.count >= 4 && Array(b.prefix(4)) == varintMagic { return decodeVarint(b, classCount: k) }
    if b.count >= 4 && Array(b.prefix(4)) == sparseMagic {
      guard (b.count - 4) % 16 == 0, let v = unpack(Array(b.dropFirst(4)), count: (b.count - 4) / 8) else { return nil }
      var m = ConfusionMatrix(classCount: k)
      var i = 0
      while i < v.count {
        let key = Int(truncatingIfNeeded: v[i]), n = v[i + 1]
        guard key >= 0, key < c * c else { return nil }
        if key / c == k { m.outside[key % c, default: 0] &+= n } else { m[key / c, key % c] &+= n }
        i += 2
      }
      return m
    }
    if let all = unpack(b, count: c * c) {
      var m = ConfusionMatrix(classCount: k, counts: Array(all[..<(k * c)]))
      for p in 0..<c where all[k * c + p] != 0 { m.outside[p] = all[k * c + p] }
      return m
    }
    return unpack(b, count: k * c).map { ConfusionMatrix(classCount: k, counts: $0) }
  }

  /// Little-endian UInt64s.
  static func pack(_ values: [UInt64]) -> Data {
    var d = Data(capacity: values.count * 8)
    for v in values { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
    return d
  }

  /// `count` little-endian UInt64s, or nil when the size is wrong.
  static func unpack(_ bytes: [UInt8], count: Int) -> [UInt64]? {
    guard bytes.count == count * 8 else { return nil }
    return bytes.withUnsafeBytes { raw in (0..<count).map { UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self)) } }
  }
}
