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
