import ArgumentParser
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

  func validate() throws {
    guard samples >= 1 && samples <= 100_000 else { throw ValidationError("--samples must be between 1 and 100000") }
    guard parsedSize() != nil else { throw ValidationError("--size must look like 320x240 (each side 32 to 4096)") }
  }

  func parsedSize() -> (Int, Int)? {
    let parts = size.split(separator: "x")
    guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), (32...4096).contains(w), (32...4096).contains(h) else { return nil }
    return (w, h)
  }

  func run() async throws {
    let (w, h) = parsedSize() ?? (320, 240)
    let root = dir ?? Paths.cacheHome() + "/segscope/demo"
    Paths.makeDirectories(root)
    let demo = DemoDataset(root: root, samples: samples, width: w, height: h)
    if regenerate || !demo.exists() {
      let bar = ProgressBar(label: "generating", total: samples)
      let n = try demo.generate { _ in bar.tick() }
      bar.finish()
      print("Generated \(n) files in \(Sanitize.forTerminal(root))")
    } else {
      print("Using the demo dataset in \(Sanitize.forTerminal(root))")
    }
    let names = DemoClasses.table.map(\.name)
    print("\(samples) samples, \(names.count) classes (\(names.joined(separator: ", "))), ignore value 255\n")
    let evaluator = SemanticEvaluator(classCount: names.count)
    var summaries: [(String, Double)] = []
    for model in DemoModel.allCases {
      let pairs = demo.stems.map { MaskPair(sampleId: $0, groundTruth: "\(root)/labels/\($0).png", prediction: "\(root)/predictions/\(model.rawValue)/\($0).png") }
      let bar = ProgressBar(label: "evaluating \(model.rawValue)", total: pairs.count)
      let results = evaluator.evaluate(pairs) { _ in bar.tick() }
      bar.finish()
      let good = results.compactMap(\.matrix)
      let total = ConfusionMatrix.sum(good, classCount: names.count)
      let metrics = SemanticMetrics(matrix: total)
      print(ClassTable.render(metrics, names: names, title: "\(model.rawValue): \(good.count) of \(pairs.count) samples evaluated"))
      let problems = results.compactMap(\.problem)
      if !problems.isEmpty {
        print("  problems (\(problems.count)):")
        for p in problems { print("    " + Sanitize.forTerminal(p)) }
      }
      let worst = results.compactMap { r in r.metrics().map { (r.sampleId, $0.mIoU) } }.sorted { $0.1 < $1.1 }.prefix(5)
      print("  worst samples: " + worst.map { "\($0.0) (mIoU \(ClassTable.format1($0.1 * 100)))" }.joined(separator: ", ") + "\n")
      summaries.append((model.rawValue, metrics.mIoU))
    }
    print("mIoU: " + summaries.map { "\($0.0) \(ClassTable.format1($0.1 * 100))" }.joined(separator: "  vs  "))
    print("Mislabeled ground truth was planted in samples " + (0..<samples).filter(demo.isMislabeled).map(demo.stem).joined(separator: ", "))
  }
}
