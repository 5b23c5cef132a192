#if canImport(Glibc)
  import Glibc
#endif
import Dispatch
import Synchronization
import DatasetStore
import ImageCodec
import SegmentationCore

/// Evaluates a prediction field against the ground truth of a dataset and stores the run.
public struct EvaluationRunner: Sendable {
  public let store: DatasetStore
  /// Pairs evaluated and stored per batch.
  public var chunkSize = 512
  public init(store: DatasetStore) { self.store = store }

  /// Options of a semantic evaluation.
  public struct Request: Sendable {
    public var key: String
    public var gtField = FieldName.groundTruth
    public var predField: String
    public var dialect: MetricDialect = .mmseg
    public var ignore: Set<UInt16> = [255]
    public var sampleIds: [Int64]? = nil
    public var reduceZeroLabel = false
    public var resizePredictions = false
    public var boundary = false
    /// FiftyOne's ground-truth contour band width, in pixels (nil: every pixel).
    public var bandwidth: Int? = nil
    public init(
      key: String, predField: String, gtField: String = FieldName.groundTruth, dialect: MetricDialect = .mmseg, ignore: Set<UInt16> = [255],
      sampleIds: [Int64]? = nil, reduceZeroLabel: Bool = false, resizePredictions: Bool = false, boundary: Bool = false, bandwidth: Int? = nil
    ) {
      self.key = key
      self.predField = predField
      self.gtField = gtField
      self.dialect = dialect
      self.ignore = ignore
      self.sampleIds = sampleIds
      self.reduceZeroLabel = reduceZeroLabel
      self.resizePredictions = resizePredictions
      self.boundary = boundary
      self.bandwidth = bandwidth
    }
  }

  /// Without a class file, values 0 to this - 1 are classes named by number; larger values are
  /// outside the class map (reported, and counted by the dialect's rule).
  public static let implicitClassLimit = 1024

  /// Runs, stores and returns the run with its total matrix. `problems` lists the samples that were
  /// not evaluated; `notes` the evaluated samples with values outside the class map (file, values,
  /// pixels, and what the dialect did with them).
  public func run(_ r: Request, version: String, progress: (@Sendable (Int) -> Void)? = nil, shouldStop: (@Sendable () -> Bool)? = nil) throws -> (
    EvalRun, ConfusionMatrix, problems: [String], notes: [String]
  ) {
    try run(r, plan: try plan(r), version: version, progress: progress, shouldStop: shouldStop, source: nil)
  }

  /// What a semantic evaluation reads from the dataset before any pixel: the fields' rules, the class
  /// count, the pairs of the view and the evaluator. Reads only (shards open the dataset read-only).
  struct Plan {
    var k: Int
    var ignore: Set<UInt16>
    var options: String
    var pairs: [(Int64, MaskRef, MaskRef)]
    var instancePaths: [Int64: String]
    var evaluator: SemanticEvaluator
  }

