import AppSession
import ArgumentParser
import DatasetStore
import Evaluation
import ImageCodec
import SegmentationCore

#if canImport(Glibc)
  import Glibc
#endif

/// `segscope demo`: generate the demo dataset, evaluate its two models, and show the results.
struct DemoCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "demo",
    abstract: "Generate a demo street-scene dataset with two model predictions, evaluate them and show the results."
  )

  @Option(help: "Where to write the demo dataset (default: $XDG_CACHE_HOME/segscope/demo).")
  var dir: String?

  @Option(help: "Number of samples.")
  var samples: Int = 60

  @Option(help: "Image size, WIDTHxHEIGHT.")
  var size: String = "320x240"

  @Flag(help: "Regenerate the files even if they exist.")
  var regenerate = false

  @Flag(help: "Print the results instead of opening the app (the default when not on a terminal).")
  var print = false

  @OptionGroup var display: DisplayOptions

  func validate() throws {
    guard samples >= 1 && samples <= 100_000 else { throw ValidationError("--samples must be between 1 and 100000") }
    guard parsedSize() != nil else { throw ValidationError("--size must look like 320x240 (each side 32 to 4096)") }
  }

  func parsedSize() -> (Int, Int)? {
    let parts = size.split(separator: "x")
    guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), (32...4096).contains(w), (32...4096).contains(h) else { return nil }
    return (w, h)
  }

  @MainActor
  func run() async throws {
    let (w, h) = parsedSize() ?? (320, 240)
    let root = dir ?? Paths.cacheHome() + "/segscope/demo"
    Paths.makeDirectories(root)
    let demo = DemoDataset(root: root, samples: samples, width: w, height: h)
    if regenerate || !demo.exists() {
      let bar = ProgressBar(label: "generating", total: samples)
      let n = try demo.generate { _ in bar.tick() }
      bar.finish()
      Swift.print("Generated \(n) files in \(Sanitize.forTerminal(root))")
    } else {
      Swift.print("Using the demo dataset in \(Sanitize.forTerminal(root))")
    }
    Interrupt.install()
    let store = try DatasetOpener.open(root)
    _ = try DatasetOpener.importFolder(
      store, format: "imgseg", predictions: DemoModel.allCases.map { ($0.rawValue, "predictions/\($0.rawValue)") }, classes: nil,
      confidences: [("model_b", "predictions/model_b_conf")])
    try setDemoColours(store)
    var summaries: [(String, Double)] = []
    for model in DemoModel.allCases {
      let bar = ProgressBar(label: "evaluating \(model.rawValue)", total: samples)
      let (run, matrix, problems, _) = try EvaluationRunner(store: store).run(.init(key: model.rawValue, predField: model.rawValue), version: Segscope.version)
      { _ in bar.tick() }
      bar.finish()
      let names = classNames(store, field: FieldName.groundTruth, count: run.classCount)
      let metrics = SemanticMetrics(matrix: matrix)
      Swift.print(ClassTable.render(metrics, names: names, title: "\(model.rawValue): \(try store.matrix(run: run).evaluated) samples evaluated"))
      if !problems.isEmpty {
        Swift.print("  not evaluated (\(problems.count)):")
        for p in problems { Swift.print("    " + Sanitize.forTerminal(p)) }
      }
      let worst = try store.samples(ids: store.sampleIds(ViewExpression.parse("sort:miou(\(model.rawValue)) limit:5")))
      Swift.print("  worst samples: " + worst.map { Sanitize.forTerminal($0.stem) }.joined(separator: ", ") + "\n")
      summaries.append((model.rawValue, metrics.mIoU))
    }
    let interactive = !self.print && isatty(0) != 0 && isatty(1) != 0
    if interactive && !Interrupt.isRequested {
      Interrupt.reset()
      try await launchApp(store, display: display)
      return
    }
    Swift.print("mIoU: " + summaries.map { "\($0.0) \(ClassTable.format1($0.1 * 100))" }.joined(separator: "  vs  "))
    Swift.print("Mislabeled ground truth was planted in " + (0..<samples).filter { demo.isMislabeled($0) }.map { demo.stem($0) }.joined(separator: ", "))
  }
}

/// Gives the demo's classes their Cityscapes colours in every field.
func setDemoColours(_ store: DatasetStore) throws {
  for f in try store.fields() {
    let classes = f.classes.map { c in
      c.value < DemoClasses.table.count ? ClassInfo(value: c.value, name: c.name, color: DemoClasses.table[c.value].color.description, isIgnore: c.isIgnore) : c
    }
    try store.defineField(f.name, kind: f.kind, role: f.role, root: nil, classes: classes)
  }
}
