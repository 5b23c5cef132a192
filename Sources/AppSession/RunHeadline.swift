import DatasetStore
import Foundation

/// The headline numbers of an instance or panoptic run, read from its stored JSON summary: what the
/// `runs` command prints and the app's runs screen lists.
public enum RunHeadline {
  /// "mask AP", "boundary AP" or "panoptic", and the numbers ("AP 41.2  AP50 …", "PQ 52.0  SQ …").
  public static func of(_ r: EvalRun) -> (label: String, numbers: String) {
    var numbers = ""
    if let data = r.summary?.data(using: .utf8), let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any] {
      func pct(_ v: Any?) -> String {
        guard let d = (v as? NSNumber)?.doubleValue, d >= 0, !d.isNaN else { return "-" }
        return String(Double((d * 1000).rounded()) / 10)
      }
      if r.kind == .instance {
        numbers = ["AP", "AP50", "AP75", "AR100"].map { "\($0) \(pct(json[$0]))" }.joined(separator: "  ")
      } else if let all = json["All"] as? [String: Any] {
        numbers = "PQ \(pct(all["pq"]))  SQ \(pct(all["sq"]))  RQ \(pct(all["rq"]))"
      }
    }
    let label = r.kind == .instance ? (r.options.contains("boundary") ? "boundary AP" : "mask AP") : "panoptic"
    return (label, numbers)
  }
}