  func plan(_ r: Request) throws -> Plan {
    let fields = try store.fields()
    guard let gt = fields.first(where: { $0.name == r.gtField }) else { throw StoreError.notFound("mask field '\(r.gtField)'") }
    guard let pred = fields.first(where: { $0.name == r.predField }) else {
      throw StoreError.invalid("no mask field '\(r.predField)' (fields: \(fields.map(\.name).joined(separator: ", ")))")
    }
    for f in [gt, pred] where f.kind == .confidence {
      throw StoreError.invalid("'\(f.name)' holds confidence maps, not class masks; evaluate its prediction field instead")
    }
    var ignore = r.ignore
    for c in gt.classes where c.isIgnore { ignore.insert(UInt16(c.value)) }
    // Classes come from the class map, never from the largest value found in the data. A dataset
    // without a class-name file has its values as classes named by number, up to implicitClassLimit.
    let k: Int
    if gt.hasClassMap {
      k = min(65536, (gt.classes.filter { !$0.isIgnore }.map(\.value).max() ?? 0) + 1)
    } else {
      let seen = try store.maxIndexedValue(field: r.gtField, excluding: ignore)
      k = max(1, min(Self.implicitClassLimit, (seen ?? 0) + 1))
    }
    let pairs = try store.maskPairs(gt: r.gtField, pred: r.predField, sampleIds: r.sampleIds)
    // Nothing to evaluate never replaces a stored run with an empty one.
    guard !pairs.isEmpty else { throw EvaluationRunner.nothingToEvaluate(r, viewSize: r.sampleIds?.count, store: store) }
    // Cityscapes instanceIds, when imported, give the instance-weighted iIoU.
    var instancePaths: [Int64: String] = [:]
    if fields.contains(where: { $0.name == "instance_ids" }) {
      for (sid, _, ref) in try store.maskPairs(gt: "instance_ids", pred: "instance_ids", sampleIds: r.sampleIds) {
        instancePaths[sid] = store.absolutePath(ref.path)
      }
    }
    var evaluator = SemanticEvaluator(classCount: k, ignore: ignore)
    evaluator.reduceZeroLabel = r.reduceZeroLabel
    evaluator.resizePredictions = r.resizePredictions
    evaluator.boundary = r.boundary
    evaluator.bandwidth = r.bandwidth
    evaluator.gtDecoding = gt.decoding
    evaluator.predDecoding = pred.decoding
    let options =
      "{\"ignore\":[\(ignore.sorted().map(String.init).joined(separator: ","))],\"reduce_zero_label\":\(r.reduceZeroLabel),\"resize_pred\":\(r.resizePredictions),\"boundary\":\(r.boundary)\(r.bandwidth.map { ",\"bandwidth\":\($0)" } ?? "")}"
    return Plan(k: k, ignore: ignore, options: options, pairs: pairs, instancePaths: instancePaths, evaluator: evaluator)
  }

  /// The files of some of the plan's pairs.
  func maskPairs(_ plan: Plan, _ chunk: ArraySlice<(Int64, MaskRef, MaskRef)>) -> [MaskPair] {
    chunk.map { p in
      MaskPair(
        sampleId: String(p.0), groundTruth: store.absolutePath(p.1.path), prediction: store.absolutePath(p.2.path), instanceIds: plan.instancePaths[p.0],
        gtDecoding: p.1.decoding, predDecoding: p.2.decoding)
    }
  }

  /// Evaluates (or, for a merge, takes from `source`) every pair of the plan in order, and stores the
  /// run batch by batch.
  func run(
    _ r: Request, plan: Plan, version: String, progress: (@Sendable (Int) -> Void)?, shouldStop: (@Sendable () -> Bool)?,
    source: (([MaskPair]) throws -> [SampleEvaluation])?
  ) throws -> (EvalRun, ConfusionMatrix, problems: [String], notes: [String]) {
    let k = plan.k, pairs = plan.pairs, evaluator = plan.evaluator, options = plan.options
    // Pairs are evaluated and stored a batch at a time, so memory does not grow with the dataset;
    // the run becomes visible (replacing the previous one of its key) only when it is complete.
    let runId = try store.beginRun(
      key: r.key, gtField: r.gtField, predField: r.predField, dialect: r.dialect, classCount: k, options: options, version: version)
    var iiou = CityscapesInstanceIoU()
    var haveInstances = false
    var problems: [String] = [], notes: [(String, String)] = []
    var evaluated = 0
    // The run's total, summed as the batches go (the stored matrices are these same ones).
    var total = ConfusionMatrix(classCount: k)
    // Each batch is written while the next one is decoded (at most one write in flight).
    let writer = DispatchQueue(label: "segscope.eval.writer")
    var evalNanos: UInt64 = 0, waitNanos: UInt64 = 0
    let t0 = DispatchTime.now().uptimeNanoseconds
    defer {
      if getenv("SEGSCOPE_TRACE") != nil {
        print(
          "eval runner: \(evalNanos / 1_000_000) ms evaluating, \(waitNanos / 1_000_000) ms waiting for writes, \((DispatchTime.now().uptimeNanoseconds - t0) / 1_000_000) ms from the first batch to the end"
        )
      }
    }
    let writeError = ErrorBox()
    let inFlight = DispatchGroup()
    do {
      var start = 0
      while start < pairs.count {
        if shouldStop?() == true { throw EvaluationCancelled() }
        let chunk = pairs[start..<min(pairs.count, start + chunkSize)]
        let offset = start
        var chunkProgress: (@Sendable (Int) -> Void)? = nil
        if let progress { chunkProgress = { @Sendable done in progress(offset + done) } }
        let batch = maskPairs(plan, chunk)
        let te = DispatchTime.now().uptimeNanoseconds
        let results = try source?(batch) ?? evaluator.evaluate(batch, progress: chunkProgress, shouldStop: shouldStop)
        evalNanos += DispatchTime.now().uptimeNanoseconds - te
        if shouldStop?() == true { throw EvaluationCancelled() }
        var stored: [SampleResult] = []
        let files = Dictionary(batch.map { ($0.sampleId, ($0.groundTruth, $0.prediction)) }, uniquingKeysWith: { a, _ in a })
        for res in results {
          var problem = res.problem
          let (gtFile, predFile) = files[res.sampleId] ?? ("sample \(res.sampleId)", "sample \(res.sampleId)")
          if let m = res.matrix, !m.unknownGroundTruth.isEmpty {
            let what = "ground truth has values outside the class map (0-\(k - 1)): " + Self.valueList(m.unknownGroundTruth)
            switch r.dialect {
            case .mmseg: notes.append((gtFile, "\(what); as mmseg counts them: in no class's ground truth, their predictions count as false positives"))
            case .fiftyone: notes.append((gtFile, "\(what); dropped with their predictions, as FiftyOne drops them"))
            case .cityscapes, .torchmetrics: problem = "\(gtFile): \(what); the \(r.dialect.rawValue) rule refuses them (sample not evaluated)"
            }
          }
          if problem == nil, !res.outsidePredictions.isEmpty {
            notes.append(
              (
                predFile,
                "prediction has values outside the class map (0-\(k - 1)): \(Self.valueList(res.outsidePredictions)); counted in the 'other' column (false negatives of their ground-truth class)"
              ))
          }
          if let problem { problems.append(problem) }
          if problem == nil, let c = res.instances {
            iiou.add(c)
            haveInstances = true
          }
          if problem == nil { evaluated += 1 }
          if problem == nil, let m = res.matrix { total.add(m) }
          stored.append(
            SampleResult(
              sampleId: Int64(res.sampleId) ?? 0, matrix: problem == nil ? res.matrix : nil, problem: problem, boundary: problem == nil ? res.boundary : nil))
        }
        let tw = DispatchTime.now().uptimeNanoseconds
        inFlight.wait()
        waitNanos += DispatchTime.now().uptimeNanoseconds - tw
        if let e = writeError.error { throw e }
        let rows = stored, dialect = r.dialect, target = store
        writer.async(group: inFlight) {
          do { try target.appendRunSamples(runId: runId, dialect: dialect, rows) } catch { writeError.set(error) }
        }
        start += chunk.count
      }
      inFlight.wait()
      if let e = writeError.error { throw e }
      // Nothing could be evaluated: an error, and the run stored under this key stays as it was
      // (an empty run would replace real numbers with n/a).
      if evaluated == 0 && !pairs.isEmpty {
        throw StoreError.invalid(
          "no sample could be evaluated (\(problems.count) of \(pairs.count) failed; the first: \(problems.first ?? "unknown")); run '\(r.key)' is kept as it was"
        )
      }
      try store.finishRun(runId: runId, key: r.key)
    } catch {
      inFlight.wait()
      try? store.discardRun(runId: runId)
      throw error
    }
    guard let run = try store.runs().first(where: { $0.key == r.key }) else { throw StoreError.notFound("run \(r.key)") }
    if haveInstances {
      let per = iiou.perClass(total)
      let json =
        "{\"iIoU\":{" + per.keys.sorted().map { "\"\($0)\":\(per[$0].map { $0.isNaN ? "null" : "\($0)" } ?? "null")" }.joined(separator: ",")
        + "},\"mean_iIoU\":\(iiou.mean(total).isNaN ? "null" : "\(iiou.mean(total))")}"
      try store.setRunSummary(key: r.key, summary: json)
    }
    // Kept with the dataset's problems (info, the problems screen) until the run is made again.
    try store.replaceProblems(stage: "eval \(r.key)", notes.map { (store.relativePath($0.0), $0.1) })
    return (run, total, problems, notes.map { "\($0.0): \($0.1)" })
  }

  /// "40000 (1 px), 65535 (3 px)", the first eight values.
  static func valueList(_ counts: [UInt16: UInt64]) -> String {
    let sorted = counts.keys.sorted()
    var s = sorted.prefix(8).map { "\($0) (\(counts[$0] ?? 0) px)" }.joined(separator: ", ")
    if sorted.count > 8 { s += ", and \(sorted.count - 8) more values" }
    return s
  }
}

