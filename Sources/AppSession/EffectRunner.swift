import Augmentation
import Predict
import AppCore
import Synchronization
import Foundation
import DatasetImport
import DatasetStore
import ImageCodec
import SegmentationCore
import TerminalRender
import Workflows

/// Performs effects against the dataset (off the main actor) and answers with actions.
public struct EffectRunner: Sendable {
  public let store: DatasetStore
  /// Posts actions while an effect is still running (job progress).
  public var post: @Sendable ([AppAction]) -> Void = { _ in }
  public let control = JobControl()
  /// The segscope version stored with the runs this runner makes.
  public let version: String

  public init(store: DatasetStore, version: String, post: @escaping @Sendable ([AppAction]) -> Void = { _ in }) {
    self.store = store
    self.version = version
    self.post = post
  }

  public func perform(_ effect: Effect) -> [AppAction] {
    do {
      switch effect {
      case .loadDataset:
        // Views of class terms answer from memory once their columns are loaded: load them now,
        // off the main loop, so that the first filter typed is already instant.
        let store = self.store
        DispatchQueue.global(qos: .utility).async { try? store.warmViewColumns() }
        return [try loadDataset(), try otherRuns()]
      case .loadView(let view, let run, let request): return [try loadView(view, run: run, request: request)]
      case .loadCell(let run, let g, let p, let gn, let pn, let request):
        guard let r = try store.runs().first(where: { $0.key == run }) else { return [] }
        let ranked = try store.cellRanking(run: r, gt: g, pred: p)
        let ids = ranked.map(\.sampleId)
        let matrix = try store.matrix(run: r, sampleIds: ids).0
        return [.viewLoaded(view: ViewExpression(), title: "\(gn) predicted as \(pn), most pixels first", ids: ids, matrix: matrix, request: request)]
      case .loadRows(let ids, let run):
        let rows = try store.samples(ids: ids)
        let miou = try run.map { try store.sampleMIoU(run: $0, ids: ids) } ?? [:]
        let tags = try store.tags(ids: ids)
        // Without a semantic run, the newest instance run's TP/FP/FN.
        var counts: [Int64: CocoEval.Counts] = [:]
        if run == nil, let inst = try store.runs().last(where: { $0.kind == .instance }) { counts = try store.instanceCounts(run: inst.key, ids: ids) }
        return [
          .rowsLoaded(
            rows.map { r in
              var row = SampleSummary(r, miou: miou[r.id], tags: tags[r.id] ?? [])
              row.detections = counts[r.id].map { [$0.tp, $0.fp, $0.fn] }
              return row
            })
        ]
      case .loadImages(let id): return [loadImages(id)]
      case .loadThumbnails(let ids): return ids.compactMap(loadThumbnail)
      case .loadCompare(let base, let run, let view):
        let runs = try store.runs()
        guard let a = runs.first(where: { $0.key == base }), let b = runs.first(where: { $0.key == run }) else { return [] }
        let ids = try ids(within: view)
        let paired = try RunComparison.pairedMatrices(store: store, a: a, b: b, within: ids)
        return [.compareLoaded(PairedRuns(a: base, b: run, matrixA: paired.a, matrixB: paired.b, samples: paired.samples))]
      case .saveView(let name, let view):
        let text = view.text
        try store.saveView(name, expression: text)
        return [.statusMessage("saved view '\(name)': \(text.isEmpty ? "all samples" : text)", isError: false)]
      case .tag(let ids, let tag):
        try store.tag(ids, tag)
        return [.statusMessage("tagged \(ids.count) samples '\(tag)'", isError: false)]
      case .quit: return []
      case .loadChanges(let from, let to, let view, let request):
        let ids = try store.sampleIds(view)
        let a = try store.sampleMIoU(run: from, ids: ids), b = try store.sampleMIoU(run: to, ids: ids)
        // Only the samples whose mIoU dropped, worst first: the list `runs --compare` prints.
        let worse = RunComparison.worse(
          ids.compactMap { id -> (Int64, Double)? in
            guard let x = a[id], let y = b[id], !x.isNaN, !y.isNaN else { return nil }
            return (id, y - x)
          })
        let ranked = worse.map(\.0)
        let r = try store.runs().first { $0.key == from }
        let matrix = try r.map { try store.matrix(run: $0, sampleIds: ranked).0 }
        let title = ranked.isEmpty ? "none got worse from \(from) to \(to)" : "\(ranked.count) got worse from \(from) to \(to), worst first"
        return [
          .viewLoaded(
            view: ViewExpression(), title: title, ids: ranked, matrix: matrix, request: request,
            changes: Dictionary(uniqueKeysWithValues: worse.map { ($0.0, $0.1) }))
        ]
      case .cancelJobs(let ids):
        control.cancel(ids)
        return []
      case .evaluate(let field, let job):
        return try evaluate(field, job: job)
      case .indexMasks(let job):
        return try indexMasks(job: job)
      case .triage(let e): return try triage(e)
      case .suspects(let e): return try suspects(e)
      case .curation(let e): return try curation(e)
      case .model(.loadPipeline(let path)): return [loadPipeline(path)]
      case .model(.predict(let name, let command, let view, let job)): return try predict(name: name, command: command, view: view, job: job)
      }
    } catch {
      if case .loadView(let view, _, let request) = effect { return [.viewFailed(text: view.text, message: "\(error)", request: request)] }
      if effect.loadsView, case .loadCell(_, _, _, _, _, let request) = effect { return [.viewFailed(text: "", message: "\(error)", request: request)] }
      if case .loadChanges(_, _, let view, let request) = effect { return [.viewFailed(text: view.text, message: "\(error)", request: request)] }
      if case .curation(.selectionToView(_, _, let request)) = effect { return [.viewFailed(text: "tag:map", message: "\(error)", request: request)] }
      if case .curation(.loadSimilar(_, _, let request)) = effect { return [.viewFailed(text: "", message: "similar samples: \(error)", request: request)] }
      if case .triage(.openReview(let queue, let view, _, _)) = effect { return [.viewFailed(text: view?.text ?? "", message: "review \(queue): \(error)")] }
      return [.statusMessage("\(error)", isError: true)]
    }
  }

