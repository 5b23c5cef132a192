import CommandOutput
import Workflows
import ArgumentParser
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
    let pipe = try PipelineOutput.pipeline(pipeline)
    let store = try DatasetOpener.open(path)
    let ids = try store.sampleIds(ViewExpression.parseForCommand(view ?? ""))
    try Console.emit(
      PipelineOutput.augment(store, pipeline: pipe, ids: ids, copies: copies, seed: seed, out: typedPath(out), shown: out))
  }
}
