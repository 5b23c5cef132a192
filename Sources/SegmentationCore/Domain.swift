/// The words of segscope's domain, as types: what the database stores as text and the code compares.

/// What a mask field holds.
public enum FieldKind: String, Sendable, Codable, CaseIterable {
  /// Class-index label maps.
  case semantic
  /// COCO instances (RLE per object).
  case instance
  /// Per-pixel confidence maps of a prediction field.
  case confidence
  /// Cityscapes instanceIds (16-bit class * 1000 + k), for iIoU.
  case instanceIds = "instance_ids"
}

/// What a mask field is for.
public enum FieldRole: String, Sendable, Codable, CaseIterable {
  case groundTruth = "ground_truth"
  case prediction
  case confidence
  case instanceIds = "instance_ids"
}

/// Field names with a meaning of their own.
public enum FieldName {
  /// The ground truth every importer makes, and what `--gt` means by default.
  public static let groundTruth = "ground_truth"
  /// Cityscapes' instanceIds field.
  public static let instanceIds = "instance_ids"
  /// The confidence field of prediction `field`.
  public static func confidence(of field: String) -> String { field + ".confidence" }
}

/// What kind of evaluation a stored run is.
public enum RunKind: String, Sendable, Codable, CaseIterable {
  case semantic
  case instance
  case panoptic
  /// Being written; never listed.
  case pending
}

/// The state of a region flag.
public enum FlagState: String, Sendable, Codable, CaseIterable {
  case open, fixed, rejected
}

/// A reviewer's verdict on a sample in a review queue.
public enum Verdict: String, Sendable, Codable, CaseIterable {
  case ok
  case needsFix = "needs-fix"
  case skip
}

// In messages every word reads as it is stored ("needs-fix", "ground_truth"), never as a Swift case name.
extension FieldKind: CustomStringConvertible { public var description: String { rawValue } }
extension FieldRole: CustomStringConvertible { public var description: String { rawValue } }
extension RunKind: CustomStringConvertible { public var description: String { rawValue } }
extension FlagState: CustomStringConvertible { public var description: String { rawValue } }
extension Verdict: CustomStringConvertible { public var description: String { rawValue } }