extension EvaluationRunner {
  /// Whether a field holds instance annotations (COCO) rather than semantic masks.
  public func isInstanceField(_ name: String) throws -> Bool {
    try store.fields().first { $0.name == name }?.kind == .instance
  }

  /// COCO mask AP of an instance prediction field against the ground truth, stored as a run.
  public func runInstances(_ r: Request, version: String) throws -> CocoEval.Result {
    let plan = try instancePlan(r)
    let result = CocoEval.evaluate(gts: plan.gts, dts: plan.dts, imageIds: plan.ids.map { Int($0) }, categoryIds: plan.categories, params: plan.params)
    try saveInstances(r, result: result, version: version)
    return result
  }

  /// What an instance evaluation reads before matching: the view's images and both fields' instances.
  struct InstancePlan {
    var ids: [Int64]
    var gts: [CocoInstance]
    var dts: [CocoInstance]
    var categories: [Int]
    var params: CocoEval.Params
  }

  func instancePlan(_ r: Request) throws -> InstancePlan {
    let fields = try store.fields()
    guard let gt = fields.first(where: { $0.name == r.gtField }), gt.kind == .instance else {
      throw StoreError.invalid("'\(r.gtField)' has no instance annotations")
    }
    guard fields.contains(where: { $0.name == r.predField && $0.kind == .instance }) else {
      throw StoreError.invalid("'\(r.predField)' is not an instance prediction field")
    }
    let ids = try r.sampleIds ?? store.sampleIds(ViewExpression())
    guard !ids.isEmpty else { throw EvaluationRunner.nothingToEvaluate(r, viewSize: r.sampleIds?.count, store: store) }
    var params = CocoEval.Params()
    params.boundary = r.boundary
    return InstancePlan(
      ids: ids, gts: try store.instances(field: r.gtField, sampleIds: ids), dts: try store.instances(field: r.predField, sampleIds: ids),
      categories: gt.classes.map(\.value), params: params)
  }

