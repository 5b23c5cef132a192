import DatasetImport
import DatasetStore
import SegmentationCore
import Workflows

/// `segscope info` as text: samples, fields with their classes and pixel counts, runs, problems.
public enum InfoText {
  public static func render(_ store: DatasetStore) throws -> String {
    var text = ""
    func out(_ s: String) { text += s + "\n" }
    let fields = try store.fields()
    let totals = try HistogramIndexer(store: store).totals()
    let instanceCounts = try store.instanceCounts()
    let problems = try store.problems()
    let count = try store.sampleCount()
    let incomplete = try HistogramIndexer(store: store).incompleteWarning()
    out("\(Sanitize.forTerminal(store.root)): \(count) samples")
    if let incomplete { out("warning: " + incomplete) }
    for f in fields {
      out("\n\(Sanitize.forTerminal(f.name)) (\(f.kind.rawValue), \(f.role.rawValue))")
      for c in f.classes {
        let t = totals[f.name]?[c.value]
        if f.kind == .instance {
          let n = instanceCounts[f.name]?[c.value]
          out(
            "  \(String(c.value).leftPadded(5))  \(Sanitize.forTerminal(c.name).padded(16)) \(String(n?.instances ?? 0).leftPadded(8)) instances in \(n?.samples ?? 0) samples"
          )
        } else {
          out(
            "  \(String(c.value).leftPadded(5))  \(Sanitize.forTerminal(c.name).padded(16)) \(String(t?.pixels ?? 0).leftPadded(12)) px in \(t?.samples ?? 0) samples\(c.isIgnore ? " (ignored)" : "")"
          )
        }
      }
      // Values found in the masks that the class map does not name (all of them without a map).
      let named = f.hasClassMap
      for v in (totals[f.name] ?? [:]).keys.filter({ v in !f.classes.contains { $0.value == v } }).sorted() {
        let t = totals[f.name]?[v]
        out(
          "  \(String(v).leftPadded(5))  \((named ? "(not in map)" : "(no name)").padded(16)) \(String(t?.pixels ?? 0).leftPadded(12)) px in \(t?.samples ?? 0) samples"
        )
      }
    }
    let runs = try store.runs()
    if !runs.isEmpty {
      out("\nruns: " + runs.map { "\(Sanitize.forTerminal($0.key)) (\($0.predField) vs \($0.gtField), \($0.dialect))" }.joined(separator: ", "))
    }
    out("\n\(problems.count) problems")
    for p in problems.prefix(50) { out("  \(Sanitize.forTerminal(p.path)): \(Sanitize.forTerminal(p.problem))") }
    if problems.count > 50 { out("  … and \(problems.count - 50) more (info --json lists them all)") }
    return text
  }
}

extension String {
  /// Padded with spaces on the right to `n` characters (never cut).
  public func padded(_ n: Int) -> String { count >= n ? self : self + String(repeating: " ", count: n - count) }
  /// Padded with spaces on the left to `n` characters (never cut).
  public func leftPadded(_ n: Int) -> String { count >= n ? self : String(repeating: " ", count: n - count) + self }
}
