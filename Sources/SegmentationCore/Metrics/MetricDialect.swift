/// Whose definition of the semantic metrics to follow. Always printed with the numbers.
public enum MetricDialect: String, Sendable, CaseIterable, Codable {
  /// mmseg `IoUMetric`: dataset-level sums, 0/0 = NaN and skipped in means (nanmean).
  case mmseg
  /// Cityscapes `evalPixelLevelSemanticLabeling`: same class IoU as mmseg, mean over non-NaN classes.
  case cityscapes
  /// torchmetrics macro averaging: 0/0 = 0, included in the means.
  case torchmetrics
  /// FiftyOne `evaluate_segmentations`: pixels whose prediction is not a class are dropped,
  /// class 0 is excluded, micro-averaged accuracy / precision / recall.
  case fiftyone

  /// One line stating the policy, printed with every table.
  public var policy: String {
    switch self {
    case .mmseg:
      return
        "mmseg IoUMetric: dataset-level sums; a class with 0/0 is NaN and skipped in means; ground truth outside the class map is in no class, its predictions are FPs"
    case .cityscapes:
      return "Cityscapes: dataset-level sums; void predictions count as FN; mean over non-NaN classes; ground truth outside the class map fails the sample"
    case .torchmetrics: return "torchmetrics macro: 0/0 counts as 0 and is included in means; ground truth outside the class map fails the sample"
    case .fiftyone: return "FiftyOne evaluate_segmentations: class 0 excluded, off-map ground truth and predictions dropped, micro averages"
    }
  }
}

/// A stored or written word this segscope does not know, and where it was read.
public struct UnknownWordError: Error, CustomStringConvertible, Sendable {
  public let place: String
  public let value: String
  public init(place: String, value: String) {
    self.place = place
    self.value = value
  }
  public var description: String {
    "\(place) holds '\(Sanitize.forTerminal(String(value.prefix(64))))', which this segscope does not know (a damaged file, or one written by a newer version)"
  }
}

extension MetricDialect {
  /// The dialect a stored word names; an unknown one is an error naming `place`, never a default.
  public init(stored text: String, place: String) throws(UnknownWordError) {
    guard let d = MetricDialect(rawValue: text) else { throw UnknownWordError(place: place, value: text) }
    self = d
  }
}
