import DemoScenes
import DatasetImport
import DatasetStore
import Evaluation
import LabelErrors
import SegmentationCore
import Workflows

extension DemoDataset {
  /// Writes the demo (unless it is there and `regenerate` is false), imports it with its confidence
  /// maps, gives the classes Cityscapes colours, and evaluates both models, printing each run's table
  /// through `say`. Returns the dataset and each model's mIoU.
  public func prepare(
    regenerate: Bool, version: String, shouldStop: @escaping @Sendable () -> Bool, say: (String) -> Void
  ) throws -> (DatasetStore, [(String, Double)]) {
    if regenerate || !exists() {
      let bar = ProgressBar(label: "generating", total: samples)
      let n = try generate { _ in bar.tick() }
      bar.finish()
      say("Generated \(n) files in \(Sanitize.forTerminal(root))")
    } else {
      say("Using the demo dataset in \(Sanitize.forTerminal(root))")
    }
    let store = try DatasetStore(root: root)
    var job = FolderImport(format: .imgseg)
    job.predictions = DemoModel.allCases.map { ($0.rawValue, "predictions/\($0.rawValue)") }
    job.confidences = [("model_b", "predictions/model_b_conf")]
    let bar = ProgressBar(label: "importing", total: 1)
    let outcome = try job.run(into: store, headers: { bar.set($0, $1) }, indexing: { bar.set($0, $1) }, shouldStop: shouldStop)
    bar.finish()
    say(try outcome.summary(store).trimmingCharacters(in: "\n"))
    try applyColours(store)
    var summaries: [(String, Double)] = []
    for model in DemoModel.allCases {
      let bar = ProgressBar(label: "evaluating \(model.rawValue)", total: samples)
      let (run, matrix, problems, _) = try EvaluationRunner(store: store).run(.init(key: model.rawValue, predField: model.rawValue), version: version) { _ in
        bar.tick()
      }
      bar.finish()
      let names = ClassNaming.names(store, field: FieldName.groundTruth, count: run.classCount)
      let metrics = SemanticMetrics(matrix: matrix)
      say(ClassTable.render(metrics, names: names, title: "\(model.rawValue): \(try store.matrix(run: run).evaluated) samples evaluated"))
      if !problems.isEmpty {
        say("  not evaluated (\(problems.count)):")
        for p in problems { say("    " + Sanitize.forTerminal(p)) }
      }
      let worst = try store.samples(ids: store.sampleIds(ViewExpression.parse("sort:miou(\(model.rawValue)) limit:5")))
      say("  worst samples: " + worst.map { Sanitize.forTerminal($0.stem) }.joined(separator: ", ") + "\n")
      summaries.append((model.rawValue, metrics.mIoU))
    }
    // Both models as evidence against the labels: the Suspects screen (7) lists what they find.
    let fields = DemoModel.allCases.map(\.rawValue)
    let mistakes = try MistakesRunner(store: store).run(.init(key: MistakesRunner.Request.defaultKey(fields), predFields: fields), version: version)
    let paths = try store.samplePaths(ids: mistakes.samples.map(\.sampleId))
    let report = MistakesReport(run: mistakes.run, samples: mistakes.samples, paths: paths, className: ClassNaming.namer(store, field: FieldName.groundTruth))
    say(MistakesText.render(report, top: 5).trimmingCharacters(in: "\n"))
    return (store, summaries)
  }

  /// Gives the demo's classes their Cityscapes colours in every field.
  func applyColours(_ store: DatasetStore) throws {
    for f in try store.fields() {
      let classes = f.classes.map { c in
        c.value < DemoClasses.table.count
          ? ClassInfo(value: c.value, name: c.name, color: DemoClasses.table[c.value].color.description, isIgnore: c.isIgnore) : c
      }
      try store.defineField(f.name, kind: f.kind, role: f.role, root: f.root, classes: classes)
    }
  }

  /// What `demo --print` ends with: each model's mIoU and where mislabeled masks were planted.
  public func summary(_ mIoUs: [(String, Double)]) -> String {
    "mIoU: " + mIoUs.map { "\($0.0) \(ClassTable.format1($0.1 * 100))" }.joined(separator: "  vs  ") + "\n"
      + "Mislabeled ground truth was planted in " + (0..<samples).filter { isMislabeled($0) }.map { stem($0) }.joined(separator: ", ") + "\n"
  }
}