  /// Runs an evaluation as a background job, posting progress; a cancelled job stores nothing.
  public func evaluate(_ field: String, job: JobID) throws -> [AppAction] {
    control.start(job)
    let total = try store.maskPairs(gt: FieldName.groundTruth, pred: field).count
    let post = self.post, control = self.control
    let counter = ProgressThrottle(total: total)
    do {
      let (run, _, problems, notes) = try EvaluationRunner(store: store).run(
        .init(key: field, predField: field), version: version,
        progress: { done in if counter.shouldReport(done) { post([.jobProgress(id: job, Job(title: job.description, done: done, total: total))]) } },
        shouldStop: { control.isCancelled(job) })
      let note = problems.isEmpty ? "" : " (\(problems.count) samples not evaluated: see problems, 5)"
      return [.jobProgress(id: job, nil), try loadDataset(), .statusMessage("evaluated \(field) as run '\(run.key)'\(note)", isError: false)]
    } catch let e as EvaluationCancelled {
      return [.jobProgress(id: job, nil), .statusMessage("\(job): \(e.description)", isError: false)]
    } catch {
      return [.jobProgress(id: job, nil), .statusMessage("\(job): \(error)", isError: true)]
    }
  }

  /// Finishes the mask-indexing pass in the background; cancelling keeps what was committed.
  public func indexMasks(job: JobID) throws -> [AppAction] {
    let indexer = HistogramIndexer(store: store)
    let pending = try indexer.pending().count
    guard pending > 0 else { return [] }
    control.start(job)
    let post = self.post, control = self.control
    let throttle = ProgressThrottle(total: pending)
    post([.jobProgress(id: job, Job(title: job.description, done: 0, total: pending))])
    let (n, problems) = try indexer.run(
      progress: { done, total in if throttle.shouldReport(done) { post([.jobProgress(id: job, Job(title: job.description, done: done, total: total))]) } },
      shouldStop: { control.isCancelled(job) })
    let note = control.isCancelled(job) ? "stopped; the rest resumes next time" : "done"
    return [
      .jobProgress(id: job, nil), try loadDataset(), .statusMessage("indexed \(n) masks (\(problems.count) problems), \(note)", isError: !problems.isEmpty),
    ]
  }

