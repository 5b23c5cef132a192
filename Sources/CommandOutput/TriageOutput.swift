import DatasetImport
import DatasetStore
import SegmentationCore
import Workflows

/// The triage commands (`tag`, `flag`, `flags`, `review`, `revisions`, `relabel`, `reimport`): each
/// runs the store's procedure and says what it did.
public enum TriageOutput {
  /// `tag`: tags the samples of a view.
  public static func tag(_ store: DatasetStore, view: ViewExpression, tag: String) throws -> Printed {
    let ids = try store.sampleIds(view)
    try store.tag(ids, tag)
    return Printed(out: "tagged \(ids.count) samples '\(Sanitize.forTerminal(tag))'\n")
  }

  /// `flag`: a flag on a sample's mask, or on a region of it, with a suggested class (name or value).
  public static func flag(_ store: DatasetStore, sample: String, region: MaskRegion, suggested: String?, note: String, field: String) throws -> Printed {
    let row = try store.resolveSample(sample)
    let cls = try suggested.map { try store.classValue($0, field: field) }
    let id = try store.addFlag(RegionFlag(sampleId: row.id, field: field, region: region, suggestedClass: cls, note: note))
    return Printed(out: "flag \(id) on \(Sanitize.forTerminal(row.path)): \(RegionFlag(sampleId: row.id, region: region).regionText)\n")
  }

  /// `flags`: closes or rejects one first (`fix`, `reject`), then lists the flags `filter` selects.
  public static func flags(_ store: DatasetStore, filter: FlagFilter, fix: Int64?, reject: Int64?, format: OutputFormat) throws -> Printed {
    if let fix { try store.setFlagState(fix, .fixed) }
    if let reject { try store.setFlagState(reject, .rejected) }
    let gt = try store.fields().first { $0.role == .groundTruth }
    let flags = try store.flags(filter)
    let paths = try store.samplePaths(ids: flags.map(\.sampleId))
    func className(_ v: Int?) -> String? { v.map { v in gt?.classes.first { $0.value == v }?.name ?? String(v) } }
    if format == .json {
      return Printed(
        out: try JSONOutput.string(flags.map { FlagReport($0, path: paths[$0.sampleId] ?? "", suggestedClass: className($0.suggestedClass)) }) + "\n")
    }
    return Printed(out: TriageText.flags(flags, paths: paths, state: filter.state?.rawValue ?? "any", className: className))
  }

  /// `review`: opens (or re-points) a queue, records verdicts given as SAMPLE=VERDICT, shows progress.
  public static func review(_ store: DatasetStore, queue: String, view: String?, verdicts: [String], format: OutputFormat) throws -> Printed {
    // The view must resolve (classes, runs, fields) before the queue stores it.
    if let view { _ = try store.sampleIds(ViewExpression.parseForCommand(view)) }
    let q = try store.openQueue(queue, expression: view)
    for v in verdicts {
      guard let eq = v.lastIndex(of: "=") else { throw UsageError("--verdict takes SAMPLE=VERDICT, got '\(v)'") }
      let row = try store.resolveSample(String(v[..<eq]))
      let word = String(v[v.index(after: eq)...])
      guard let verdict = Verdict(rawValue: word) else { throw UsageError("a verdict is ok, needs-fix or skip, not '\(word)'") }
      try store.setVerdict(queue: queue, sampleId: row.id, verdict)
    }
    let ids = try store.sampleIds(ViewExpression.parseForCommand(q.expression))
    let p = ReviewProgress(ids: ids, verdicts: try store.verdicts(queue: queue))
    let next = p.nextUnreviewed.flatMap { try? store.samples(ids: [$0]).first?.path }
    if format == .json {
      let report = ReviewReport(queue: queue, view: q.expression, samples: ids.count, reviewed: p.reviewed, counts: p.counts, next: next)
      return Printed(out: try JSONOutput.string(report) + "\n")
    }
    var out = Printed()
    out.line(Sanitize.forTerminal("queue \(queue) (\(q.expression.isEmpty ? "all samples" : q.expression)): \(p.summary)"))
    out.line(next.map { Sanitize.forTerminal("next: \($0)") } ?? "every sample of the queue has a verdict")
    return out
  }

