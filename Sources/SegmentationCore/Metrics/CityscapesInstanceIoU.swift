/// Cityscapes' instance-weighted IoU (iIoU, printed "nIoU" by the official script) for the classes
/// with instances. Each ground-truth instance (instanceIds value > 1000; label id = value / 1000) of
/// size s adds its true positives and false negatives weighted by avgClassSize[class] / s; false
/// positives come unweighted from the confusion matrix. Does no I/O.
public struct CityscapesInstanceIoU: Sendable, Equatable {
  /// trainId -> average instance size (the official script's table).
  public static let averageSize: [Int: Double] = [
    11: 3462.4756337644, 12: 3930.4788056518, 13: 12794.0202738185, 14: 27855.1264367816,
    15: 35732.1511111111, 16: 67583.7075812274, 17: 6298.7200839748, 18: 4672.3249222261,
  ]
  /// labelId -> trainId for the instance classes.
  public static let trainIdOfLabel: [Int: Int] = [24: 11, 25: 12, 26: 13, 27: 14, 28: 15, 31: 16, 32: 17, 33: 18]

  public private(set) var weightedTP: [Int: Double] = [:]
  public private(set) var weightedFN: [Int: Double] = [:]

  public init() {}

  /// Sums kept elsewhere (a shard's part) taken back exactly.
  public init(weightedTP: [Int: Double], weightedFN: [Int: Double]) {
    self.weightedTP = weightedTP
    self.weightedFN = weightedFN
  }

  /// Adds one image: its instanceIds map and the prediction as trainIds (same size).
  public mutating func accumulate(instanceIds: LabelMask, prediction: LabelMask) {
    let ids = instanceIds.values16, pred = prediction.values16
    var size: [UInt16: Int] = [:], hit: [UInt16: Int] = [:]
    for i in 0..<ids.count where ids[i] > 1000 {
      let v = ids[i]
      size[v, default: 0] += 1
      if let t = CityscapesInstanceIoU.trainIdOfLabel[Int(v) / 1000], Int(pred[i]) == t { hit[v, default: 0] += 1 }
    }
    for (v, s) in size {
      guard let t = CityscapesInstanceIoU.trainIdOfLabel[Int(v) / 1000], let avg = CityscapesInstanceIoU.averageSize[t] else { continue }
      let tp = hit[v] ?? 0
      let w = avg / Double(s)
      weightedTP[t, default: 0] += Double(tp) * w
      weightedFN[t, default: 0] += Double(s - tp) * w
    }
  }

  /// Adds another accumulation.
  public mutating func add(_ o: CityscapesInstanceIoU) {
    for (k, v) in o.weightedTP { weightedTP[k, default: 0] += v }
    for (k, v) in o.weightedFN { weightedFN[k, default: 0] += v }
  }

  /// iIoU per instance class (trainId -> value, NaN when undefined), with false positives taken from
  /// the (summed) confusion matrix of trainIds.
  public func perClass(_ m: ConfusionMatrix) -> [Int: Double] {
    var out: [Int: Double] = [:]
    for t in CityscapesInstanceIoU.averageSize.keys.sorted() {
      var fp = 0.0
      if t < m.classCount { for g in 0..<m.classCount where g != t { fp += Double(m[g, t]) } }
      let tp = weightedTP[t] ?? 0, fn = weightedFN[t] ?? 0
      let d = tp + fp + fn
      out[t] = d == 0 ? .nan : tp / d
    }
    return out
  }

  /// The mean over classes with a value.
  public func mean(_ m: ConfusionMatrix) -> Double { SemanticMetrics.nanMean(perClass(m).keys.sorted().map { perClass(m)[$0] ?? .nan }) }
}
