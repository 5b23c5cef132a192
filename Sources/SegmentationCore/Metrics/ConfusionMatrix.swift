/// A pixel confusion matrix: rows are ground-truth classes, columns predicted classes.
///
/// K classes give K rows and K + 1 columns: the last column counts predictions outside [0, K)
/// (they count in their row, as false negatives, and as no class's false positive, like mmseg and
/// the Cityscapes scripts). Ground-truth pixels equal to an ignore value are dropped and counted in
/// `ignoredPixels`. Ground-truth values that are neither a class nor ignored are counted per value in
/// `unknownGroundTruth`, and what was predicted on them in `outside` (the row "outside the class
/// map"): mmseg counts those predictions as false positives, other dialects drop or refuse them.
///
/// Up to `denseClassLimit` classes the cells are a dense array; above it only the non-zero cells are
/// kept, so memory follows what the masks hold, not the size of the class map. Matrices of several
/// samples add up. Does no I/O.
public struct ConfusionMatrix: Sendable, Equatable {
  /// Number of classes K.
  public let classCount: Int
  /// Row-major K x (K + 1) counts when dense; empty when sparse.
  @usableFromInline var dense: [UInt64]
  /// Non-zero cells (key g * (K + 1) + p) when sparse.
  @usableFromInline var cells: [Int: UInt64]
  /// Pixels whose ground truth is outside the class map, by predicted column (0...K).
  public var outside: [Int: UInt64] = [:]
  /// Ground-truth pixels dropped because their value is an ignore value.
  public var ignoredPixels: UInt64 = 0
  /// Ground-truth values outside [0, K) that are not ignore values, with their pixel counts.
  public var unknownGroundTruth: [UInt16: UInt64] = [:]

  /// Class counts up to this are stored densely.
  public static let denseClassLimit = 64

  /// Whether the cells are a dense array.
  @inlinable public var isDense: Bool { classCount <= Self.denseClassLimit }

  /// An all-zero matrix for `classCount` classes.
  public init(classCount: Int) {
    precondition(classCount > 0 && classCount <= 65536, "classCount out of range")
    self.classCount = classCount
    self.dense = classCount <= Self.denseClassLimit ? [UInt64](repeating: 0, count: classCount * (classCount + 1)) : []
    self.cells = [:]
  }

  /// A matrix from explicit dense counts (`classCount` rows of `classCount + 1` columns).
  public init(classCount: Int, counts: [UInt64], ignoredPixels: UInt64 = 0) {
    precondition(counts.count == classCount * (classCount + 1), "counts size mismatch")
    self.init(classCount: classCount)
    if isDense {
      dense = counts
    } else {
      for (i, v) in counts.enumerated() where v != 0 { cells[i] = v }
    }
    self.ignoredPixels = ignoredPixels
  }

  /// Columns per row (K + 1).
  @inlinable public var columns: Int { classCount + 1 }

  /// Every cell as a dense row-major K x (K + 1) array (allocates K x (K + 1) for a sparse matrix).
  public var counts: [UInt64] {
    if isDense { return dense }
    var out = [UInt64](repeating: 0, count: classCount * columns)
    for (k, v) in cells { out[k] = v }
    return out
  }

  /// The count for ground truth `gt` predicted as `pred`; `pred == classCount` is the invalid column.
  public subscript(gt: Int, pred: Int) -> UInt64 {
    get { isDense ? dense[gt * columns + pred] : cells[gt * columns + pred] ?? 0 }
    set {
      if isDense {
        dense[gt * columns + pred] = newValue
      } else {
        cells[gt * columns + pred] = newValue == 0 ? nil : newValue
      }
    }
  }

  /// Adds `n` to the cell at flat index `key` (g * (K + 1) + p).
  @inlinable mutating func add(key: Int, _ n: UInt64) {
    guard n != 0 else { return }
    if isDense { dense[key] &+= n } else { cells[key, default: 0] &+= n }
  }

