/// A stored label-error run (`segscope mistakes`).
public struct SuspectRun: Sendable, Equatable {
  public var key: String
  public var gtField: String
  public var predFields: [String]
  /// The strongest evidence any sample had.
  public var evidence: LabelEvidence
  public var created: String
  public var version: String

  public init(key: String, gtField: String, predFields: [String], evidence: LabelEvidence, created: String, version: String) {
    self.key = key
    self.gtField = gtField
    self.predFields = predFields
    self.evidence = evidence
    self.created = created
    self.version = version
  }
}
