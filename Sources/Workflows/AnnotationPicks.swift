import Curation
import DatasetImport
import DatasetStore
import SegmentationCore

/// What to annotate next (`segscope next`, the app's `:next`): the most uncertain samples, spread apart
/// by their embeddings, tagged, made a review queue or exported for annotators.
public enum AnnotationPicks {
  /// Where the picks go.
  public enum Destination: Sendable, Equatable {
    /// Tagged (an earlier tag of that name moves to them).
    case tag(String)
    /// Tagged with the queue's name and made a review queue over that tag.
    case queue(String)
    /// Written as a CVAT folder.
    case export(String)
  }

  public struct Outcome: Sendable {
    public let picks: [Uncertainty.Score]
    /// Samples left out (unreadable or wrong-size maps).
    public let problems: [String]
    /// The CVAT export, with `.export`.
    public let exported: Exporter.Report?
  }

  /// Picks `budget` samples among `ids` (all when nil) and sends them to `destination`; with no pick,
  /// nothing is tagged or written (an earlier tag keeps its samples).
  public static func pick(
    _ store: DatasetStore, fields: [String], ids: [Int64]?, signatures: [StoredSignature], budget: Int, spread: Double = Curator.defaultThreshold,
    into destination: Destination?
  ) throws -> Outcome {
    let (picks, problems) = try Uncertainty(store: store).next(predFields: fields, ids: ids, signatures: signatures, budget: budget, spread: spread)
    let picked = picks.map(\.sampleId)
    var exported: Exporter.Report? = nil
    switch picked.isEmpty ? nil : destination {
    case .tag(let tag)?:
      try store.replaceTag(picked, tag)
    case .queue(let queue)?:
      try store.replaceTag(picked, queue)
      _ = try store.openQueue(queue, expression: "tag:\(queue)")
    case .export(let folder)?:
      exported = try Exporter(store: store).export(.cvat, sampleIds: picked, to: folder)
    case nil:
      break
    }
    return Outcome(picks: picks, problems: problems, exported: exported)
  }
}
