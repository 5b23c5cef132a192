import DatasetStore
import Foundation
import SegmentationCore

/// The headline numbers of an instance or panoptic run, read from its stored JSON summary: what the
/// `runs` command prints and the app's runs screen lists.
public enum RunHeadline {
  /// The parts of a stored summary the headline shows (instance: COCOeval's numbers; panoptic: "All").
  struct Summary: Decodable {
    struct Group: Decodable {
      let pq: Double?
      let sq: Double?
      let rq: Double?
    }
    let AP: Double?
    let AP50: Double?
    let AP75: Double?
    let AR100: Double?
    let All: Group?
  }

  /// "mask AP", "boundary AP" or "panoptic", and the numbers ("AP 41.2  AP50 …", "PQ 52.0  SQ …").
  public static func of(_ r: EvalRun) -> (label: String, numbers: String) {
    var numbers = ""
    if let data = r.summary?.data(using: .utf8), let s = try? JSONDecoder().decode(Summary.self, from: data) {
      func pct(_ v: Double?) -> String {
        guard let d = v, d >= 0, !d.isNaN else { return "-" }
        return String(Double((d * 1000).rounded()) / 10)
      }
      if r.kind == .instance {
        numbers = [("AP", s.AP), ("AP50", s.AP50), ("AP75", s.AP75), ("AR100", s.AR100)].map { "\($0.0) \(pct($0.1))" }.joined(separator: "  ")
      } else if let all = s.All {
        numbers = "PQ \(pct(all.pq))  SQ \(pct(all.sq))  RQ \(pct(all.rq))"
      }
    }
    let label = r.kind == .instance ? (r.options.contains("boundary") ? "boundary AP" : "mask AP") : "panoptic"
    return (label, numbers)
  }
}