  /// `revisions`: a sample's mask history, after removing the newest correction when `undo`.
  public static func revisions(_ store: DatasetStore, sample: String, field: String, undo: Bool, format: OutputFormat) throws -> Printed {
    let row = try store.resolveSample(sample)
    var out = Printed()
    if undo {
      let r = try MaskEditor(store: store).undo(sampleId: row.id, field: field)
      if format != .json { out.line("removed revision \(r.revision) of \(Sanitize.forTerminal(row.path))") }
    }
    let names = ClassNaming.namer(store, field: field)
    let revs = try store.revisions(sampleId: row.id, field: field)
    if format == .json {
      out.line(try JSONOutput.string(RevisionsReport(sample: row.path, field: field, revisions: revs, className: names)))
    } else {
      out.out += TriageText.revisions(revs, sample: row.path, field: field, names: names)
    }
    return out
  }

  /// Where `relabel` changes a mask.
  public enum Target: Sendable {
    /// The connected component containing a pixel.
    case component(PixelPoint)
    case rect(PixelRect)
  }

  /// `relabel`: a component or rectangle of a mask relabelled (class name or value) as a new revision.
  public static func relabel(_ store: DatasetStore, sample: String, target: Target, to: String, field: String) throws -> Printed {
    let row = try store.resolveSample(sample)
    let value = try UInt16(exactly: Int(to) ?? store.classValue(to, field: field)) ?? 255
    let editor = MaskEditor(store: store)
    let edit: MaskEditor.Edit
    switch target {
    case .component(let p): edit = try editor.relabelComponent(sampleId: row.id, field: field, x: p.x, y: p.y, to: value)
    case .rect(let r): edit = try editor.relabelRect(sampleId: row.id, field: field, x: r.x, y: r.y, width: r.width, height: r.height, to: value)
    }
    let names = ClassNaming.namer(store, field: field)
    return Printed(out: Sanitize.forTerminal("\(row.path): revision \(edit.revision), \(edit.diff.describe(names: names))") + "\n")
  }

  /// `reimport`: corrected masks read back as new revisions, what changed per sample. Each changed
  /// sample's line goes to `changed` as soon as its revision is stored (standard output by default), so
  /// that what was reported survives a kill; the tally and the problems are in the result.
  public static func reimport(
    _ store: DatasetStore, folder: String, format: CorrectionImporter.Format?, changed report: (String) -> Void = { print($0) }
  ) throws -> Printed {
    let importer = try CorrectionImporter(store: store, folder: folder, format: format)
    let names = ClassNaming.namer(store, field: FieldName.groundTruth)
    var out = Printed()
    var changed = 0, unchanged = 0, failed = 0
    try importer.run(shouldStop: { Interrupt.isRequested }) { o in
      if let problem = o.problem {
        failed += 1
        out.warn(Sanitize.forTerminal("  \(o.name): \(problem)"))
      } else if let e = o.edit, e.diff.changedPixels > 0 {
        changed += 1
        report(Sanitize.forTerminal("\(o.name): revision \(e.revision), \(e.diff.describe(names: names))"))
      } else {
        unchanged += 1
      }
    }
    out.line("\(changed) masks changed (new revisions), \(unchanged) unchanged, \(failed) not read")
    if Interrupt.isRequested { out.fail(130) }
    if failed > 0 { out.fail(1) }
    return out
  }
}

extension DatasetStore {
  /// The samples of a view typed on the command line (nil: no view given, every sample).
  public func sampleIds(viewText: String?) throws -> [Int64]? {
    try viewText.map { try sampleIds(ViewExpression.parseForCommand($0)) }
  }
}

extension ViewExpression {
  /// A view typed on the command line: a syntax error is a usage error (exit status 2).
  public static func parseForCommand(_ text: String) throws -> ViewExpression {
    do {
      return try parse(text)
    } catch {
      throw UsageError("view syntax error \(error.description)")
    }
  }
}
