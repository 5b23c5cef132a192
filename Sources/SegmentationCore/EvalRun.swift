/// How a run's numbers were computed: a semantic metric dialect, COCO's instance AP, or
/// panopticapi's PQ. Stored as its raw word; an unknown word is an error, never another dialect.
public enum RunDialect: RawRepresentable, Sendable, Equatable, Hashable, CustomStringConvertible {
  case semantic(MetricDialect)
  case coco
  case panopticapi

  public init?(rawValue: String) {
    switch rawValue {
    case "coco": self = .coco
    case "panopticapi": self = .panopticapi
    default:
      guard let d = MetricDialect(rawValue: rawValue) else { return nil }
      self = .semantic(d)
    }
  }

  public var rawValue: String {
    switch self {
    case .semantic(let d): return d.rawValue
    case .coco: return "coco"
    case .panopticapi: return "panopticapi"
    }
  }

  public var description: String { rawValue }

  /// The metric dialect of a semantic run.
  public var metric: MetricDialect? {
    if case .semantic(let d) = self { return d }
    return nil
  }
}

/// A stored evaluation run: what the store keeps, the runs screen lists and the commands report.
public struct EvalRun: Sendable, Equatable {
  public let id: Int64
  public let key: String
  public let gtField: String
  public let predField: String
  public let dialect: RunDialect
  public let classCount: Int
  public let options: String
  public let version: String
  public let createdAt: String
  /// Semantic, instance or panoptic.
  public let kind: RunKind
  /// Instance and panoptic runs: the summary numbers as JSON.
  public let summary: String?

  public init(
    id: Int64, key: String, gtField: String, predField: String, dialect: RunDialect, classCount: Int, options: String, version: String, createdAt: String,
    kind: RunKind, summary: String?
  ) {
    self.id = id
    self.key = key
    self.gtField = gtField
    self.predField = predField
    self.dialect = dialect
    self.classCount = classCount
    self.options = options
    self.version = version
    self.createdAt = createdAt
    self.kind = kind
    self.summary = summary
  }

  /// A semantic run as the app's tests and previews make one (no stored counts behind it).
  public init(key: String, gtField: String, predField: String, dialect: MetricDialect, createdAt: String) {
    self.init(
      id: 0, key: key, gtField: gtField, predField: predField, dialect: .semantic(dialect), classCount: 0, options: "", version: "", createdAt: createdAt,
      kind: .semantic, summary: nil)
  }

  /// The metric dialect of a semantic run; for another kind of run it is an error naming the run.
  public func metricDialect() throws(UnknownWordError) -> MetricDialect {
    guard let d = dialect.metric else { throw UnknownWordError(place: "the metric dialect of run '\(key)'", value: dialect.rawValue) }
    return d
  }
}
