import DatasetStore
import SegmentationCore
import Workflows

/// Flags and revision histories as text (`flags`, `revisions`).
public enum TriageText {
  public static func flags(_ flags: [RegionFlag], paths: [Int64: String], state: String, className: (Int?) -> String?) -> String {
    guard !flags.isEmpty else { return "no \(state == "any" ? "" : state + " ")flags\n" }
    var text = ""
    for f in flags {
      let cls = className(f.suggestedClass).map { " -> \($0)" } ?? ""
      let note = f.note.isEmpty ? "" : "  \"\(f.note)\""
      text += Sanitize.forTerminal("#\(f.id) [\(f.state)] \(paths[f.sampleId] ?? "?") \(f.regionText)\(cls) by \(f.author) \(f.createdAt)\(note)") + "\n"
    }
    return text
  }

  public static func revisions(_ revs: [MaskRevision], sample: String, field: String, names: (Int) -> String) -> String {
    var text = Sanitize.forTerminal("\(sample) \(field):") + "\n"
    for r in revs {
      if r.revision == 0 {
        text += Sanitize.forTerminal("  r0 imported  \(r.path)") + "\n"
      } else {
        text +=
          Sanitize.forTerminal("  r\(r.revision) \(r.createdAt ?? "") by \(r.author ?? "?"): \(r.note ?? "")  [\(r.diff?.describe(names: names) ?? "")]") + "\n"
      }
    }
    return text
  }
}
