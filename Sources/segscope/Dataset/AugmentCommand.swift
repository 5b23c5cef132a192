import AppSession
import ArgumentParser
import Augmentation
import DatasetStore
import Foundation
import ImageCodec
import SegmentationCore

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
    let outDir = typedPath(out)
    if let items = try? FileManager.default.contentsOfDirectory(atPath: outDir), !items.isEmpty {
      throw ValidationError("\(Sanitize.forTerminal(out)) exists and is not empty; give a new folder")
    }
    let fields = try store.fields()
    guard let gt = fields.first(where: { $0.name == FieldName.groundTruth && $0.kind == .semantic }) else {
      throw ValidationError("the dataset has no semantic ground truth to augment")
    }
    let ids = try view.map { try store.sampleIds(parseView($0)) } ?? store.sampleIds(ViewExpression())
    let masks = Dictionary(try store.maskPairs(gt: gt.name, pred: gt.name, sampleIds: ids).map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
    let samples = try store.samples(ids: ids)
    try FileManager.default.createDirectory(atPath: outDir + "/data", withIntermediateDirectories: true)
    try FileManager.default.createDirectory(atPath: outDir + "/labels", withIntermediateDirectories: true)
    if gt.hasClassMap, let top = gt.classes.map(\.value).max(), top < 4096 {
      let names = (0...top).map { v in gt.classes.first { $0.value == v }?.name ?? "class_\(v)" }
      try (names.joined(separator: "\n") + "\n").write(toFile: outDir + "/classes.txt", atomically: true, encoding: .utf8)
    }
    let bar = ProgressBar(label: "augmenting", total: samples.count * copies)
    var written = 0, failed: [(String, String)] = []
    for s in samples {
      if Interrupt.isRequested { break }
      guard let ref = masks[s.id] else {
        failed.append((s.path, "no ground-truth mask"))
        continue
      }
      do {
        let image = try ImageLoader.loadImage(path: store.absolutePath(s.path)).image
        let mask = try ImageLoader.loadMask(path: store.absolutePath(ref.path), decoding: ref.decoding ?? gt.decoding).mask
        guard mask.width == image.width, mask.height == image.height else {
          failed.append((s.path, "mask \(mask.width)x\(mask.height) but image \(image.width)x\(image.height)"))
          continue
        }
        let rel = s.path.hasPrefix("/") ? "outside/\(s.id)-\((s.path as NSString).lastPathComponent)" : s.path
        // imgseg pairs data/REL.ext with labels/REL.png; the sample's own data/ prefix is dropped.
        var stem = (rel as NSString).deletingPathExtension
        if stem.hasPrefix("data/") || stem.hasPrefix("images/") { stem = String(stem.drop { $0 != "/" }.dropFirst()) }
        let jpeg = ["jpg", "jpeg"].contains((s.path as NSString).pathExtension.lowercased())
        for k in 0..<copies {
          let (img, m) = pipe.apply(image: image, mask: mask, seed: Self.mix(seed, UInt64(bitPattern: s.id), UInt64(k)))
          let name = "\(stem)_aug\(k)"
          let imgPath = outDir + "/data/" + name + (jpeg ? ".jpg" : ".png"), maskPath = outDir + "/labels/" + name + ".png"
          try FileManager.default.createDirectory(atPath: (imgPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
          try FileManager.default.createDirectory(atPath: (maskPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
          try FileBytes.writeAtomically(jpeg ? JPEGEncoder.encode(img, quality: 95) : PNGEncoder.encode(img), to: imgPath)
          if let m { try FileBytes.writeAtomically(PNGEncoder.encode(m), to: maskPath) }
          written += 1
          bar.tick()
        }
      } catch {
        failed.append((s.path, "\(error)"))
      }
    }
    bar.finish()
    print(
      "wrote \(written) augmented samples (\(copies) per sample) to \(Sanitize.forTerminal(outDir)); open it with: segscope open \(Sanitize.forTerminal(outDir))"
    )
    for f in failed.prefix(20) { print("  \(Sanitize.forTerminal(f.0)): \(Sanitize.forTerminal(f.1))") }
    if Interrupt.isRequested { throw ExitCode(130) }
    if !failed.isEmpty { throw ExitCode.failure }
  }

  static func mix(_ a: UInt64, _ b: UInt64, _ c: UInt64) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for v in [a, b, c] {
      h ^= v
      h = h &* 0x100_0000_01b3
      h ^= h >> 29
    }
    return h
  }
}
