import CommandOutput
import ArgumentParser

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
    let store = try dataset.map(DatasetOpener.open)
    try Console.emit(
      PipelineOutput.panoptic(
        gt: gt, gtDir: gtDir, pred: pred, predDir: predDir, dataset: store, key: key, version: Segscope.version, format: json ? .json : .table))
  }
}
