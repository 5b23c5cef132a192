import DatasetImport
import DatasetStore
import Evaluation
import Foundation
import SegmentationCore
import Shards
import Workflows

extension EvalOutput {
  /// How `eval` and `merge` print a run.
  public struct Style: Sendable {
    public var format: OutputFormat
    /// Table and markdown: also the classes absent from ground truth and prediction.
    public var allClasses = false
    /// Bootstrap intervals.
    public var ci = false
    public init(format: OutputFormat, allClasses: Bool = false, ci: Bool = false) {
      self.format = format
      self.allClasses = allClasses
      self.ci = ci
    }
  }

  /// `eval`: evaluates `request` (instances or masks, as the prediction field holds), stores the run,
  /// prints it.
  public static func evaluate(_ store: DatasetStore, request req: EvaluationRunner.Request, version: String, style: Style) throws -> Printed {
    let runner = EvaluationRunner(store: store)
    if try runner.isInstanceField(req.predField) {
      if req.bandwidth != nil { throw UsageError("--bandwidth applies to semantic mask fields; '\(req.predField)' holds instances") }
      let result = try runner.runInstances(req, version: version)
      return Printed(out: try instance(store: store, key: req.key, gt: req.gtField, boundary: req.boundary, result: result, format: style.format))
    }
    let bar = ProgressBar(label: "evaluating", total: 1)
    let (run, matrix, problems, notes) = try runner.run(req, version: version) { _ in bar.tick() }
    bar.finish()
    let (out, err) = try semantic(
      store: store, run: run, matrix: matrix, problems: problems, notes: notes, dialect: req.dialect, pred: req.predField, gt: req.gtField,
      format: style.format, bandwidth: req.bandwidth, boundary: req.boundary, allClasses: style.allClasses, ci: style.ci)
    return Printed(out: out, err: err)
  }

  /// `eval --shard`: one slice of the evaluation into a part file (the dataset read only).
  public static func shard(_ store: DatasetStore, request req: EvaluationRunner.Request, shard spec: Shard, out: String, view: String?, version: String) throws
    -> Printed
  {
    let runner = EvaluationRunner(store: store)
    let head: ShardHeader
    if try runner.isInstanceField(req.predField) {
      head = try runner.runInstanceShard(req, shard: spec, out: out, view: view, version: version)
    } else {
      let bar = ProgressBar(label: "evaluating shard \(spec)", total: 1)
      head = try runner.runShard(req, shard: spec, out: out, view: view, version: version) { done, total in bar.set(done, total) }
      bar.finish()
    }
    return Printed(out: "shard \(spec): \(head.samples) of \(head.pairs) samples evaluated into \(Sanitize.forTerminal(out))\n")
  }

  /// `merge`: the parts of a sharded `eval` (stored as one run and printed as `eval` would) or of a
  /// sharded indexing pass.
  public static func merge(_ store: DatasetStore, parts: [String], key: String?, version: String, style: Style) throws -> Printed {
    let kind = try PartFiles.readHeader(parts[0]).kind
    let views: (String) throws -> [Int64] = { try store.sampleIds(ViewExpression.parseForCommand($0)) }
    if kind == .index {
      let (indexed, problems) = try HistogramIndexer(store: store).merge(parts: parts, version: version)
      var out = Printed(out: "merged \(parts.count) parts: \(indexed) masks indexed; \(problems.count) problems\n")
      out.problems(problems)
      return out
    }
    guard let key else { throw UsageError("--key KEY names the run the evaluation parts become") }
    let runner = EvaluationRunner(store: store)
    if kind == .instance {
      let (result, head) = try runner.mergeInstances(parts: parts, key: key, version: version, resolveView: views)
      return Printed(out: try instance(store: store, key: key, gt: head.gtField, boundary: head.boundary, result: result, format: style.format))
    }
    let bar = ProgressBar(label: "merging", total: 1)
    let (run, matrix, problems, notes, head) = try runner.merge(parts: parts, key: key, version: version, resolveView: views) { _ in bar.tick() }
    bar.finish()
    let (out, err) = try semantic(
      store: store, run: run, matrix: matrix, problems: problems, notes: notes,
      dialect: try run.metricDialect(),
      pred: head.predField, gt: head.gtField, format: style.format, bandwidth: head.bandwidth, boundary: head.boundary, allClasses: style.allClasses,
      ci: style.ci)
    return Printed(out: out, err: err)
  }
}