  public func loadDataset() throws -> AppAction {
    let fields = try store.fields()
    let gt = fields.first { $0.role == .groundTruth } ?? fields.first
    let classes = gt?.classes ?? []
    let maxValue = classes.filter { !$0.isIgnore }.map(\.value).max() ?? -1
    let byValue = Dictionary(classes.map { ($0.value, $0.name) }, uniquingKeysWith: { a, _ in a })
    let names = (0...max(0, maxValue)).map { v in byValue[v] ?? "class \(v)" }
    var colors: [UInt16: RGB] = [:]
    for c in classes { if let hex = c.color, let rgb = RGB(hex: hex) { colors[UInt16(c.value)] = rgb } }
    var ignore = Set(classes.filter(\.isIgnore).map { UInt16($0.value) }).union([255])
    if gt?.kind == .instance { ignore.insert(0) }  // 0 = no instance in the painted label maps
    let runs = try store.runs().filter { $0.kind == .semantic }.map {
      _ = try $0.metricDialect()
      return $0
    }
    let problems = try store.problems().map { "\($0.path): \($0.problem) [\($0.stage)]" }
    let name = store.root.split(separator: "/").last.map(String.init) ?? store.root
    let shown = fields.filter { $0.role == .groundTruth || $0.role == .prediction }.map(\.name)
    return .datasetLoaded(
      name: name, total: try store.sampleCount(), fields: shown, classNames: names, palette: ClassPalette(colors: colors), ignore: ignore, runs: runs,
      problems: problems)
  }

  /// Instance and panoptic runs with their headline numbers, from the stored summaries.
  public func otherRuns() throws -> AppAction {
    let runs = try store.runs().filter { $0.kind == .instance || $0.kind == .panoptic }.map { r -> OtherRunSummary in
      let h = RunHeadline.of(r)
      return OtherRunSummary(key: r.key, kind: h.label, predField: r.predField, gtField: r.gtField, headline: h.numbers, createdAt: r.createdAt)
    }
    return .otherRunsLoaded(runs)
  }

  /// The samples of `view`, or nil (every sample) when it has no term: what passes read whole.
  func ids(within view: ViewExpression) throws -> [Int64]? {
    view.isEmpty ? nil : try store.sampleIds(view)
  }

  public func loadView(_ view: ViewExpression, run: String?, request: Int = 0) throws -> AppAction {
    let ids = try store.sampleIds(view)
    var matrix: ConfusionMatrix? = nil
    if let run, let r = try store.runs().first(where: { $0.key == run }) {
      matrix = try store.matrix(run: r, sampleIds: view.isEmpty ? nil : ids).0
    }
    return .viewLoaded(view: view, title: view.text, ids: ids, matrix: matrix, request: request)
  }

  /// A thumbnail from the on-disk cache, or made (and cached) now.
  public func loadThumbnail(_ id: Int64) -> AppAction? {
    guard let (image, gt) = Thumbnails(store: store).make(id) else { return nil }
    return .thumbnailLoaded(Thumbnail(id: id, image: image, groundTruth: gt))
  }

  public func loadImages(_ id: Int64) -> AppAction {
    do {
      guard let row = try store.samples(ids: [id]).first else { return .imagesFailed(id: id, message: "sample \(id) not found") }
      let image = try ImageLoader.loadImage(path: store.absolutePath(row.path)).image
      var problems: [String] = []
      var gt: LabelMask? = nil
      var preds: [String: LabelMask] = [:]
      let allFields = try store.fields()
      let decodings = Dictionary(uniqueKeysWithValues: allFields.map { ($0.name, $0.decoding) })
      let shown = Set(allFields.filter { $0.role == .groundTruth || $0.role == .prediction }.map(\.name))
      let refs = try store.maskRefs(sampleId: id)
      for (field, ref) in refs where shown.contains(field) {
        let path = ref.path
        do {
          let m = try ImageLoader.loadMask(path: store.absolutePath(path), decoding: ref.decoding ?? decodings[field] ?? .identity).mask
          if m.width != image.width || m.height != image.height {
            problems.append("\(path): \(m.width)x\(m.height) mask on a \(image.width)x\(image.height) image, not shown")
            continue
          }
          if field == FieldName.groundTruth { gt = m } else { preds[field] = m }
        } catch {
          problems.append(error.description)
        }
      }
      // Instance fields (COCO) are shown as label maps of their category ids.
      for f in allFields where f.kind == .instance {
        let items = try store.instances(field: f.name, sampleIds: [id])
        let map = CocoInstance.labelMap(items, width: image.width, height: image.height)
        if f.role == .groundTruth { gt = map } else { preds[f.name] = map }
      }
      // Confidence maps of predictions (field "NAME.confidence").
      var confidence: [String: LabelMask] = [:]
      for f in allFields where f.kind == .confidence && f.name.hasSuffix(".confidence") {
        guard let ref = refs[f.name] else { continue }
        let pred = String(f.name.dropLast(".confidence".count))
        do {
          let m = try ImageLoader.loadMask(path: store.absolutePath(ref.path))
          if m.width == image.width && m.height == image.height {
            confidence[pred] = m
          } else {
            problems.append("\(ref.path): \(m.width)x\(m.height) confidence map on a \(image.width)x\(image.height) image, not shown")
          }
        } catch {
          problems.append(error.description)
        }
      }
      var images = SampleImages(id: id, image: image, groundTruth: gt, predictions: preds, problems: problems, revision: try revisionInfo(id))
      images.confidence = confidence
      // The side panel's numbers, once per load rather than once per frame.
      if let gt, let gtField = allFields.first(where: { $0.role == .groundTruth }) {
        let k = min(65536, max(1, (gtField.classes.filter { !$0.isIgnore }.map(\.value).max() ?? 0) + 1))
        var ignore = Set(gtField.classes.filter(\.isIgnore).map { UInt16($0.value) }).union([255])
        if gtField.kind == .instance { ignore.insert(0) }
        for (field, p) in preds { images.matrices[field] = try? ConfusionMatrix.of(gt: gt, pred: p, classCount: k, ignore: ignore) }
      }
      return .imagesLoaded(images)
    } catch {
      return .imagesFailed(id: id, message: "\(error)")
    }
  }
}

