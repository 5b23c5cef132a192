import DatasetStore
import Foundation
import ImageCodec
import SegmentationCore
import Tracking
import Workflows

/// A stored run as an MLflow run: params, metrics, tags, and the per-class CSV and the confusion
/// matrix as CSV and PNG (`segscope runs --mlflow`).
public enum TrackedRuns {
  public static func record(store: DatasetStore, run: EvalRun, dataset: String, version: String) throws -> TrackedRun {
    var t = TrackedRun(name: run.key, key: run.key, dataset: dataset)
    t.params = [("prediction_field", run.predField), ("ground_truth_field", run.gtField), ("dialect", run.dialect.rawValue), ("options", run.options)]
    if let predict = try store.meta("predict:" + run.predField),
      let o = (try? JSONSerialization.jsonObject(with: Data(predict.utf8))) as? [String: Any], let cmd = o["command"] as? String
    {
      t.params.append(("predict_command", cmd))
    }
    t.tags = [("dataset", store.root), ("segscope_version", version), ("segscope_run_created", run.createdAt), ("kind", run.kind.rawValue)]
    if run.kind == .instance {
      if let s = run.summary, let o = (try? JSONSerialization.jsonObject(with: Data(s.utf8))) as? [String: Any] {
        for (k, v) in o where v is NSNumber { t.metrics.append((k, (v as! NSNumber).doubleValue)) }
        let classes = (try store.fields().first { $0.name == run.gtField }?.classes) ?? []
        for (id, v) in (o["per_class"] as? [String: Any]) ?? [:] {
          let name = classes.first { String($0.value) == id }?.name ?? id
          if let n = v as? NSNumber { t.metrics.append(("ap/" + MLflowClient.name(name), n.doubleValue)) }
        }
      }
      return t
    }
    let (matrix, evaluated, _) = try store.matrix(run: run)
    let dialect = try run.metricDialect()
    let m = SemanticMetrics(matrix: matrix, dialect: dialect)
    let names = ClassNaming.names(store, field: run.gtField, count: run.classCount)
    t.metrics = [("mIoU", m.mIoU), ("aAcc", m.aAcc), ("mAcc", m.mAcc), ("fwIoU", m.fwIoU), ("mDice", m.mDice), ("samples", Double(evaluated))]
    for (i, c) in m.classes.enumerated() where c.gtPixels + c.predPixels > 0 {
      t.metrics.append(("iou/" + MLflowClient.name(i < names.count ? names[i] : String(i)), c.iou))
    }
    let csv = MetricsFormat.render(m, matrix: matrix, names: names, format: .csv, title: run.key, samples: evaluated, allClasses: true)
    t.artifacts.append(("per_class.csv", Data(csv.utf8), "text/csv"))
    t.artifacts.append(("confusion_matrix.csv", Data(confusionCSV(matrix, names: names).utf8), "text/csv"))
    t.artifacts.append(("confusion_matrix.png", Data(try PNGEncoder.encode(confusionPicture(matrix))), "image/png"))
    return t
  }

  /// Rows are ground truth, columns predictions (the last column: predictions outside the class map).
  public static func confusionCSV(_ m: ConfusionMatrix, names: [String]) -> String {
    let k = m.classCount
    func quoted(_ s: String) -> String { "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
    var out = "gt\\pred," + (0..<k).map { quoted($0 < names.count ? names[$0] : String($0)) }.joined(separator: ",") + ",other\n"
    for g in 0..<k { out += quoted(g < names.count ? names[g] : String(g)) + "," + (0...k).map { String(m[g, $0]) }.joined(separator: ",") + "\n" }
    return out
  }

  /// A heat map of the row-normalised matrix (white 0 to dark blue 1), 16 pixels per cell.
  public static func confusionPicture(_ m: ConfusionMatrix) -> RGBImage {
    let k = min(m.classCount, 256), cell = k > 64 ? 4 : 16
    var img = RGBImage(width: k * cell, height: k * cell)
    for g in 0..<k {
      let row = (0...m.classCount).reduce(UInt64(0)) { $0 + m[g, $1] }
      for p in 0..<k {
        let f = row == 0 ? 0 : Double(m[g, p]) / Double(row)
        let c = RGB(UInt8(255 - 225 * f), UInt8(255 - 195 * f), UInt8(255 - 105 * f))
        for y in 0..<cell { for x in 0..<cell { img[x: p * cell + x, y: g * cell + y] = c } }
      }
    }
    return img
  }
}
