import ArgumentParser
import DatasetImport
import DatasetStore
import Evaluation
import SegmentationCore

/// `segscope import PATH`.
struct ImportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "import", abstract: "Import (or re-import) a dataset folder into its database.")

  @Argument(help: "The dataset folder.") var path: String
  @Option(help: "Layout: imgseg, voc, coco, cityscapes or rgb (CVAT colour masks); auto-detected.") var format: String?
  @Option(name: .customLong("pred"), help: "A prediction folder (or a COCO results JSON), NAME=PATH (repeatable).") var predictions: [String] = []
  @Option(help: "Class names, one per line (line i names value i); default classes.txt in the folder.") var classes: String?
  @Option(help: "COCO: the annotations JSON, relative to PATH (with --images).") var labels: String?
  @Option(help: "COCO: the image folder, relative to PATH (with --labels).") var images: String?

  func validate() throws {
    for p in predictions where parsePredictionSpec(p) == nil { throw ValidationError("--pred takes NAME=DIR, got '\(p)'") }
    if (labels == nil) != (images == nil) { throw ValidationError("--labels and --images go together") }
  }

  func run() throws {
    Interrupt.install()
    let store = try DatasetOpener.open(path)
    if let labels, let images {
      let report = try CocoImporter(root: store.root, labels: labels, images: images, predictions: predictions.compactMap(parsePredictionSpec)).run(into: store)
      print("imported \(report.samples) samples with instances; fields: \(report.fields.joined(separator: ", ")); \(report.problems.count) problems")
      for p in report.problems.prefix(20) { print("  \(Sanitize.forTerminal(p.path)): \(Sanitize.forTerminal(p.problem))") }
      return
    }
    _ = try DatasetOpener.importFolder(store, format: format, predictions: predictions.compactMap(parsePredictionSpec), classes: classes)
    if Interrupt.isRequested { throw ExitCode(130) }
  }
}

/// `segscope info PATH`.
struct InfoCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "info", abstract: "Samples, fields, classes with pixel counts, and problems of a dataset.")

  @Argument(help: "The dataset folder or its database file.") var path: String
  @Flag(help: "JSON output.") var json = false

  func run() throws {
    let store = try DatasetOpener.open(path)
    let fields = try store.fields()
    let totals = try HistogramIndexer(store: store).totals()
    let instanceCounts = try store.instanceCounts()
    let problems = try store.problems()
    let count = try store.sampleCount()
    if json {
      var out = "{\"samples\":\(count),\"fields\":["
      out += fields.map { f in
        let cls = f.classes.map { c in
          let t = totals[f.name]?[c.value]
          let n = instanceCounts[f.name]?[c.value]
          return "{\"id\":\(c.value),\"name\":\(JSONText.quote(c.name)),\"pixels\":\(t?.pixels ?? 0),\"instances\":\(n?.instances ?? 0),\"samples\":\(t?.samples ?? n?.samples ?? 0),\"ignore\":\(c.isIgnore)}"
        }
        // Values present in masks but missing from the class map are listed too, by id.
        let extra = (totals[f.name] ?? [:]).keys.filter { v in !f.classes.contains { $0.value == v } }.sorted().map { v in
          "{\"id\":\(v),\"name\":null,\"pixels\":\(totals[f.name]?[v]?.pixels ?? 0),\"instances\":0,\"samples\":\(totals[f.name]?[v]?.samples ?? 0),\"ignore\":false}"
        }
        return "{\"name\":\(JSONText.quote(f.name)),\"kind\":\(JSONText.quote(f.kind)),\"role\":\(JSONText.quote(f.role)),\"classes\":[" + (cls + extra).joined(separator: ",") + "]}"
      }.joined(separator: ",")
      out += "],\"problems\":[" + problems.map { "{\"path\":\(JSONText.quote($0.path)),\"problem\":\(JSONText.quote($0.problem))}" }.joined(separator: ",") + "]}"
      print(out)
      return
    }
    print("\(Sanitize.forTerminal(store.root)): \(count) samples")
    for f in fields {
      print("\n\(Sanitize.forTerminal(f.name)) (\(f.kind), \(f.role))")
      for c in f.classes {
        let t = totals[f.name]?[c.value]
        if f.kind == "instance" {
          let n = instanceCounts[f.name]?[c.value]
          print("  \(String(c.value).leftPadded(5))  \(Sanitize.forTerminal(c.name).padded(16)) \(String(n?.instances ?? 0).leftPadded(8)) instances in \(n?.samples ?? 0) samples")
        } else {
          print("  \(String(c.value).leftPadded(5))  \(Sanitize.forTerminal(c.name).padded(16)) \(String(t?.pixels ?? 0).leftPadded(12)) px in \(t?.samples ?? 0) samples\(c.isIgnore ? " (ignored)" : "")")
        }
      }
    }
    let runs = try store.runs()
    if !runs.isEmpty { print("\nruns: " + runs.map { "\(Sanitize.forTerminal($0.key)) (\($0.predField) vs \($0.gtField), \($0.dialect))" }.joined(separator: ", ")) }
    print("\n\(problems.count) problems")
    for p in problems { print("  \(Sanitize.forTerminal(p.path)): \(Sanitize.forTerminal(p.problem))") }
  }
}

