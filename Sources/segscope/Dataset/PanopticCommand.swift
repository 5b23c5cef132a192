import AppSession
import CommandOutput
import Workflows
import ArgumentParser
import DatasetImport
import DatasetStore
import SegmentationCore

/// `segscope pq --gt JSON --gt-dir DIR --pred JSON --pred-dir DIR [--json] [--dataset PATH --key NAME]`.
struct PanopticCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "pq",
    abstract: "Panoptic Quality (PQ, SQ, RQ; all, things, stuff, per class) of COCO panoptic predictions, as panopticapi's pq_compute counts it.")

  @Option(help: "Ground-truth COCO panoptic JSON (annotations, categories with isthing).") var gt: String
  @Option(help: "Folder of the ground-truth panoptic PNGs.") var gtDir: String
  @Option(help: "Predicted COCO panoptic JSON.") var pred: String
  @Option(help: "Folder of the predicted panoptic PNGs.") var predDir: String
  @Flag(help: "JSON output.") var json = false
  @Option(help: "Store the numbers as a run in this dataset (folder or database).") var dataset: String?
  @Option(help: "The run's name (with --dataset).") var key: String = "panoptic"

  func run() throws {
    let bar = ProgressBar(label: "panoptic quality", total: 1)
    let report = try PanopticEvaluator(groundTruthJSON: gt, groundTruthFolder: gtDir, predictionJSON: pred, predictionFolder: predDir).run { done, total in
      bar.set(done, total)
    }
    bar.finish()
    let groups: [(String, Bool?)] = [("All", nil), ("Things", true), ("Stuff", false)]
    let (_, per) = report.quality.average()
    let out = try JSONOutput.string(PanopticReport(report))
    if let dataset {
      try DatasetOpener.open(dataset).savePanopticRun(key: key, groundTruth: gt, prediction: pred, version: Segscope.version, summary: out)
    }
    if json {
      print(out)
    } else {
      print("Panoptic Quality (panopticapi pq_compute), \(report.images) images")
      print("          PQ     SQ     RQ    categories")
      for (name, things) in groups {
        let (a, _) = report.quality.average(things: things)
        print("  \(name.padded(7)) \(pct(a.pq)) \(pct(a.sq)) \(pct(a.rq))   \(a.n)")
      }
      print("  per class:")
      for c in per.keys.sorted() {
        let v = per[c]!, st = report.quality.perCategory[c] ?? PanopticQuality.Stat()
        print("    \(Sanitize.forTerminal(report.names[c] ?? "\(c)").padded(16)) \(pct(v.pq)) \(pct(v.sq)) \(pct(v.rq))   TP \(st.tp) FP \(st.fp) FN \(st.fn)")
      }
      if dataset != nil { print("stored as run '\(Sanitize.forTerminal(key))'") }
    }
    for p in report.problems.prefix(20) { Console.stderr("  \(Sanitize.forTerminal(p.0)): \(Sanitize.forTerminal(p.1))") }
    if !report.problems.isEmpty { throw ExitCode(1) }
  }

  func pct(_ v: Double) -> String {
    guard !v.isNaN else { return "   n/a" }
    return ClassTable.format1(v * 100).leftPadded(6)
  }
}
