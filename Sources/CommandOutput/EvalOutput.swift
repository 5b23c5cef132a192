import DatasetStore
import Foundation
import SegmentationCore
import Workflows

/// How the command line prints results: `--format`.
public enum OutputFormat: String, CaseIterable, Sendable {
  case table, json, csv, markdown

  /// `report` as one line of JSON for `.json`, else `text`; only the one asked for is made.
  public func render<T: Encodable>(_ report: @autoclosure () throws -> T, text: @autoclosure () throws -> String) throws -> String {
    self == .json ? try JSONOutput.string(report()) + "\n" : try text()
  }
}

/// What `eval` (and `merge`, from the same stored run) prints: the text for standard output, and
/// the lines that go to standard error so that JSON and CSV stay parseable.
public enum EvalOutput {
  /// An instance run.
  public static func instance(store: DatasetStore, key: String, gt: String, boundary: Bool, result: CocoEval.Result, format: OutputFormat) throws -> String {
    let classNames = (try store.fields().first { $0.name == gt }?.classes) ?? []
    guard format == .json else { return InstanceText.render(key: key, boundary: boundary, result: result, classes: classNames) }
    // Per sample TP/FP/FN at IoU 0.5 (as pycocotools' evalImgs, area all, maxDets 100).
    let paths = try store.samplePaths(ids: result.imageCounts.keys.map(Int64.init))
    return try JSONOutput.string(InstanceReport(boundary: boundary, result: result, classes: classNames, paths: paths)) + "\n"
  }

  /// A semantic run.
  public static func semantic(
    store: DatasetStore, run: EvalRun, matrix: ConfusionMatrix, problems: [String], notes: [String], dialect: MetricDialect, pred: String, gt: String,
    format: OutputFormat, bandwidth: Int?, boundary: Bool, allClasses: Bool, ci: Bool
  ) throws -> (out: String, err: [String]) {
    let names = ClassNaming.names(store, field: gt, count: run.classCount)
    let metrics = SemanticMetrics(matrix: matrix, dialect: dialect)
    let evaluated = try store.matrix(run: run).evaluated
    var out =
      MetricsFormat.render(
        metrics, matrix: matrix, names: names, format: format, title: "\(run.key): \(pred) vs \(gt), \(evaluated) samples", samples: evaluated,
        bandwidth: bandwidth, allClasses: allClasses) + "\n"
    var err: [String] = []
    if let summary = try store.runs().first(where: { $0.key == run.key })?.summary, summary.contains("iIoU"), format == .table {
      out += "  Cityscapes instance-weighted IoU (iIoU / nIoU) per instance class, trainIds: \(Sanitize.forTerminal(summary))\n"
    }
    if boundary, let b = try store.boundary(run: run) {
      out += try format.render(BoundaryReport(b), text: RunsText.boundary(b, names: names))
    }
    if ci { out += RunsText.intervals(try store.sampleMatrices(run: run), dialect: dialect, names: names) }
    if format == .table && !problems.isEmpty {
      out += "  \(problems.count) samples not evaluated:\n"
      for p in problems.prefix(10) { out += "    " + Sanitize.forTerminal(p) + "\n" }
    }
    if !notes.isEmpty {
      // On stderr for machine formats, so JSON and CSV stay parseable.
      let lines =
        ["  \(notes.count) files with values outside the class map:"] + notes.prefix(10).map { "    " + Sanitize.forTerminal($0) }
        + (notes.count > 10 ? ["    ... (segscope info PATH lists them all)"] : [])
      if format == .table { out += lines.map { $0 + "\n" }.joined() } else { err += lines }
    }
    return (out, err)
  }
}