  /// Stores an instance run (its summary, per-image matches and counts).
  func saveInstances(_ r: Request, result: CocoEval.Result, version: String) throws {
    let names = ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"]
    var summary = "{" + zip(names, result.stats).map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",")
    summary += ",\"per_class\":{" + result.perCategoryAP.keys.sorted().map { "\"\($0)\":\(result.perCategoryAP[$0] ?? -1)" }.joined(separator: ",") + "}}"
    try store.saveInstanceRun(
      key: r.key, gtField: r.gtField, predField: r.predField, options: "{\"iouType\":\"\(r.boundary ? "boundary" : "segm")\",\"match_iou\":0.5}",
      version: version, summary: summary,
      matches: result.matches, counts: result.imageCounts)
  }
}

extension EvaluationRunner {
  /// The error for a request that selects no pair: it names why, and says the stored run is kept.
  static func nothingToEvaluate(_ r: Request, viewSize: Int?, store: DatasetStore) -> StoreError {
    let kept = ((try? store.runs()) ?? []).contains { $0.key == r.key } ? "; the stored run '\(r.key)' is kept as it was" : "; nothing was stored"
    if let n = viewSize {
      return .invalid(n == 0 ? "the view matches 0 samples\(kept)" : "none of the view's \(n) samples has both '\(r.gtField)' and '\(r.predField)'\(kept)")
    }
    return .invalid("no sample has both '\(r.gtField)' and '\(r.predField)'\(kept)")
  }
}

/// An evaluation stopped on request; nothing was stored.
public struct EvaluationCancelled: Error, CustomStringConvertible {
  public init() {}
  public var description: String { "evaluation cancelled; nothing was stored" }
}

/// The first error of work done on another queue.
final class ErrorBox: Sendable {
  private let first = Mutex<(any Error)?>(nil)
  func set(_ e: any Error) { first.withLock { if $0 == nil { $0 = e } } }
  var error: (any Error)? { first.withLock { $0 } }
}
