import SegmentationCore

/// One row of the Suspects screen: a suspect region and the sample it is in.
public struct SuspectEntry: Sendable, Equatable {
  public let sampleId: Int64
  public let path: String
  /// The sample's score (noisy-or of its regions), 1 = surely mislabeled.
  public let sampleScore: Double
  /// The ground-truth revision the verdict was computed on.
  public let gtRevision: Int
  public let region: SuspectRegion
  public init(sampleId: Int64, path: String, sampleScore: Double, gtRevision: Int, region: SuspectRegion) {
    self.sampleId = sampleId
    self.path = path
    self.sampleScore = sampleScore
    self.gtRevision = gtRevision
    self.region = region
  }
}

/// The last decision taken on a suspect region, which `u` takes back.
public enum SuspectChange: Sendable, Equatable {
  /// Dismissed ("the label is right").
  case dismissed(SuspectEntry)
  /// Relabelled as the evidence's class: a new ground-truth revision of the sample.
  case relabelled(sample: Int64)

  public var sampleId: Int64 {
    switch self {
    case .dismissed(let e): return e.sampleId
    case .relabelled(let sample): return sample
    }
  }
}

/// The Suspects screen: the regions of one label-error run, most suspicious sample first.
public struct SuspectsState: Sendable, Equatable {
  public var runs: [SuspectRun] = []
  /// The run shown (nil: none stored yet).
  public var run: String? = nil
  public var entries: [SuspectEntry] = []
  /// Samples the run has a verdict for, and how many of them have a region.
  public var samplesChecked = 0
  public var cursor = 0
  public var loading = false
  /// The region the sample view outlines and that F, L and d act on there (set by Enter on this
  /// screen, moved by n/p and `]`).
  public var focus: SuspectEntry? = nil
  /// The view expression the suspects were opened as; a different view ends the focus.
  public var focusView: ViewExpression? = nil
  /// The last dismissal or relabel made from this screen or the sample view; `u` undoes it even
  /// after the cursor moved on.
  public var lastChange: SuspectChange? = nil
  public init() {}

  public var current: SuspectEntry? { entries.indices.contains(cursor) ? entries[cursor] : nil }
  public var runSummary: SuspectRun? { runs.first { $0.key == run } }

  /// The regions of a sample, in the screen's order.
  public func regions(of sampleId: Int64) -> [SuspectEntry] { entries.filter { $0.sampleId == sampleId } }

  /// A view of the run's suspect samples, most suspicious first.
  public static func view(run: String) -> ViewExpression {
    ViewExpression(filters: [.metric(.suspect(run: run), .gt, 0)], sort: .init(metric: .suspect(run: run), descending: true))
  }
}

extension SuspectEntry {
  /// "labelled person, the evidence says car" with the class names of the dataset.
  public func explanation(_ names: [String]) -> String {
    let g = Self.name(region.given, names), p = Self.name(region.predicted, names)
    switch region.kind {
    case .swap: return "labelled \(g), the evidence says \(p)"
    case .missed: return "a \(p) the ground truth lacks (labelled \(g))"
    case .spurious: return "labelled \(g), the evidence sees \(p) there"
    case .boundary: return "outline of \(g) / \(p) shifted"
    }
  }

  static func name(_ v: Int, _ names: [String]) -> String { names.indices.contains(v) ? names[v] : "class \(v)" }
}