/// Which background jobs were asked to stop. Thread-safe.
public final class JobControl: Sendable {
  private let cancelled = Mutex<Set<JobID>>([])
  public init() {}
  /// A job starting (again) clears an old cancellation of the same id.
  public func start(_ id: JobID) { cancelled.withLock { _ = $0.remove(id) } }
  public func cancel(_ ids: [JobID]) { cancelled.withLock { $0.formUnion(ids) } }
  public func isCancelled(_ id: JobID) -> Bool { cancelled.withLock { $0.contains(id) } }
}

/// Reports progress about every 2 % (or every item for small jobs).
extension EffectRunner {
  /// A progress callback that posts job `job`'s progress about every 2 % and at the end.
  func jobProgress(_ job: JobID, title: String) -> @Sendable (Int, Int) -> Void {
    let post = self.post
    return { done, total in
      if done == total || done % max(1, total / 50) == 0 { post([.jobProgress(id: job, Job(title: title, done: done, total: total))]) }
    }
  }
}

public final class ProgressThrottle: Sendable {
  private let step: Int
  public init(total: Int) { step = max(1, total / 50) }
  public func shouldReport(_ done: Int) -> Bool { done % step == 0 }
}

#if canImport(Glibc)
  import Glibc
#endif
import Evaluation

extension EffectRunner {
  /// Reads an augmentation pipeline; a path is the user's (absolute, or relative to where segscope started).
  func loadPipeline(_ path: String) -> AppAction {
    do {
      let text = try String(contentsOfFile: typedPath(path), encoding: .utf8)
      return .model(.pipelineLoaded(name: (path as NSString).lastPathComponent, pipeline: try Pipeline.parse(text)))
    } catch let e as PipelineError {
      return .statusMessage("\(path): \(e.message)", isError: true)
    } catch {
      return .statusMessage("\(path): cannot read the pipeline (\(error.localizedDescription))", isError: true)
    }
  }

  /// Runs the user's model over a view as a background job; `x` cancels (the batches done are kept).
  func predict(name: String, command: String, view: ViewExpression, job: JobID) throws -> [AppAction] {
    control.start(job)
    let post = self.post, control = self.control
    var req = PredictRunner.Request(name: name, command: command)
    req.sampleIds = try ids(within: view)
    do {
      let out = try PredictRunner(store: store).run(
        req, progress: { done, total in post([.jobProgress(id: job, Job(title: job.description, done: done, total: total))]) },
        shouldStop: { control.isCancelled(job) })
      var message = out.summary(name: name)
      if out.cancelled { message += " (cancelled: the batches done are kept)" }
      if !out.failed.isEmpty { message += "; \(out.failed.count) failed (see problems, 5)" }
      if let f = out.commandFailures.first { message += "; \(f)" }
      if let damage = out.damage { message = damage + " — " + message }
      let bad = !out.failed.isEmpty || !out.commandFailures.isEmpty || out.damage != nil
      return [.jobProgress(id: job, nil), try loadDataset(), .statusMessage(message, isError: bad)]
    } catch {
      return [.jobProgress(id: job, nil), .statusMessage("\(job): \(error)", isError: true)]
    }
  }
}
