import Foundation

/// Calibrates the finder's region scores against the confusions a run's models make everywhere.
///
/// Models trained on the same data share habits: they call buses trains, riders persons, stretches
/// of sidewalk road, and miss the same small objects. A region where the evidence disagrees with the
/// label the way it disagrees in many other masks is a habit, not a label error; one that is rare
/// across the set is news. So the run's regions are counted per (given class, evidence class, size
/// bin): a cell's mass is the sum of its regions' raw scores. For a region, `others` is the mass of
/// the other regions of its pair, those within one size bin of it counted whole and the rest a
/// quarter per further bin (a habit shows at every size, but a planted car is not a stray strip).
/// With `n` the number of masks whose ground truth holds the given class,
///
///     score = raw / (1 + others / max(minimumMass, habitRate * n))   (minimumMass 2, habitRate 2%)
///
/// A pair that disagrees in no other mask keeps its score; one that disagrees in `habitRate` of the
/// masks holding the class (2%) is halved; one in 30% falls about 16x. A sample's score is the
/// noisy-or of its two strongest regions (many weak habit regions do not add up to an error).
/// Tuned on one seed of `Benchmarks/label_errors/streets.py` and reported on another.
public struct LabelErrorCalibration: Sendable {
  /// Where a region's disagreement is counted.
  public struct Cell: Hashable, Sendable {
    public var given: Int
    public var predicted: Int
    public var sizeBin: Int
    public init(given: Int, predicted: Int, sizeBin: Int) {
      self.given = given
      self.predicted = predicted
      self.sizeBin = sizeBin
    }
    public init(_ r: SuspectRegion) { self.init(given: r.given, predicted: r.predicted, sizeBin: r.sizeBin) }
  }

  /// One mask's part: the ground-truth classes it holds and its regions with raw scores.
  public struct Sample: Sendable {
    public var classes: [Int]
    public var regions: [SuspectRegion]
    public init(classes: [Int], regions: [SuspectRegion]) {
      self.classes = classes
      self.regions = regions
    }
  }

  /// The share of the masks holding a class at which a pair's disagreement halves its regions' scores.
  public var habitRate: Double
  /// The mass of other regions that halves a score, at the least: in a small set two other full
  /// occurrences of a pair are needed to halve its regions.
  public var minimumMass: Double
  public private(set) var mass: [Cell: Double] = [:]
  public private(set) var masks: [Int: Int] = [:]

  public init(habitRate: Double = 0.02, minimumMass: Double = 2) {
    self.habitRate = habitRate
    self.minimumMass = minimumMass
  }

  /// Learns the cells' masses from every sample of a run.
  public init<S: Sequence>(samples: S, habitRate: Double = 0.02, minimumMass: Double = 2) where S.Element == Sample {
    self.init(habitRate: habitRate, minimumMass: minimumMass)
    for s in samples { add(s) }
  }

  public mutating func add(_ s: Sample) {
    for c in Set(s.classes) { masks[c, default: 0] += 1 }
    for r in s.regions { mass[Cell(r), default: 0] += r.raw }
  }

  /// How much of the mass of size bin `other` counts for a region of size bin `bin`.
  public static func sizeWeight(_ bin: Int, _ other: Int) -> Double { pow(0.25, Double(max(0, abs(bin - other) - 1))) }

  /// The factor a region's raw score is multiplied by, in (0, 1].
  public func factor(_ r: SuspectRegion) -> Double {
    var pair = 0.0
    for b in 0...Self.maxBin { pair += (mass[Cell(given: r.given, predicted: r.predicted, sizeBin: b)] ?? 0) * Self.sizeWeight(r.sizeBin, b) }
    let others = max(0, pair - r.raw)
    let scale = max(minimumMass, habitRate * Double(max(1, masks[r.given] ?? 1)))
    return 1 / (1 + others / scale)
  }

  /// The regions with calibrated scores (most suspicious first), and the sample's score.
  public func apply(_ regions: [SuspectRegion]) -> (score: Double, regions: [SuspectRegion]) {
    var out = regions
    for i in out.indices { out[i].score = min(1, max(0, out[i].raw * factor(out[i]))) }
    out.sort { $0.score != $1.score ? $0.score > $1.score : ($0.y, $0.x) < ($1.y, $1.x) }
    return (Self.combine(out.map(\.score)), out)
  }

  /// A sample's score from its region scores: the noisy-or of the two strongest, 1 - (1 - s1)(1 - s2).
  public static func combine(_ scores: [Double]) -> Double {
    let top = scores.sorted(by: >).prefix(2)
    var clean = 1.0
    for s in top { clean *= 1 - s }
    return min(1, max(0, 1 - clean))
  }

  /// The largest size bin.
  public static let maxBin = 6

  /// A region's size class by its share of the image, in steps of 4: 0 below 1/4096 of the image,
  /// then 1/4096-1/1024, ..., 6 for a quarter of the image or more.
  public static func sizeBin(pixels: Int, area: Int) -> Int {
    guard pixels > 0, area > 0 else { return 0 }
    let share = Double(pixels) * 4096 / Double(area)
    guard share >= 1 else { return 0 }
    return min(maxBin, 1 + Int(log(share) / log(4)))
  }
}