/// `segscope query PATH EXPR`.
struct QueryCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "query", abstract: "List the samples of a view (see the README for the view language).")

  @Argument(help: "The dataset folder or its database file.") var path: String
  @Argument(help: "A view expression, e.g. 'split=val class:car>500 sort:miou(model_b) limit:20'.") var expression: String = ""
  @Flag(help: "JSON output.") var json = false

  func run() throws {
    let view = try parseView(expression)
    let store = try DatasetOpener.open(path)
    let ids = try store.sampleIds(view)
    let rows = try store.samples(ids: ids)
    if json {
      print("[" + rows.map { "{\"id\":\($0.id),\"path\":\(JSONText.quote($0.path)),\"width\":\($0.width),\"height\":\($0.height),\"split\":\($0.split.map(JSONText.quote) ?? "null")}" }.joined(separator: ",") + "]")
    } else {
      for r in rows { print("\(r.id)\t\(Sanitize.forTerminal(r.path))\t\(r.width)x\(r.height)\t\(r.split ?? "-")") }
      FileHandleOut.stderr("\(rows.count) samples")
    }
  }
}

/// `segscope eval PATH --pred FIELD`.
struct EvalCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "eval", abstract: "Evaluate a prediction field against the ground truth and store the run.")

  @Argument(help: "The dataset folder or its database file.") var path: String
  @Option(help: "Ground-truth field.") var gt = "ground_truth"
  @Option(help: "Prediction field.") var pred: String
  @Option(help: "Run name (default: the prediction field).") var key: String?
  @Option(help: "mmseg, cityscapes, torchmetrics or fiftyone.") var dialect = "mmseg"
  @Option(help: "Ignore value (repeatable; the class map's ignore values are always added).") var ignoreIndex: [UInt16] = [255]
  @Option(help: "Evaluate only the samples of this view.") var view: String?
  @Option(help: "table, json, csv or markdown.") var format = "table"
  @Flag(help: "mmseg's reduce_zero_label: ground truth 0 becomes ignored and every other value v becomes v - 1.") var reduceZeroLabel = false
  @Flag(help: "Resize predictions of another size to the ground truth (nearest neighbour) instead of failing them.") var resizePred = false
  @Flag(help: "Also compute boundary IoU per class (Cheng et al. 2021, d = 2% of the image diagonal).") var boundary = false
  @Flag(help: "Add 95% bootstrap confidence intervals (resampling samples) for mIoU and each class's IoU.") var ci = false

  func validate() throws {
    guard MetricDialect(rawValue: dialect) != nil else { throw ValidationError("--dialect must be mmseg, cityscapes, torchmetrics or fiftyone") }
    guard ["table", "json", "csv", "markdown"].contains(format) else { throw ValidationError("--format must be table, json, csv or markdown") }
  }

  func run() throws {
    let store = try DatasetOpener.open(path)
    var req = EvaluationRunner.Request(key: key ?? pred, predField: pred)
    req.gtField = gt
    req.dialect = MetricDialect(rawValue: dialect) ?? .mmseg
    req.ignore = Set(ignoreIndex)
    req.reduceZeroLabel = reduceZeroLabel
    req.resizePredictions = resizePred
    req.boundary = boundary
    if let v = view { req.sampleIds = try store.sampleIds(parseView(v)) }
    if try EvaluationRunner(store: store).isInstanceField(pred) {
      let result = try EvaluationRunner(store: store).runInstances(req, version: Segscope.version)
      let names = ["AP", "AP50", "AP75", "APs", "APm", "APl", "AR1", "AR10", "AR100", "ARs", "ARm", "ARl"]
      let classNames = (try store.fields().first { $0.name == gt }?.classes) ?? []
      if format == "json" {
        var s = "{\"dialect\":\"coco\"," + zip(names, result.stats).map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",")
        s += ",\"classes\":[" + classNames.map { c in "{\"id\":\(c.value),\"name\":\(JSONText.quote(c.name)),\"ap\":\(result.perCategoryAP[c.value] ?? -1)}" }.joined(separator: ",") + "]}"
        print(s)
      } else {
        print("\(Sanitize.forTerminal(req.key)): COCO mask AP (pycocotools COCOeval, iouType segm; -1 = undefined)")
        for (n, v) in zip(names, result.stats) { print("  \(n.padded(6)) \(v < 0 ? "-1" : ClassTable.format1(v * 100))") }
        print("  per class AP:")
        for c in classNames { print("    \(Sanitize.forTerminal(c.name).padded(16)) \((result.perCategoryAP[c.value] ?? -1) < 0 ? "-1" : ClassTable.format1((result.perCategoryAP[c.value] ?? 0) * 100))") }
      }
      return
    }
    let bar = ProgressBar(label: "evaluating", total: 1)
    let (run, matrix, problems) = try EvaluationRunner(store: store).run(req, version: Segscope.version) { _ in bar.tick() }
    bar.finish()
    let names = classNames(store, field: gt, count: run.classCount)
    let metrics = SemanticMetrics(matrix: matrix, dialect: req.dialect)
    let evaluated = try store.matrix(run: run).evaluated
    print(MetricsFormat.render(metrics, matrix: matrix, names: names, format: format, title: "\(run.key): \(pred) vs \(gt), \(evaluated) samples"))
    if let summary = try store.runs().first(where: { $0.key == run.key })?.summary, summary.contains("iIoU"), format == "table" {
      print("  Cityscapes instance-weighted IoU (iIoU / nIoU) per instance class, trainIds: \(Sanitize.forTerminal(summary))")
    }
    if boundary, let b = try store.boundary(run: run) {
      if format == "json" {
        print("{\"boundary_iou\":[" + b.perClass.map { $0.isNaN ? "null" : "\($0)" }.joined(separator: ",") + "],\"mBIoU\":\(b.mean.isNaN ? "null" : "\(b.mean)")}")
      } else {
        print("  boundary IoU (d = 2% of the diagonal): mean \(pct(b.mean))")
        for (c, v) in b.perClass.enumerated() { print("    \(Sanitize.forTerminal(names[c]).padded(14)) \(pct(v))") }
      }
    }
    if ci {
      let per = Array(try store.sampleMatrices(run: run).values)
      let iv = Bootstrap().intervals(per, dialect: req.dialect)
      print("  95% bootstrap intervals (1000 resamples of \(per.count) samples, seed \(Bootstrap().seed)):")
      print("    mIoU [\(pct(iv.mIoU.low)), \(pct(iv.mIoU.high))]")
      for (c, i) in iv.classes.enumerated() { print("    \(Sanitize.forTerminal(names[c]).padded(14)) [\(pct(i.low)), \(pct(i.high))]") }
    }
    if format == "table" && !problems.isEmpty {
      print("  \(problems.count) samples not evaluated:")
      for p in problems.prefix(10) { print("    " + Sanitize.forTerminal(p)) }
    }
  }
}

