import AppCore
import Curation
import DatasetStore
import SegmentationCore
import Slices
import Workflows

/// Curation effects: duplicates, uniqueness and the annotation queue as background jobs (image
/// signatures made first where missing, with progress; x cancels), similar samples as a view.
extension EffectRunner {
  public func curation(_ effect: CurationEffect) throws -> [AppAction] {
    switch effect {
    case .curate(let task, let job):
      return curate(task, job: job)
    case .loadSimilar(let sample, let limit, let request):
      let curator = Curator(store: store)
      let (sigs, _) = try curator.signatures()
      let list = try curator.similar(to: sample, in: sigs, limit: limit)
      let name = try store.samples(ids: [sample]).first?.path ?? "sample \(sample)"
      return [.viewLoaded(view: ViewExpression(), title: "like \(name), nearest first", ids: list.map(\.sampleId), matrix: nil, request: request)]
    case .loadMap(let view, let run, let className, let job):
      return loadMap(view: view, run: run, className: className, job: job)
    case .selectionToView(let ids, let tag, let request):
      try store.replaceTag(ids, tag)
      return [try loadView(ViewExpression(filters: [.tag(tag)]), run: nil, request: request)]
    }
  }

  /// The map: signatures of the view (made where missing), PCA to 2-D, scaled to [0, 1] on each
  /// axis, with what the colourings need.
  func loadMap(view: ViewExpression, run: String?, className: String?, job: JobID) -> [AppAction] {
    control.start(job)
    let control = self.control
    do {
      let ids = try ids(within: view)
      let (sigs, _) = try Curator(store: store).signatures(
        ids: ids, progress: jobProgress(job, title: "map: signatures"), shouldStop: { control.isCancelled(job) })
      let (points, explained) = try EmbeddingMap.build(store: store, signatures: sigs, order: ids, run: run, className: className)
      return [.jobProgress(id: job, nil), .curation(.mapLoaded(view: view, points: points, explained: explained))]
    } catch let e as SignatureIndexer.Cancelled {
      return [.curation(.curationFinished(job: job, view: nil, message: "map: \(e.description)", isError: false))]
    } catch {
      return [.curation(.curationFinished(job: job, view: nil, message: "map: \(error)", isError: true))]
    }
  }

