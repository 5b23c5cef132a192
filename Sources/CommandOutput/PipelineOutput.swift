import Augmentation
import DatasetImport
import DatasetStore
import Foundation
import ImageCodec
import Predict
import SegmentationCore
import Shards
import Workflows

/// The commands that run long passes over a dataset (`index`, `predict`, `augment`, `pq`, `file`): a
/// progress bar while they work, then what they did and what failed. Ctrl-C keeps what was done.
public enum PipelineOutput {
  /// `index`: the mask-indexing pass over the pending masks.
  public static func index(_ store: DatasetStore) throws -> Printed {
    let bar = ProgressBar(label: "indexing masks", total: 1)
    let (indexed, problems) = try HistogramIndexer(store: store).run(progress: { done, total in bar.set(done, total) }, shouldStop: { Interrupt.isRequested })
    bar.finish()
    var out = Printed(out: "indexed \(indexed) masks; \(problems.count) problems\n")
    out.problems(problems)
    if Interrupt.isRequested { out.fail(130) }
    return out
  }

  /// `index --shard`: one slice of the pending masks, from a read-only database into a part file.
  public static func indexShard(_ store: DatasetStore, shard spec: Shard, out: String, version: String) throws -> Printed {
    let bar = ProgressBar(label: "indexing masks", total: 1)
    let head = try HistogramIndexer(store: store).runShard(
      shard: spec, out: out, version: version, progress: { done, total in bar.set(done, total) }, shouldStop: { Interrupt.isRequested })
    bar.finish()
    return Printed(out: "shard \(spec): \(head.samples) of \(head.pairs) pending masks indexed into \(Sanitize.forTerminal(out))\n")
  }

  /// `predict`: the user's model over a view, its masks imported as a field.
  public static func predict(_ store: DatasetStore, request req: PredictRunner.Request) throws -> Printed {
    let bar = ProgressBar(label: "predicting", total: 1)
    let o = try PredictRunner(store: store).run(req, progress: { done, total in bar.set(done, total) }, shouldStop: { Interrupt.isRequested })
    bar.finish()
    var out = Printed()
    out.line(Sanitize.forTerminal(o.summary(name: req.name)))
    for f in o.commandFailures { out.line("  " + Sanitize.forTerminal(f)) }
    if !o.failed.isEmpty {
      out.line("  \(o.failed.count) samples failed:")
      for f in o.failed.prefix(20) { out.line("    \(Sanitize.forTerminal(store.relativePath(f.0))): \(Sanitize.forTerminal(f.1))") }
      if o.failed.count > 20 { out.line("    ... (segscope info PATH lists them all)") }
    }
    if let damage = o.damage {
      out.warn("segscope: error: " + Sanitize.forTerminal(damage))
      for f in o.changedFiles.prefix(20) { out.warn("  \(Sanitize.forTerminal(f.0)): \(f.1)") }
      out.fail()
      return out
    }
    if o.cancelled {
      out.line("cancelled: the batches done are imported; run again to go on")
      out.fail(130)
    }
    if !o.failed.isEmpty || !o.commandFailures.isEmpty { out.fail() }
    return out
  }

  /// An augmentation pipeline file; one that cannot be read or parsed is a usage error.
  public static func pipeline(_ file: String) throws -> Pipeline {
    let text: String
    do { text = try String(contentsOfFile: typedPath(file), encoding: .utf8) } catch {
      throw UsageError("\(Sanitize.forTerminal(file)): cannot read the pipeline (\(error.localizedDescription))")
    }
    do { return try Pipeline.parse(text) } catch { throw UsageError("\(Sanitize.forTerminal(file)): \(error)") }
  }

