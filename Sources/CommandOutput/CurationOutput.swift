import Curation
import DatasetImport
import DatasetStore
import SegmentationCore
import Slices
import Workflows

/// The curation commands (`signatures`, `duplicates`, `similar`, `uniqueness`, `uncertainty`, `next`,
/// `clusters`, `slices`): signatures made first where missing (a progress bar, Ctrl-C keeps the batches
/// done), then the report in the format asked for.
public enum CurationOutput {
  /// Signatures of a view's samples (all when nil), made where missing; unreadable images on stderr.
  /// Ctrl-C ends the pass after the batch under way is stored (exit status 130).
  public static func signatures(_ store: DatasetStore, view: String?) throws -> [StoredSignature] {
    Interrupt.install()
    let ids = try store.sampleIds(viewText: view)
    let bar = ProgressBar(label: "image signatures", total: 1)
    let sigs: [StoredSignature], problems: [String]
    do {
      (sigs, problems) = try Curator(store: store).signatures(
        ids: ids, progress: { done, total in bar.set(done, total) }, shouldStop: { Interrupt.isRequested })
    } catch let e as SignatureIndexer.Cancelled {
      bar.finish()
      Console.stderr(e.description)
      throw CommandExit(130)
    }
    bar.finish()
    if !problems.isEmpty {
      Console.stderr("\(problems.count) images could not be read (left out):")
      for p in problems.prefix(10) { Console.stderr("  " + Sanitize.forTerminal(p)) }
      if problems.count > 10 { Console.stderr("  ... and \(problems.count - 10) more") }
    }
    return sigs
  }

  public static func duplicates(_ store: DatasetStore, view: String?, threshold: Double, top: Int, format: OutputFormat) throws -> Printed {
    let sigs = try signatures(store, view: view)
    let report = DuplicatesReport(try Curator(store: store).duplicates(sigs, threshold: threshold), rows: try store.sampleRows(ids: sigs.map(\.sampleId)))
    return Printed(out: try format.render(report, text: report.text(top: top)))
  }

  public static func similar(_ store: DatasetStore, sample: String, limit: Int, format: OutputFormat) throws -> Printed {
    let row = try store.resolveSample(sample)
    let sigs = try signatures(store, view: nil)
    let list = try Curator(store: store).similar(to: row.id, in: sigs, limit: limit)
    let report = SimilarReport(list, rows: try store.sampleRows(ids: list.map(\.sampleId)))
    if format == .json { return Printed(out: try JSONOutput.string(report) + "\n") }
    var out = Printed()
    for e in report.samples { out.line(String(format: "%.4f", e.distance) + "\t" + Sanitize.forTerminal(e.path)) }
    return out
  }

  public static func uniqueness(_ store: DatasetStore, top: Int, format: OutputFormat) throws -> Printed {
    let sigs = try signatures(store, view: nil)
    guard sigs.count >= 2 else { throw StoreError.invalid("uniqueness needs at least 2 samples whose images can be read; \(sigs.count) have") }
    let report = UniquenessReport(try Curator(store: store).uniqueness(sigs), rows: try store.sampleRows(ids: sigs.map(\.sampleId)))
    if format == .json { return Printed(out: try JSONOutput.string(report) + "\n") }
    var out = Printed()
    out.line("most unique:")
    for e in report.samples.prefix(top) { out.line(String(format: "  %.3f", e.uniqueness) + "  " + Sanitize.forTerminal(e.path)) }
    out.line("least unique:")
    for e in report.samples.suffix(min(top, report.samples.count)).reversed() {
      out.line(String(format: "  %.3f", e.uniqueness) + "  " + Sanitize.forTerminal(e.path))
    }
    return out
  }

  public static func uncertainty(_ store: DatasetStore, fields: [String], view: String?, top: Int, format: OutputFormat) throws -> Printed {
    let ids = try store.sampleIds(viewText: view)
    let (scores, problems) = try Uncertainty(store: store).scores(predFields: fields, ids: ids)
    var out = Printed(err: problems.prefix(10).map(Sanitize.forTerminal))
    guard !scores.isEmpty else {
      out.warn("segscope: error: no sample could be scored: each needs a readable mask of every --pred field\(problems.isEmpty ? "" : " (see above)")")
      out.fail()
      return out
    }
    let report = UncertaintyReport(scores, rows: try store.sampleRows(ids: scores.map(\.sampleId)))
    out.out = try format.render(report, text: report.text(top: top))
    return out
  }

  public static func next(
    _ store: DatasetStore, fields: [String], view: String?, budget: Int, spread: Double, into destination: AnnotationPicks.Destination?, format: OutputFormat
  ) throws -> Printed {
    let ids = try store.sampleIds(viewText: view)
    let sigs = try signatures(store, view: view)
    let o = try AnnotationPicks.pick(store, fields: fields, ids: ids, signatures: sigs, budget: budget, spread: spread, into: destination)
    var out = Printed(err: o.problems.prefix(10).map(Sanitize.forTerminal))
    if let r = o.exported, case .export(let folder)? = destination {
      out.warn("exported \(r.samples) samples as CVAT to \(Sanitize.forTerminal(folder))")
    }
    let report = UncertaintyReport(o.picks, rows: try store.sampleRows(ids: o.picks.map(\.sampleId)))
    out.out = try format.render(report, text: report.text(top: budget))
    if o.picks.count < budget { out.warn("picked \(o.picks.count) of \(budget): no more samples with the fields (or far enough apart)") }
    if o.picks.isEmpty { out.fail() }
    return out
  }

  /// `clusters`: k-means over the view's signatures (unless `stored`), then each cluster's numbers.
  public static func clusters(_ store: DatasetStore, view: String?, k: ImageClusters.KChoice, run: String?, stored: Bool, format: OutputFormat) throws
    -> Printed
  {
    let evalRun = try run.map { try store.run(named: $0) }
    let made = stored ? nil : try ImageClusters(store: store).make(signatures(store, view: view), k: k)
    let report = try ImageClusters(store: store).report(run: evalRun)
    let out = ClustersReport(report, made: made, rows: try store.sampleRows(ids: report.clusters.flatMap(\.sampleIds)))
    return Printed(out: try format.render(out, text: out.text()))
  }

  /// `slices`: the slices where a run is significantly worse than on the rest.
  public static func slices(_ store: DatasetStore, run: String, view: String?, options: SliceFinder.Options, format: OutputFormat) throws -> Printed {
    let evalRun = try store.run(named: run)
    let parsed = try ViewExpression.parseForCommand(view ?? "")
    // Brightness and contrast come with the signatures: made first where missing.
    _ = try signatures(store, view: view)
    let outcome = try SliceFinder(store: store).find(run: evalRun, view: parsed, options: options)
    let out = SlicesReport(outcome, fdr: options.alpha, rows: try store.sampleRows(ids: outcome.slices.flatMap(\.sampleIds)))
    return Printed(out: try format.render(out, text: out.text()))
  }
}
