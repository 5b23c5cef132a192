import DatasetImport
import DatasetStore
import Foundation
import SegmentationCore
import Tracking
import Workflows

/// The dataset commands (`import --labels`, `query`, `runs`, `export`): each runs its workflow and
/// says what it did, in the format asked for.
public enum DatasetOutput {
  /// `import --labels JSON --images DIR`: a COCO dataset with instances.
  public static func importCoco(_ store: DatasetStore, labels: String, images: String, predictions: [(String, String)], force: Bool) throws -> Printed {
    try ImportGuard.checkFormat("coco", store: store, force: force)
    let report = try CocoImporter(root: store.root, labels: labels, images: images, predictions: predictions).run(into: store)
    var out = Printed()
    out.line("imported \(report.samples) samples with instances; fields: \(report.fields.joined(separator: ", ")); \(report.problems.count) problems")
    out.problems(report.problems.map { ($0.path, $0.problem) })
    try store.setMeta("format", "coco")
    out.failedRequests(report.failedRequests)
    return out
  }

  /// `info`: samples, fields, classes with pixel counts, problems; the write-ahead log folded into the
  /// database file afterwards when `checkpoint` (for read-only readers on other hosts).
  public static func info(_ store: DatasetStore, format: OutputFormat, checkpoint: Bool) throws -> Printed {
    defer { if checkpoint { try? store.checkpoint() } }
    return Printed(out: try format.render(InfoReport.of(store), text: InfoText.render(store)))
  }

  /// `query`: the samples of a view, a line each (or JSON); the count and an unfinished index on stderr.
  public static func query(_ store: DatasetStore, view: ViewExpression, format: OutputFormat) throws -> Printed {
    let rows = try store.samples(ids: store.sampleIds(view))
    var out = Printed()
    if let incomplete = try HistogramIndexer(store: store).incompleteWarning() { out.warn("warning: " + incomplete) }
    if format == .json {
      out.line(try JSONOutput.string(rows.map(QueryRow.init)))
    } else {
      for r in rows { out.line("\(r.id)\t\(Sanitize.forTerminal(r.path))\t\(r.width)x\(r.height)\t\(r.split ?? "-")") }
      out.warn("\(rows.count) samples")
    }
    return out
  }

  /// `runs`: deletes one, compares two (per-class IoU change with paired bootstrap intervals), or lists them.
  public static func runs(_ store: DatasetStore, compare: [String], delete: String?, iterations: Int) throws -> Printed {
    if let d = delete {
      try store.deleteRun(d)
      return Printed(out: "deleted run \(Sanitize.forTerminal(d))\n")
    }
    if compare.count == 2 {
      // The same lookup (and message) as every command that names a run.
      let (a, b) = (try store.run(named: compare[0]), try store.run(named: compare[1]))
      let cmp = try RunComparison(store: store, before: a, after: b, iterations: iterations)
      return Printed(out: RunsText.comparison(cmp, before: a.key, after: b.key, iterations: iterations))
    }
    return Printed(out: try RunsText.list(store, store.runs()))
  }

  /// `runs --mlflow`: each stored run (or those named) as an MLflow run; a re-log updates it.
  public static func logToMLflow(_ store: DatasetStore, client: MLflowClient, experiment: String, keys: [String], version: String) throws -> Printed {
    var runs = try store.runs().filter { $0.kind == .semantic || $0.kind == .instance }
    if !keys.isEmpty {
      let unknown = keys.filter { k in !runs.contains { $0.key == k } }
      if !unknown.isEmpty {
        throw UsageError("no run \(unknown.map(Sanitize.forTerminal).joined(separator: ", ")); runs: \(runs.map(\.key).joined(separator: ", "))")
      }
      runs = runs.filter { keys.contains($0.key) }
    }
    guard !runs.isEmpty else { throw UsageError("the dataset has no evaluation runs to log (segscope eval makes them)") }
    let dataset = try store.datasetId()
    var out = Printed()
    for run in runs {
      let tracked = try TrackedRuns.record(store: store, run: run, dataset: dataset, version: version)
      do {
        let (id, updated, notes) = try client.log(tracked, experiment: experiment)
        out.line("\(Sanitize.forTerminal(run.key)): \(updated ? "updated" : "logged") MLflow run \(id) in experiment '\(Sanitize.forTerminal(experiment))'")
        for n in notes { out.line("  " + Sanitize.forTerminal(n)) }
      } catch {
        out.warn("segscope: error: \(Sanitize.forTerminal(run.key)): \(Sanitize.forTerminal("\(error)"))")
        out.fail()
      }
    }
    return out
  }

  /// Which samples `export` writes.
  public enum Selection: Sendable {
    case view(String)
    case tag(String)
    case flagged

    /// The view that selects them (a typed view's syntax error is a usage error).
    public func view() throws -> ViewExpression {
      switch self {
      case .view(let v): try ViewExpression.parseForCommand(v)
      case .tag(let t): ViewExpression(filters: [.tag(t)])
      case .flagged: ViewExpression(filters: [.flagged(state: .open)])
      }
    }

    /// The selection as the export names it: a view as the user typed it, else the view's text.
    func title(_ view: ViewExpression) -> String {
      if case .view(let v) = self { return v }
      return view.text
    }
  }

  /// `export`: a folder (imgseg, voc, coco, cvat) or one file (csv, json, a contact sheet, the map).
  public static func export(_ store: DatasetStore, _ format: ExportFormat, selection: Selection, to out: String, run: String?, limit: Int) throws -> Printed {
    let view = try selection.view()
    let ids = try store.sampleIds(view)
    switch format {
    case .file(let kind):
      let chosen = kind == .sheet ? Array(ids.prefix(limit)) : ids
      let n = try ViewExport(store: store, run: run).write(kind, ids: chosen, title: selection.title(view), to: out)
      let more = kind == .sheet && ids.count > n ? " (first \(n) of \(ids.count); --limit for more)" : ""
      return Printed(out: "wrote \(n) samples as \(format.name) to \(Sanitize.forTerminal(out))\(more)\n")
    case .folder(let folderFormat):
      let report = try Exporter(store: store).export(folderFormat, sampleIds: ids, to: out)
      let annotations = folderFormat == .coco ? " and \(report.annotations) annotations" : ""
      var printed = Printed(out: "exported \(report.samples) samples\(annotations) as \(format.name) to \(Sanitize.forTerminal(out))\n")
      printed.problems(report.problems, limit: .max, toStderr: true)
      if !report.problems.isEmpty { printed.fail() }
      return printed
    }
  }
}
