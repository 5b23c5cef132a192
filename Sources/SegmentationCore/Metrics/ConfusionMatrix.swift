/// A pixel confusion matrix: rows are ground-truth classes, columns predicted classes.
///
/// K classes give K rows and K + 1 columns: the last column counts predictions outside [0, K)
/// (they count in their row, as false negatives, and as no class's false positive, like mmseg and
/// the Cityscapes scripts). Ground-truth pixels equal to an ignore value are dropped and counted in
/// `ignoredPixels`; ground-truth values that are neither a class nor ignored are counted per value in
/// `unknownGroundTruth` and not in the matrix. Matrices of several samples add up. Does no I/O.
public struct ConfusionMatrix: Sendable, Equatable {
  /// Number of classes K.
  public let classCount: Int
  /// Row-major K x (K + 1) counts.
  public internal(set) var counts: [UInt64]
  /// Ground-truth pixels dropped because their value is an ignore value.
  public var ignoredPixels: UInt64 = 0
  /// Ground-truth values outside [0, K) that are not ignore values, with their pixel counts.
  public var unknownGroundTruth: [UInt16: UInt64] = [:]

  /// An all-zero matrix for `classCount` classes.
  public init(classCount: Int) {
    precondition(classCount > 0 && classCount <= 65536, "classCount out of range")
    self.classCount = classCount
    self.counts = [UInt64](repeating: 0, count: classCount * (classCount + 1))
  }

  /// A matrix from explicit counts (`classCount` rows of `classCount + 1` columns).
  public init(classCount: Int, counts: [UInt64], ignoredPixels: UInt64 = 0) {
    precondition(counts.count == classCount * (classCount + 1), "counts size mismatch")
    self.classCount = classCount
    self.counts = counts
    self.ignoredPixels = ignoredPixels
  }

  /// Columns per row (K + 1).
  @inlinable public var columns: Int { classCount + 1 }

  /// The count for ground truth `gt` predicted as `pred`; `pred == classCount` is the invalid column.
  public subscript(gt: Int, pred: Int) -> UInt64 {
    get { counts[gt * (classCount + 1) + pred] }
    set { counts[gt * (classCount + 1) + pred] = newValue }
  }

  /// Adds another matrix of the same size.
  public mutating func add(_ other: ConfusionMatrix) {
    precondition(other.classCount == classCount, "adding matrices of different sizes")
    counts.withUnsafeMutableBufferPointer { a in
      other.counts.withUnsafeBufferPointer { b in
        for i in 0..<a.count { a[i] &+= b[i] }
      }
    }
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
    let base = c * columns
    for j in 0..<columns { s &+= counts[base + j] }
    return s
  }

  /// Column sum (all pixels predicted as `c`).
  public func columnSum(_ c: Int) -> UInt64 {
    var s: UInt64 = 0
    for g in 0..<classCount { s &+= counts[g * columns + c] }
    return s
  }

  /// Pixels counted (every non-ignored pixel with a known ground-truth class).
  public var total: UInt64 { counts.reduce(0, &+) }

  /// Whether nothing was counted.
  public var isEmpty: Bool { total == 0 }
}
