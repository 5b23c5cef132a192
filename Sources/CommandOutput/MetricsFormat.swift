import SegmentationCore
import Workflows

/// Evaluation results as a table, JSON, CSV or Markdown.
public enum MetricsFormat {
  public static func num(_ v: Double) -> String { v.isNaN ? "null" : "\(v)" }
  static func pct(_ v: Double) -> String { ClassNaming.percent(v) }

  /// - Parameters:
  ///   - samples: the number of samples evaluated.
  ///   - bandwidth: FiftyOne's contour band width when the run used one.
  public static func render(
    _ m: SemanticMetrics, matrix: ConfusionMatrix, names: [String], format: OutputFormat, title: String, samples: Int, bandwidth: Int? = nil,
    allClasses: Bool = false
  ) -> String {
    // Table and markdown leave out the classes absent from both sides (all "n/a"), and say so.
    let shown = allClasses ? m.classes : m.classes.filter { $0.gtPixels + $0.predPixels > 0 }
    let hiddenNote =
      shown.count < m.classes.count
      ? "\(m.classes.count - shown.count) classes absent from both ground truth and prediction are not listed (--all-classes lists them)" : nil
    let fiftyone =
      m.dialect == .fiftyone
      ? "accuracy \(pct(m.microAccuracy)) · precision \(pct(m.microPrecision)) · recall \(pct(m.microRecall)) (FiftyOne's micro averages, class 0 excluded)"
      : nil
    let band = bandwidth.map { "only pixels within the \($0)-px ground-truth contour band (FiftyOne's bandwidth)" }
    switch format {
    case .json:
      return (try? JSONOutput.string(SemanticReport(m, matrix: matrix, names: names, samples: samples, bandwidth: bandwidth))) ?? "{}"
    case .csv:
      var s = "id,name,iou,dice,precision,recall,gt_pixels,pred_pixels\n"
      for c in m.classes {
        s +=
          "\(c.classId),\(csv(Sanitize.forTerminal(names[c.classId]))),\(num(c.iou)),\(num(c.dice)),\(num(c.precision)),\(num(c.recall)),\(c.gtPixels),\(c.predPixels)\n"
      }
      return s + "all,mIoU=\(num(m.mIoU)) aAcc=\(num(m.aAcc)) mAcc=\(num(m.mAcc)) fwIoU=\(num(m.fwIoU)),,,,,,"
    case .markdown:
      var s =
        "**\(Sanitize.forTerminal(title))** — dialect `\(m.dialect.rawValue)`: \(m.dialect.policy)\n\n| class | IoU | Dice | Precision | Recall | GT px | pred px |\n|---|---:|---:|---:|---:|---:|---:|\n"
      for c in shown {
        s +=
          "| \(Sanitize.forTerminal(names[c.classId])) | \(pct(c.iou)) | \(pct(c.dice)) | \(pct(c.precision)) | \(pct(c.recall)) | \(c.gtPixels) | \(c.predPixels) |\n"
      }
      return s + "\nmIoU \(pct(m.mIoU)) · aAcc \(pct(m.aAcc)) · mAcc \(pct(m.mAcc)) · fwIoU \(pct(m.fwIoU))"
        + [hiddenNote, band, fiftyone].compactMap { $0.map { "\n\n" + $0 } }.joined()
    case .table:
      return ClassTable.render(m, names: names, title: title, classes: shown) + [hiddenNote, band, fiftyone].compactMap { $0.map { "\n  " + $0 } }.joined()
    }
  }

  public static func csv(_ s: String) -> String {
    s.contains(",") || s.contains("\"") ? "\"" + s.replacingOccurrences("\"", "\"\"") + "\"" : s
  }
}

extension String {
  public func replacingOccurrences(_ a: String, _ b: String) -> String { split(separator: Character(a), omittingEmptySubsequences: false).joined(separator: b) }
}
