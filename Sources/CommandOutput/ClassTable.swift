import SegmentationCore
import Workflows

/// Formats semantic metrics as a plain-text table.
public enum ClassTable {
  /// `names[i]` names class i. NaN prints as "n/a".
  /// `classes`: the rows to list (default: every class).
  public static func render(_ m: SemanticMetrics, names: [String], title: String, classes: [ClassMetrics]? = nil) -> String {
    func pct(_ v: Double) -> String {
      if v.isNaN { return "   n/a" }
      let s = String(format1(v * 100))
      return String(repeating: " ", count: max(0, 6 - s.count)) + s
    }
    func pad(_ s: String, _ n: Int) -> String { s.count >= n ? String(s.prefix(n)) : s + String(repeating: " ", count: n - s.count) }
    func lpad(_ s: String, _ n: Int) -> String { s.count >= n ? s : String(repeating: " ", count: n - s.count) + s }
    var out = "\(Sanitize.forTerminal(title))\n  dialect: \(m.dialect.rawValue) (\(m.dialect.policy))\n"
    out += "  " + pad("class", 14) + "   IoU   Dice  Prec  Recall      GT px    pred px  IoU bar\n"
    for c in classes ?? m.classes {
      let name = Sanitize.forTerminal(c.classId < names.count ? names[c.classId] : "class \(c.classId)")
      let barLen = c.iou.isNaN ? 0 : Int((c.iou * 20).rounded())
      out += "  " + pad(name, 14) + pct(c.iou) + " " + pct(c.dice) + pct(c.precision) + "  " + pct(c.recall)
      out += " " + lpad(String(c.gtPixels), 10) + " " + lpad(String(c.predPixels), 10) + "  "
      out += String(repeating: "█", count: barLen) + String(repeating: "·", count: 20 - barLen) + "\n"
    }
    out +=
      "  mIoU \(pct(m.mIoU).trimmingLeadingSpaces)  aAcc \(pct(m.aAcc).trimmingLeadingSpaces)  mAcc \(pct(m.mAcc).trimmingLeadingSpaces)  fwIoU \(pct(m.fwIoU).trimmingLeadingSpaces)  (\(m.pixels) pixels)\n"
    return out
  }

  /// One decimal, without Foundation.
  public static func format1(_ v: Double) -> String { ClassNaming.format1(v) }
}

extension String {
  var trimmingLeadingSpaces: String { String(drop { $0 == " " }) }
}