/// `segscope runs PATH`.
struct RunsCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "runs", abstract: "List, compare or delete evaluation runs.")

  @Argument(help: "The dataset folder or its database file.") var path: String
  @Option(parsing: .upToNextOption, help: "Compare two runs: per-class IoU delta.") var compare: [String] = []
  @Option(help: "Delete a run.") var delete: String?
  @Option(help: "Bootstrap resamples for confidence intervals.") var iterations = 1000

  func validate() throws {
    if !compare.isEmpty && compare.count != 2 { throw ValidationError("--compare takes two run names") }
  }

  func run() throws {
    let store = try DatasetOpener.open(path)
    if let d = delete {
      try store.deleteRun(d)
      print("deleted run \(Sanitize.forTerminal(d))")
      return
    }
    let runs = try store.runs()
    if compare.count == 2 {
      guard let a = runs.first(where: { $0.key == compare[0] }), let b = runs.first(where: { $0.key == compare[1] }) else {
        throw ValidationError("unknown run; runs: \(runs.map(\.key).joined(separator: ", "))")
      }
      guard a.classCount == b.classCount else { throw ValidationError("runs \(a.key) and \(b.key) have different class counts") }
      let dialect = MetricDialect(rawValue: a.dialect) ?? .mmseg
      let ma = try store.sampleMatrices(run: a), mb = try store.sampleMatrices(run: b)
      let common = ma.keys.filter { mb[$0] != nil }.sorted()
      let la = common.compactMap { ma[$0] }, lb = common.compactMap { mb[$0] }
      let sa = SemanticMetrics(matrix: ConfusionMatrix.sum(la, classCount: a.classCount), dialect: dialect)
      let sb = SemanticMetrics(matrix: ConfusionMatrix.sum(lb, classCount: b.classCount), dialect: dialect)
      let ci = Bootstrap(iterations: iterations).differenceIntervals(la, lb, dialect: dialect)
      let names = classNames(store, field: a.gtField, count: a.classCount)
      print("\(Sanitize.forTerminal(b.key)) - \(Sanitize.forTerminal(a.key)) on the \(common.count) samples both evaluated (\(dialect.rawValue); 95% paired bootstrap, \(iterations) resamples)")
      print("class            \(Sanitize.forTerminal(a.key).padded(10)) \(Sanitize.forTerminal(b.key).padded(10))  delta IoU   95% interval")
      func signed(_ d: Double) -> String { d.isNaN ? "n/a" : (d >= 0 ? "+" : "") + ClassTable.format1(d * 100) }
      for c in 0..<a.classCount {
        let d = sb.classes[c].iou - sa.classes[c].iou
        let iv = ci.classes.indices.contains(c) ? ci.classes[c] : Bootstrap.Interval(low: .nan, high: .nan)
        print("\(Sanitize.forTerminal(names[c]).padded(16)) \(pct(sa.classes[c].iou).padded(10)) \(pct(sb.classes[c].iou).padded(10))  \(signed(d).padded(10)) [\(signed(iv.low)), \(signed(iv.high))]")
      }
      print("mIoU             \(pct(sa.mIoU).padded(10)) \(pct(sb.mIoU).padded(10))  \(signed(sb.mIoU - sa.mIoU).padded(10)) [\(signed(ci.mIoU.low)), \(signed(ci.mIoU.high))]")
      var changes: [(Int64, Double)] = []
      for id in common {
        let x = SemanticMetrics(matrix: ma[id]!, dialect: dialect).mIoU, y = SemanticMetrics(matrix: mb[id]!, dialect: dialect).mIoU
        if !x.isNaN && !y.isNaN { changes.append((id, y - x)) }
      }
      changes.sort { $0.1 < $1.1 }
      let rows = try store.samples(ids: changes.prefix(10).map(\.0))
      print("\nsamples that got most worse in \(Sanitize.forTerminal(b.key)):")
      for (row, ch) in zip(rows, changes.prefix(10)) { print("  \(signed(ch.1).padded(7)) \(Sanitize.forTerminal(row.path))") }
      return
    }
    for r in runs where r.kind == "instance" {
      print("\(Sanitize.forTerminal(r.key).padded(14)) \(r.predField) vs \(r.gtField)  COCO mask AP  \(Sanitize.forTerminal(r.summary ?? ""))  \(r.createdAt)  segscope \(r.version)")
    }
    for r in runs where r.kind == "semantic" {
      let m = SemanticMetrics(matrix: try store.matrix(run: r).0, dialect: MetricDialect(rawValue: r.dialect) ?? .mmseg)
      print("\(Sanitize.forTerminal(r.key).padded(14)) \(r.predField) vs \(r.gtField)  \(r.dialect)  mIoU \(pct(m.mIoU))  \(r.createdAt)  segscope \(r.version)")
    }
  }
}