  /// Calls `body(g, p, count)` for every non-zero cell.
  public func forEachNonZero(_ body: (Int, Int, UInt64) -> Void) {
    let c = columns
    if isDense {
      for (i, v) in dense.enumerated() where v != 0 { body(i / c, i % c, v) }
    } else {
      for (k, v) in cells { body(k / c, k % c, v) }
    }
  }

  /// Adds another matrix of the same size.
  public mutating func add(_ other: ConfusionMatrix) {
    precondition(other.classCount == classCount, "adding matrices of different sizes")
    if isDense {
      dense.withUnsafeMutableBufferPointer { a in
        other.dense.withUnsafeBufferPointer { b in
          for i in 0..<a.count { a[i] &+= b[i] }
        }
      }
    } else {
      for (k, v) in other.cells { cells[k, default: 0] &+= v }
    }
    for (k, v) in other.outside { outside[k, default: 0] &+= v }
    ignoredPixels &+= other.ignoredPixels
    for (k, v) in other.unknownGroundTruth { unknownGroundTruth[k, default: 0] &+= v }
  }

  /// The sum of several matrices.
  public static func sum<S: Sequence>(_ matrices: S, classCount: Int) -> ConfusionMatrix where S.Element == ConfusionMatrix {
    var total = ConfusionMatrix(classCount: classCount)
    for m in matrices { total.add(m) }
    return total
  }

  /// Row sum (all ground-truth pixels of class `c`, the invalid column included).
  public func rowSum(_ c: Int) -> UInt64 {
    var s: UInt64 = 0
    if isDense {
      let base = c * columns
      for j in 0..<columns { s &+= dense[base + j] }
    } else {
      for (k, v) in cells where k / columns == c { s &+= v }
    }
    return s
  }

  /// Column sum (all pixels of known ground truth predicted as `c`; `outside` is not included).
  public func columnSum(_ c: Int) -> UInt64 {
    var s: UInt64 = 0
    if isDense {
      for g in 0..<classCount { s &+= dense[g * columns + c] }
    } else {
      for (k, v) in cells where k % columns == c { s &+= v }
    }
    return s
  }

  /// Row sums, column sums (K + 1) and the diagonal in one pass over the non-zero cells.
  public func marginals() -> (rows: [UInt64], columns: [UInt64], diagonal: [UInt64]) {
    var rows = [UInt64](repeating: 0, count: classCount)
    var cols = [UInt64](repeating: 0, count: columns)
    var diag = [UInt64](repeating: 0, count: classCount)
    forEachNonZero { g, p, v in
      rows[g] &+= v
      cols[p] &+= v
      if g == p { diag[g] &+= v }
    }
    return (rows, cols, diag)
  }

  /// Pixels counted (every non-ignored pixel with a known ground-truth class).
  public var total: UInt64 { isDense ? dense.reduce(0, &+) : cells.values.reduce(0, &+) }

  /// Pixels whose ground truth is outside the class map.
  public var outsideTotal: UInt64 { outside.values.reduce(0, &+) }

  /// Whether nothing was counted.
  public var isEmpty: Bool { total == 0 }

  /// Whether every count, and all of them together, could come from one mask: no more than
  /// `PixelCount.plausibleMax` pixels. Stored or merged matrices that fail this are damage, and are
  /// refused before any sum over them could overflow.
  public var isPlausible: Bool {
    var sum: UInt64 = 0
    var ok = true
    func add(_ v: UInt64) {
      guard ok else { return }
      sum &+= v
      if v > PixelCount.plausibleMax || sum > PixelCount.plausibleMax { ok = false }
    }
    forEachNonZero { _, _, v in add(v) }
    for v in outside.values { add(v) }
    add(ignoredPixels)
    for v in unknownGroundTruth.values { add(v) }
    return ok
  }

  public static func == (a: ConfusionMatrix, b: ConfusionMatrix) -> Bool {
    a.classCount == b.classCount && a.dense == b.dense && a.cells == b.cells && a.outside == b.outside && a.ignoredPixels == b.ignoredPixels
      && a.unknownGroundTruth == b.unknownGroundTruth
  }
}
