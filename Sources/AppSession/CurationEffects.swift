import AppCore
import Curation
import DatasetStore
import SegmentationCore

/// Curation effects: duplicates, uniqueness and the annotation queue as background jobs (image
/// signatures made first where missing, with progress; x cancels), similar samples as a view.
extension EffectRunner {
  public func curation(_ effect: Effect) throws -> [AppAction] {
    switch effect {
    case .curate(let task, let job):
      return curate(task, job: job)
    case .loadSimilar(let sample, let limit, let request):
      let curator = Curator(store: store)
      let (sigs, _) = try curator.signatures()
      let list = try curator.similar(to: sample, in: sigs, limit: limit)
      let name = try store.samples(ids: [sample]).first?.path ?? "sample \(sample)"
      return [.viewLoaded(text: "", title: "like \(name), nearest first", ids: list.map(\.sampleId), matrix: nil, request: request)]
    case .loadMap(let view, let run, let className, let job):
      return loadMap(view: view, run: run, className: className, job: job)
    case .selectionToView(let ids, let tag, let request):
      try store.replaceTag(ids, tag)
      let text = "tag:\(tag)"
      let loaded = try loadView(text, run: nil, request: request)
      return [loaded]
    default:
      return []
    }
  }

  /// The map: signatures of the view (made where missing), PCA to 2-D, scaled to [0, 1] on each
  /// axis, with what the colourings need.
  func loadMap(view: String, run: String?, className: String?, job: String) -> [AppAction] {
    control.start(job)
    let control = self.control
    do {
      let ids = view.trimmingCharacters(in: " ").isEmpty ? nil : try store.sampleIds(ViewExpression.parse(view))
      let (sigs, _) = try Curator(store: store).signatures(
        ids: ids, progress: jobProgress(job, title: "map: signatures"), shouldStop: { control.isCancelled(job) })
      let (points, explained) = try EmbeddingMap.build(store: store, signatures: sigs, order: ids, run: run, className: className)
      return [.jobProgress(id: job, nil), .mapLoaded(view: view, points: points, explained: explained)]
    } catch let e as SignatureIndexer.Cancelled {
      return [.curationFinished(job: job, view: nil, message: "map: \(e.description)", isError: false)]
    } catch {
      return [.curationFinished(job: job, view: nil, message: "map: \(error)", isError: true)]
    }
  }

  func curate(_ task: CurationTask, job: String) -> [AppAction] {
    control.start(job)
    let control = self.control
    let curator = Curator(store: store)
    do {
      var ids: [Int64]? = nil
      if case .next(_, _, let view, _) = task, !view.trimmingCharacters(in: " ").isEmpty { ids = try store.sampleIds(ViewExpression.parse(view)) }
      let (sigs, problems) = try curator.signatures(
        ids: ids, progress: jobProgress(job, title: job + ": signatures"), shouldStop: { control.isCancelled(job) })
      let skipped = problems.isEmpty ? "" : " (\(problems.count) images could not be read)"
      switch task {
      case .duplicates:
        let d = try curator.duplicates(sigs)
        let leaks = Set(d.members.filter(\.leak).map(\.group)).count
        let groups = Set(d.members.map(\.group)).count
        return [
          .curationFinished(
            job: job, view: groups > 0 ? "dup sort:group" : nil,
            message: "\(groups) groups of duplicates (\(d.exact.count) of exact copies), \(leaks) across splits (view: leak)\(skipped)", isError: false)
        ]
      case .uniqueness:
        guard sigs.count >= 2 else { return [.curationFinished(job: job, view: nil, message: "uniqueness needs 2 samples or more", isError: true)] }
        _ = try curator.uniqueness(sigs)
        return [
          .curationFinished(job: job, view: "sort:-uniqueness", message: "uniqueness of \(sigs.count) samples, most unique first\(skipped)", isError: false)
        ]
      case .next(let budget, let fields, _, let tag):
        let (picks, scoreProblems) = try Uncertainty(store: store).next(predFields: fields, ids: ids, signatures: sigs, budget: budget)
        guard !picks.isEmpty else {
          return [.curationFinished(job: job, view: nil, message: "next: no sample has \(fields.joined(separator: ", "))", isError: true)]
        }
        try store.replaceTag(picks.map(\.sampleId), tag)
        let note = scoreProblems.isEmpty ? "" : " (\(scoreProblems.count) samples left out: unreadable or wrong-size maps)"
        return [
          .curationFinished(
            job: job, view: "tag:\(tag)", message: "tagged the \(picks.count) samples to annotate next '\(tag)' (: review NAME makes them a queue)\(note)",
            isError: false)
        ]
      }
    } catch let e as SignatureIndexer.Cancelled {
      return [.curationFinished(job: job, view: nil, message: "\(job): \(e.description)", isError: false)]
    } catch {
      return [.curationFinished(job: job, view: nil, message: "\(job): \(error)", isError: true)]
    }
  }
}