/// A view expression from the command line; a syntax error is a usage error (exit 2).
func parseView(_ text: String) throws -> ViewExpression {
  do {
    return try ViewExpression.parse(text)
  } catch {
    throw ValidationError("view syntax error \(error.description)")
  }
}

func pct(_ v: Double) -> String { v.isNaN ? "n/a" : ClassTable.format1(v * 100) }

/// Class names of a field by value (missing values named by number).
func classNames(_ store: DatasetStore, field: String, count: Int) -> [String] {
  let classes = (try? store.fields().first { $0.name == field }?.classes) ?? []
  return (0..<count).map { v in classes.first { $0.value == v }?.name ?? "class \(v)" }
}

extension String {
  func padded(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
  func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}

/// `segscope tag PATH TAG [--view EXPR]`.
struct TagCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "tag", abstract: "Tag the samples of a view (all samples without --view).")

  @Argument(help: "The dataset folder or its database file.") var path: String
  @Argument(help: "The tag.") var tag: String
  @Option(help: "Only the samples of this view.") var view: String = ""

  func run() throws {
    let store = try DatasetOpener.open(path)
    let ids = try store.sampleIds(parseView(view))
    try store.tag(ids, tag)
    print("tagged \(ids.count) samples '\(Sanitize.forTerminal(tag))'")
  }
}

