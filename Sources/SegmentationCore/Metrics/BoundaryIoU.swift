/// Boundary IoU per class (Cheng et al. 2021, boundary-iou-api), summed over images.
///
/// The boundary of a binary mask M is M minus its erosion by a 3x3 square applied d times to M padded
/// with one pixel of 0, d = max(1, round(0.02 x diagonal)) with half-to-even rounding. A pixel of label
/// L is in the boundary of class L exactly when a pixel of another label (or the padding) lies within
/// Chebyshev distance d, so one distance transform per mask gives every class's boundary at once.
/// Pixels whose ground truth is ignored count nowhere. Does no I/O.
public struct BoundaryIoU: Sendable, Equatable {
  public let classCount: Int
  public private(set) var intersection: [UInt64]
  public private(set) var union: [UInt64]

  public init(classCount: Int) {
    self.classCount = classCount
    intersection = [UInt64](repeating: 0, count: classCount)
    union = intersection
  }

  /// Counts from stored values.
  public init(classCount: Int, intersection: [UInt64], union: [UInt64]) {
    self.classCount = classCount
    self.intersection = intersection
    self.union = union
  }

  /// Adds another image's (or set's) counts.
  public mutating func add(_ o: BoundaryIoU) {
    for c in 0..<min(classCount, o.classCount) {
      intersection[c] &+= o.intersection[c]
      union[c] &+= o.union[c]
    }
  }

  /// d for an image: max(1, round-half-even(0.02 x sqrt(h² + w²))).
  public static func dilation(width: Int, height: Int, ratio: Double = 0.02) -> Int {
    max(1, Int((ratio * Double(width * width + height * height).squareRoot()).rounded(.toNearestOrEven)))
  }

  /// For each pixel, the Chebyshev distance (capped at cap + 1) to the nearest pixel of another
  /// value, counting the one-pixel frame around the image as another value.
  public static func distanceToOtherLabel(_ m: LabelMask, cap: Int) -> [Int32] {
    let w = m.width, h = m.height
    let v = m.values16
    let inf = Int32(cap + 1)
    var d = [Int32](repeating: inf, count: w * h)
    for y in 0..<h {
      for x in 0..<w {
        let i = y * w + x
        if x == 0 || y == 0 || x == w - 1 || y == h - 1 {
          d[i] = 1
          continue
        }
        let c = v[i]
        if v[i - 1] != c || v[i + 1] != c || v[i - w] != c || v[i + w] != c || v[i - w - 1] != c || v[i - w + 1] != c || v[i + w - 1] != c || v[i + w + 1] != c
        {
          d[i] = 1
        }
      }
    }
    // Two chamfer passes with unit weights over same-label neighbours: exact for Chebyshev distance
    // (a monotone shortest path from p to its seed stays inside p's own-label square).
    for y in 0..<h {
      for x in 0..<w {
        let i = y * w + x
        var best = d[i]
        let c = v[i]
        if x > 0 && v[i - 1] == c { best = min(best, d[i - 1] + 1) }
        if y > 0 {
          if v[i - w] == c { best = min(best, d[i - w] + 1) }
          if x > 0 && v[i - w - 1] == c { best = min(best, d[i - w - 1] + 1) }
          if x + 1 < w && v[i - w + 1] == c { best = min(best, d[i - w + 1] + 1) }
        }
        d[i] = min(best, inf)
      }
    }
    for y in stride(from: h - 1, through: 0, by: -1) {
      for x in stride(from: w - 1, through: 0, by: -1) {
        let i = y * w + x
        var best = d[i]
        let c = v[i]
        if x + 1 < w && v[i + 1] == c { best = min(best, d[i + 1] + 1) }
        if y + 1 < h {
          if v[i + w] == c { best = min(best, d[i + w] + 1) }
          if x + 1 < w && v[i + w + 1] == c { best = min(best, d[i + w + 1] + 1) }
          if x > 0 && v[i + w - 1] == c { best = min(best, d[i + w - 1] + 1) }
        }
        d[i] = min(best, inf)
      }
    }
    return d
  }

  /// Adds one image pair (same size).
  public mutating func accumulate(gt: LabelMask, pred: LabelMask, ignore: Set<UInt16> = [255], ratio: Double = 0.02) throws(AccumulateError) {
    guard gt.width == pred.width, gt.height == pred.height else {
      throw .sizeMismatch(gt: (gt.width, gt.height), pred: (pred.width, pred.height))
    }
    let dil = BoundaryIoU.dilation(width: gt.width, height: gt.height, ratio: ratio)
    let dg = BoundaryIoU.distanceToOtherLabel(gt, cap: dil), dp = BoundaryIoU.distanceToOtherLabel(pred, cap: dil)
    let g = gt.values16, p = pred.values16
    let k = classCount
    for i in 0..<g.count {
      let gv = g[i]
      if ignore.contains(gv) { continue }
      let gb = dg[i] <= dil, pb = dp[i] <= dil
      let gi = Int(gv), pi = Int(p[i])
      if gi == pi {
        if gi < k {
          if gb && pb { intersection[gi] &+= 1 }
          if gb || pb { union[gi] &+= 1 }
        }
      } else {
        if gb && gi < k { union[gi] &+= 1 }
        if pb && pi < k { union[pi] &+= 1 }
      }
    }
  }

  /// Per-class boundary IoU (NaN when a class has no boundary on either side).
  public var perClass: [Double] { (0..<classCount).map { union[$0] == 0 ? .nan : Double(intersection[$0]) / Double(union[$0]) } }

  /// The mean over classes with a boundary (nanmean).
  public var mean: Double { SemanticMetrics.nanMean(perClass) }
}