  func curate(_ task: CurationTask, job: JobID) -> [AppAction] {
    control.start(job)
    let control = self.control
    let curator = Curator(store: store)
    do {
      if case .storedClusters(let run) = task {
        guard try store.hasCuration("sample_cluster") else {
          return [.curation(.curationFinished(job: job, view: nil, message: "no clusters stored yet: : clusters [K] makes them", isError: false))]
        }
        let report = try ImageClusters(store: store).report(run: semanticRun(run))
        let list = clusterList(report, summary: "\(report.clusters.count) stored clusters")
        return [
          .slices(.slicesLoaded(.clusters, list)),
          .curation(.curationFinished(job: job, view: nil, message: "\(report.clusters.count) stored clusters", isError: false)),
        ]
      }
      var ids: [Int64]? = nil
      if case .next(_, _, let view, _) = task { ids = try self.ids(within: view) }
      let (sigs, problems) = try curator.signatures(
        ids: ids, progress: jobProgress(job, title: "\(job): signatures"), shouldStop: { control.isCancelled(job) })
      let skipped = problems.isEmpty ? "" : " (\(problems.count) images could not be read)"
      switch task {
      case .duplicates:
        let d = try curator.duplicates(sigs)
        let leaks = Set(d.members.filter(\.leak).map(\.group)).count
        let groups = Set(d.members.map(\.group)).count
        return [
          .curation(
            .curationFinished(
              job: job, view: groups > 0 ? ViewExpression(filters: [.duplicate(leak: false)], sort: .init(metric: .duplicateGroup, descending: false)) : nil,
              message: "\(groups) groups of duplicates (\(d.exact.count) of exact copies), \(leaks) across splits (view: leak)\(skipped)", isError: false))
        ]
      case .uniqueness:
        guard sigs.count >= 2 else { return [.curation(.curationFinished(job: job, view: nil, message: "uniqueness needs 2 samples or more", isError: true))] }
        _ = try curator.uniqueness(sigs)
        return [
          .curation(
            .curationFinished(
              job: job, view: ViewExpression(sort: .init(metric: .uniqueness, descending: true)),
              message: "uniqueness of \(sigs.count) samples, most unique first\(skipped)", isError: false))
        ]
      case .next(let budget, let fields, _, let tag):
        let picked = try AnnotationPicks.pick(store, fields: fields, ids: ids, signatures: sigs, budget: budget, into: .tag(tag))
        let (picks, scoreProblems) = (picked.picks, picked.problems)
        guard !picks.isEmpty else {
          return [.curation(.curationFinished(job: job, view: nil, message: "next: no sample has \(fields.joined(separator: ", "))", isError: true))]
        }
        let note = scoreProblems.isEmpty ? "" : " (\(scoreProblems.count) samples left out: unreadable or wrong-size maps)"
        return [
          .curation(
            .curationFinished(
              job: job, view: ViewExpression(filters: [.tag(tag)]),
              message: "tagged the \(picks.count) samples to annotate next '\(tag)' (: review NAME makes them a queue)\(note)",
              isError: false))
        ]
      case .clusters(let k, let run):
        if control.isCancelled(job) { return [.curation(.curationFinished(job: job, view: nil, message: "\(job): cancelled", isError: false))] }
        jobProgress(job, title: "clusters: k-means")(0, 1)
        let made = try ImageClusters(store: store).make(sigs, k: k.map { .fixed($0) } ?? .auto)
        let report = try ImageClusters(store: store).report(run: semanticRun(run))
        let list = clusterList(report, summary: "\(made.k) clusters of \(made.members.count) images (k-means\(k == nil ? ", k by silhouette" : ""))")
        return [
          .slices(.slicesLoaded(.clusters, list)),
          .curation(
            .curationFinished(
              job: job, view: nil, message: "\(made.k) clusters (views cluster:1 to cluster:\(made.k); the map colours by them)\(skipped)", isError: false)),
        ]
      case .storedClusters:
        return []
      case .slices(let run, let view):
        if control.isCancelled(job) { return [.curation(.curationFinished(job: job, view: nil, message: "\(job): cancelled", isError: false))] }
        let found = try SliceFinder(store: store).find(
          run: store.run(named: run), view: view, progress: jobProgress(job, title: "slices: testing candidates"),
          shouldStop: { control.isCancelled(job) })
        let list = SliceList(
          entries: found.slices.map {
            SliceEntry(
              title: $0.name + ($0.alternatives.isEmpty ? "" : " = " + $0.alternatives.map(\.name).joined(separator: " = ")), definition: $0.definition,
              size: $0.sampleIds.count, miou: $0.miou, gap: $0.gap,
              interval: $0.interval.low...max($0.interval.low, $0.interval.high), strip: Array($0.sampleIds.prefix(8)))
          },
          summary:
            "run \(run): \(found.samples) samples, mIoU \(OneDecimal.percent(found.overallMIoU)); \(found.tested) candidates, \(found.significant) significant at FDR 0.05 (Benjamini-Hochberg); worst first, gap = rest - slice"
        )
        return [
          .slices(.slicesLoaded(.slices, list)),
          .curation(.curationFinished(job: job, view: nil, message: "\(found.slices.count) slices where \(run) does worse\(skipped)", isError: false)),
        ]
      }
    } catch let e as SliceFinder.Cancelled {
      return [.curation(.curationFinished(job: job, view: nil, message: e.description, isError: false))]
    } catch let e as SignatureIndexer.Cancelled {
      return [.curation(.curationFinished(job: job, view: nil, message: "\(job): \(e.description)", isError: false))]
    } catch {
      return [.curation(.curationFinished(job: job, view: nil, message: "\(job): \(error)", isError: true))]
    }
  }

  func semanticRun(_ key: String?) throws -> EvalRun? {
    try key.flatMap { key in try store.runs().first { $0.key == key && $0.kind == .semantic } }
  }

  /// The Slices screen's clusters list from a report.
  func clusterList(_ report: ImageClusters.Report, summary: String) -> SliceList {
    SliceList(
      entries: report.clusters.map {
        SliceEntry(
          title: "cluster \($0.id)" + Self.clusterDetail($0),
          definition: ViewExpression(filters: [.cluster($0.id)]), size: $0.sampleIds.count, miou: $0.miou, gap: nil,
          interval: $0.interval.map { $0.low...max($0.low, $0.high) }, strip: Array($0.sampleIds.prefix(8)))
      },
      summary: summary + (report.run.map { "; mIoU in \($0), worst first, with 95% bootstrap intervals" } ?? "; no run: E evaluates one"))
  }

  /// What sets a cluster apart: the class whose IoU differs most from the whole set's, else its
  /// most frequent classes.
  static func clusterDetail(_ c: ImageClusters.Cluster) -> String {
    if let d = c.differing {
      return ": \(d.name) IoU \(OneDecimal.percent(d.iou)) (all: \(OneDecimal.percent(d.overall)))"
    }
    return c.classes.isEmpty ? "" : ": " + c.classes.prefix(3).map(\.name).joined(separator: ", ")
  }
}
