import DatasetStore
import SegmentationCore
import Workflows

/// Runs as text: the `runs` listing, boundary IoU and bootstrap intervals under an `eval` table.
public enum RunsText {
  static func pct(_ v: Double) -> String { ClassNaming.percent(v) }

  /// One line a run: key, fields, dialect or kind, the headline numbers, options, date, version.
  public static func list(_ store: DatasetStore, _ runs: [EvalRun]) throws -> String {
    var text = ""
    for r in runs where r.kind == .instance || r.kind == .panoptic {
      let h = RunHeadline.of(r)
      text +=
        "\(Sanitize.forTerminal(r.key).padded(14)) \(Sanitize.forTerminal(r.predField)) vs \(Sanitize.forTerminal(r.gtField))  \(h.label)  \(Sanitize.forTerminal(h.numbers))  \(r.createdAt)  segscope \(r.version)\n"
    }
    for r in runs where r.kind == .semantic {
      let m = try SemanticMetrics(matrix: store.matrix(run: r).0, dialect: r.metricDialect())
      // Options that change what was counted are named with the numbers.
      let notes = RunOptions.notes(r)
      text +=
        "\(Sanitize.forTerminal(r.key).padded(14)) \(Sanitize.forTerminal(r.predField)) vs \(Sanitize.forTerminal(r.gtField))  \(r.dialect)  mIoU \(pct(m.mIoU))\(notes.isEmpty ? "" : "  (" + notes.joined(separator: ", ") + ")")  \(r.createdAt)  segscope \(r.version)\n"
    }
    return text
  }

  /// `segscope runs --compare A B`: per-class IoU of both runs, the change with its paired bootstrap
  /// interval, and the samples that got most worse.
  public static func comparison(_ cmp: RunComparison, before: String, after: String, iterations: Int) -> String {
    let (ka, kb) = (Sanitize.forTerminal(before), Sanitize.forTerminal(after))
    var out = "\(kb) - \(ka) on the \(cmp.commonSamples) samples both evaluated (\(cmp.dialect.rawValue); 95% paired bootstrap, \(iterations) resamples)\n"
    out += "class            \(ka.padded(10)) \(kb.padded(10))  delta IoU   95% interval\n"
    func line(_ name: String, _ x: Double, _ y: Double, _ iv: Bootstrap.Interval) -> String {
      "\(name.padded(16)) \(pct(x).padded(10)) \(pct(y).padded(10))  \(OneDecimal.signedPercent(y - x).padded(10)) [\(OneDecimal.signedPercent(iv.low)), \(OneDecimal.signedPercent(iv.high))]\n"
    }
    for c in cmp.classes { out += line(Sanitize.forTerminal(c.name), c.before, c.after, c.interval) }
    out += line("mIoU", cmp.mIoU.before, cmp.mIoU.after, cmp.mIoU.interval)
    if cmp.worse.isEmpty {
      out += "\nnone of the \(cmp.commonSamples) samples got worse in \(kb)\n"
    } else {
      out += "\nsamples that got most worse in \(kb) (mIoU change, worst first):\n"
      for w in cmp.worse { out += "  \(OneDecimal.signedPercent(w.delta).padded(7)) \(Sanitize.forTerminal(w.path))\n" }
    }
    return out
  }

  public static func boundary(_ b: BoundaryIoU, names: [String]) -> String {
    var text = "  boundary IoU (d = 2% of the diagonal): mean \(pct(b.mean))\n"
    for (c, v) in b.perClass.enumerated() { text += "    \(Sanitize.forTerminal(c < names.count ? names[c] : "class \(c)").padded(14)) \(pct(v))\n" }
    return text
  }

  /// 95 % bootstrap intervals of mIoU and each class's IoU, resampling the samples.
  public static func intervals(_ matrices: [Int64: ConfusionMatrix], dialect: MetricDialect, names: [String]) -> String {
    // In sample order: the resampling is seeded, and the same run must give the same intervals.
    let per = matrices.keys.sorted().compactMap { matrices[$0] }
    let iv = Bootstrap().intervals(per, dialect: dialect)
    var text = "  95% bootstrap intervals (1000 resamples of \(per.count) samples, seed \(Bootstrap().seed)):\n"
    text += "    mIoU [\(pct(iv.mIoU.low)), \(pct(iv.mIoU.high))]\n"
    for (c, i) in iv.classes.enumerated() {
      text += "    \(Sanitize.forTerminal(c < names.count ? names[c] : "class \(c)").padded(14)) [\(pct(i.low)), \(pct(i.high))]\n"
    }
    return text
  }
}