  /// `augment`: `copies` augmented copies of each sample of `ids` as a new imgseg dataset in `out`
  /// (`shown` is the folder as the user typed it).
  public static func augment(_ store: DatasetStore, pipeline pipe: Pipeline, ids: [Int64], copies: Int, seed: UInt64, out outDir: String, shown: String) throws
    -> Printed
  {
    var export = AugmentExport(store: store, pipeline: pipe)
    export.copies = copies
    export.seed = seed
    let bar = ProgressBar(label: "augmenting", total: ids.count * copies)
    let outcome: AugmentExport.Outcome
    do {
      outcome = try export.run(
        ids: ids, outDir: outDir, shown: Sanitize.forTerminal(shown), progress: { _ in bar.tick() }, shouldStop: { Interrupt.isRequested })
    } catch let p as AugmentExport.Problem {
      throw UsageError(p.description)
    }
    bar.finish()
    if outcome.cancelled { return Printed(out: "cancelled: nothing was written to \(Sanitize.forTerminal(shown))\n", status: 130) }
    var out = Printed()
    out.line(
      "wrote \(outcome.written) augmented samples (\(copies) per sample) to \(Sanitize.forTerminal(outDir)); open it with: segscope open \(Sanitize.forTerminal(outDir))"
    )
    out.problems(outcome.failed)
    if !outcome.failed.isEmpty { out.fail() }
    return out
  }

  /// `pq`: Panoptic Quality as panopticapi's pq_compute counts it; stored as a run when `dataset` is given.
  public static func panoptic(
    gt: String, gtDir: String, pred: String, predDir: String, dataset: DatasetStore?, key: String, version: String, format: OutputFormat
  ) throws -> Printed {
    let bar = ProgressBar(label: "panoptic quality", total: 1)
    let report = try PanopticEvaluator(groundTruthJSON: gt, groundTruthFolder: gtDir, predictionJSON: pred, predictionFolder: predDir).run { done, total in
      bar.set(done, total)
    }
    bar.finish()
    let json = try JSONOutput.string(PanopticReport(report))
    try dataset?.savePanopticRun(key: key, groundTruth: gt, prediction: pred, version: version, summary: json)
    var out = Printed()
    if format == .json {
      out.line(json)
    } else {
      func pct(_ v: Double) -> String { v.isNaN ? "   n/a" : ClassTable.format1(v * 100).leftPadded(6) }
      out.line("Panoptic Quality (panopticapi pq_compute), \(report.images) images")
      out.line("          PQ     SQ     RQ    categories")
      for (name, things) in [("All", nil), ("Things", true), ("Stuff", false)] as [(String, Bool?)] {
        let (a, _) = report.quality.average(things: things)
        out.line("  \(name.padded(7)) \(pct(a.pq)) \(pct(a.sq)) \(pct(a.rq))   \(a.n)")
      }
      out.line("  per class:")
      let (_, per) = report.quality.average()
      for c in per.keys.sorted() {
        let v = per[c]!, st = report.quality.perCategory[c] ?? PanopticQuality.Stat()
        out.line(
          "    \(Sanitize.forTerminal(report.names[c] ?? "\(c)").padded(16)) \(pct(v.pq)) \(pct(v.sq)) \(pct(v.rq))   TP \(st.tp) FP \(st.fp) FN \(st.fn)")
      }
      if dataset != nil { out.line("stored as run '\(Sanitize.forTerminal(key))'") }
    }
    out.problems(report.problems, toStderr: true)
    if !report.problems.isEmpty { out.fail() }
    return out
  }

  /// `file`: each image or mask file decoded and described; a broken file is reported and the others go on.
  public static func describeFiles(_ paths: [String], limits: DecodeLimits, format: OutputFormat) -> Printed {
    var out = Printed()
    for path in paths {
      do {
        let report = try FileReport.inspect(path, limits: limits)
        out.line(format == .json ? report.json(path: path) : "\(Sanitize.forTerminal(path)): \(report.text)")
      } catch {
        out.fail()
        if format == .json {
          out.line((try? JSONOutput.string(["path": path, "error": error.description])) ?? "{}")
        } else {
          out.warn("error: \(Sanitize.forTerminal(error.description))")
        }
      }
    }
    return out
  }
}
