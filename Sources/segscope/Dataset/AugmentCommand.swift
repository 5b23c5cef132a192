import AppSession
import CommandOutput
import Workflows
import ArgumentParser
import Augmentation
import DatasetImport
import DatasetStore
import Foundation
import ImageCodec
import SegmentationCore

#if canImport(Glibc)
  import Glibc
#endif

/// `segscope augment PATH --pipeline FILE --copies N --out DIR`: a new imgseg dataset of augmented
/// copies (images and ground-truth masks moved together).
struct AugmentCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "augment",
    abstract: "Write N augmented copies of each sample (image and ground truth) as a new imgseg dataset.",
    discussion: """
      The pipeline is TOML with Albumentations' names and parameters ([[transform]] tables: HorizontalFlip,
      VerticalFlip, RandomRotate90, Rotate, Affine, RandomCrop, Crop, CenterCrop, RandomResizedCrop,
      PadIfNeeded, Resize, ColorJitter, RandomBrightnessContrast, GaussianBlur, CoarseDropout; each with p).
      Masks move by nearest neighbour; pixels with no source get fill_mask (default 255, the ignore
      index). Draws are seeded by --seed, the sample and the copy: the same command writes the same files.
      """
  )

  @Argument(help: "The dataset folder or its database file.") var path: String
  @Option(help: "The pipeline (TOML).") var pipeline: String
  @Option(help: "Augmented copies per sample.") var copies = 1
  @Option(help: "The new dataset's folder (created; must be empty if it exists).") var out: String
  @Option(parsing: .unconditional, help: "Augment only the samples of this view.") var view: String?
  @Option(help: "Seed of the draws.") var seed: UInt64 = 0

  func validate() throws {
    if copies < 1 || copies > 1000 { throw ValidationError("--copies must be between 1 and 1000") }
  }

  func run() throws {
    Interrupt.install()
    let text: String
    do { text = try String(contentsOfFile: typedPath(pipeline), encoding: .utf8) } catch {
      throw ValidationError("\(Sanitize.forTerminal(pipeline)): cannot read the pipeline (\(error.localizedDescription))")
    }
    let pipe: Pipeline
    do { pipe = try Pipeline.parse(text) } catch { throw ValidationError("\(Sanitize.forTerminal(pipeline)): \(error)") }
    let store = try DatasetOpener.open(path)
    let ids = try view.map { try store.sampleIds(ViewExpression.parseForCommand($0)) } ?? store.sampleIds(ViewExpression())
    let outDir = typedPath(out)
    var export = AugmentExport(store: store, pipeline: pipe)
    export.copies = copies
    export.seed = seed
    let bar = ProgressBar(label: "augmenting", total: ids.count * copies)
    let outcome: AugmentExport.Outcome
    do {
      outcome = try export.run(ids: ids, outDir: outDir, shown: Sanitize.forTerminal(out), progress: { _ in bar.tick() }, shouldStop: { Interrupt.isRequested })
    } catch let p as AugmentExport.Problem {
      throw ValidationError(p.description)
    }
    bar.finish()
    if outcome.cancelled {
      print("cancelled: nothing was written to \(Sanitize.forTerminal(out))")
      throw ExitCode(130)
    }
    print(
      "wrote \(outcome.written) augmented samples (\(copies) per sample) to \(Sanitize.forTerminal(outDir)); open it with: segscope open \(Sanitize.forTerminal(outDir))"
    )
    for f in outcome.failed.prefix(20) { print("  \(Sanitize.forTerminal(f.0)): \(Sanitize.forTerminal(f.1))") }
    if !outcome.failed.isEmpty { throw ExitCode.failure }
  }
}
