import DatasetStore
import SegmentationCore
import Workflows

/// An instance (COCO) run's numbers as text: the 12 COCOeval numbers, TP/FP/FN at IoU 0.5, per-class AP.
public enum InstanceText {
  public static func render(key: String, boundary: Bool, result: CocoEval.Result, classes: [ClassInfo]) -> String {
    var text = ""
    func out(_ s: String) { text += s + "\n" }
    out(
      boundary
        ? "\(Sanitize.forTerminal(key)): COCO boundary AP (boundary-iou-api COCOeval, iouType boundary: min(mask IoU, boundary IoU), d = 2% of the diagonal; -1 = undefined)"
        : "\(Sanitize.forTerminal(key)): COCO mask AP (pycocotools COCOeval, iouType segm; -1 = undefined)")
    for (n, v) in zip(InstanceReport.statNames, result.stats) { out("  \(n.padded(6)) \(v < 0 ? "-1" : ClassNaming.format1(v * 100))") }
    let total = result.imageCounts.values.reduce(into: CocoEval.Counts()) {
      $0.tp += $1.tp
      $0.fp += $1.fp
      $0.fn += $1.fn
    }
    out(
      "  at IoU 0.5: \(total.tp) TP, \(total.fp) FP, \(total.fn) FN over \(result.imageCounts.count) samples (sort:-fp(\(Sanitize.forTerminal(key))) puts the worst first)"
    )
    out("  per class AP:")
    for c in classes {
      let ap = result.perCategoryAP[c.value] ?? -1
      out("    \(Sanitize.forTerminal(c.name).padded(16)) \(ap < 0 ? "-1" : ClassNaming.format1(ap * 100))")
    }
    return text
  }
}