/// `segscope export PATH --format F --out DIR [--view EXPR | --tag T]`.
struct ExportCommand: ParsableCommand {
  static let configuration = CommandConfiguration(commandName: "export", abstract: "Write a view (or a tag) of a dataset as imgseg, voc or coco to a new folder.")

  @Argument(help: "The dataset folder or its database file.") var path: String
  @Option(help: "imgseg, voc or coco.") var format: String
  @Option(help: "The output folder (new or empty).") var out: String
  @Option(help: "Only the samples of this view.") var view: String?
  @Option(help: "Only the samples with this tag.") var tag: String?

  func validate() throws {
    guard Exporter.Format(rawValue: format) != nil else { throw ValidationError("--format must be imgseg, voc or coco") }
    if view != nil && tag != nil { throw ValidationError("use --view or --tag, not both") }
  }

  func run() throws {
    let store = try DatasetOpener.open(path)
    var text = view ?? ""
    if let tag { text = "tag:" + (tag.contains(" ") ? "'\(tag)'" : tag) }
    let ids = try store.sampleIds(parseView(text))
    let report = try Exporter(store: store).export(Exporter.Format(rawValue: format) ?? .imgseg, sampleIds: ids, to: out)
    print("exported \(report.samples) samples\(format == "coco" ? " and \(report.annotations) annotations" : "") as \(format) to \(Sanitize.forTerminal(out))")
    for p in report.problems { FileHandleOut.stderr("  \(Sanitize.forTerminal(p.0)): \(Sanitize.forTerminal(p.1))") }
    if !report.problems.isEmpty { throw ExitCode(1) }
  }
}
