import SegmentationCore
/// A flag as the flags screen lists it.
public struct FlagSummary: Sendable, Equatable {
  public let id: Int64
  public let sampleId: Int64
  public let path: String
  public let field: String
  public let region: String
  public let suggestedClass: String?
  public let note: String
  public let state: FlagState
  public let author: String
  public let createdAt: String
  public init(
    id: Int64, sampleId: Int64, path: String, field: String, region: String, suggestedClass: String?, note: String, state: FlagState, author: String,
    createdAt: String
  ) {
    self.id = id
    self.sampleId = sampleId
    self.path = path
    self.field = field
    self.region = region
    self.suggestedClass = suggestedClass
    self.note = note
    self.state = state
    self.author = author
    self.createdAt = createdAt
  }
}

/// The flags screen's filter words.
extension FlagFilter {
  /// Parses `state=any author=bob class=car` (words in any order; unknown words are an error).
  public static func parse(_ text: String, base: FlagFilter = FlagFilter(state: .open)) throws(FilterError) -> FlagFilter {
    var f = base
    for word in text.split(separator: " ") {
      let parts = word.split(separator: "=", maxSplits: 1).map(String.init)
      guard parts.count == 2 else { throw FilterError(message: "'\(word)': use state=open|fixed|rejected|any, author=NAME, class=NAME") }
      switch parts[0] {
      case "state":
        guard parts[1] == "any" || FlagState(rawValue: parts[1]) != nil else {
          throw FilterError(message: "state is open, fixed, rejected or any, not '\(parts[1])'")
        }
        f.state = FlagState(rawValue: parts[1])
      case "author": f.author = parts[1] == "any" ? nil : parts[1]
      case "class": f.className = parts[1] == "any" ? nil : parts[1]
      default: throw FilterError(message: "unknown filter '\(parts[0])' (state, author, class)")
      }
    }
    return f
  }

  /// As the flags screen's header shows it.
  public var text: String {
    "state=\(state?.rawValue ?? "any") author=\(author ?? "any") class=\(className ?? "any")"
  }

  public struct FilterError: Error, Sendable { public let message: String }
}

/// A review queue being worked through: the view is the queue, verdicts are kept in the database.
public struct ReviewSession: Sendable, Equatable {
  public var queue: String
  public var expression: ViewExpression
  /// Saved verdicts by sample.
  public var verdicts: [Int64: Verdict]
  /// Verdicts given on screen and not yet confirmed by the database.
  public var pending: [Int64: Verdict] = [:]
  public init(queue: String, expression: ViewExpression, verdicts: [Int64: Verdict]) {
    self.queue = queue
    self.expression = expression
    self.verdicts = verdicts
  }

  /// "12/40 reviewed (ok 8, needs-fix 3, skip 1)" over the samples of the queue.
  public func progress(_ ids: [Int64]) -> String {
    let waiting = pending.isEmpty ? "" : ", \(pending.count) saving"
    return ReviewProgress(ids: ids, verdicts: verdicts).summary.dropLast() + waiting + ")"
  }
}

/// The mask revision shown in the sample view, and its history.
public struct RevisionInfo: Sendable, Equatable {
  /// The ground truth's revision (0: as imported).
  public let revision: Int
  /// One line per correction, newest first ("r2 by ana 2026-11-26 10:02: +120 car -120 road").
  public let history: [String]
  /// Open flags on this sample ("#4 component at 10,20 -> car: note").
  public let flags: [String]
  /// The regions of the open flags that are rectangles (image pixels), outlined in the sample view.
  public let flagBoxes: [MaskRegion]
  public init(revision: Int, history: [String], flags: [String], flagBoxes: [MaskRegion] = []) {
    self.revision = revision
    self.history = history
    self.flags = flags
    self.flagBoxes = flagBoxes
  }
}

extension SuspectRegion {
  /// The region's bounding box, as flags and relabelling name a part of a mask.
  public var box: MaskRegion { .rect(x: x, y: y, width: width, height: height) }
}
