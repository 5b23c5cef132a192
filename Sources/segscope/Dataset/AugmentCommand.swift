import AppSession
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
    let outDir = typedPath(out)
    var isDir: ObjCBool = false
    if FileManager.default.fileExists(atPath: outDir, isDirectory: &isDir) {
      guard isDir.boolValue else { throw ValidationError("--out \(Sanitize.forTerminal(out)) is a file; give a new folder") }
      if let items = try? FileManager.default.contentsOfDirectory(atPath: outDir), !items.isEmpty {
        throw ValidationError("--out \(Sanitize.forTerminal(out)) exists and is not empty; give a new folder")
      }
    }
    let fields = try store.fields()
    guard let gt = fields.first(where: { $0.name == FieldName.groundTruth && $0.kind == .semantic }) else {
      throw ValidationError("the dataset has no semantic ground truth to augment")
    }
    let ids = try view.map { try store.sampleIds(parseView($0)) } ?? store.sampleIds(ViewExpression())
    let masks = Dictionary(try store.maskPairs(gt: gt.name, pred: gt.name, sampleIds: ids).map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
    let samples = try store.samples(ids: ids)
    // Everything is written to a folder beside --out and renamed at the end: a run that crashes or is
    // stopped leaves no half-written dataset where the next run wants to write.
    let parent = (outDir as NSString).deletingLastPathComponent
    let work = (parent.isEmpty ? "." : parent) + "/." + (outDir as NSString).lastPathComponent + ".partial-\(getpid())"
    Self.sweepPartials(beside: outDir)
    do {
      try FileManager.default.createDirectory(atPath: work + "/data", withIntermediateDirectories: true)
      try FileManager.default.createDirectory(atPath: work + "/labels", withIntermediateDirectories: true)
    } catch {
      throw ValidationError("--out \(Sanitize.forTerminal(out)): cannot create the folder (\(String(cString: strerror(errno))))")
    }
    var finished = false
    defer { if !finished { try? FileManager.default.removeItem(atPath: work) } }
    // The source's class map, as it is (ignore values are not classes).
    if gt.hasClassMap { try ClassNames.text(gt.classes).write(toFile: work + "/classes.txt", atomically: true, encoding: .utf8) }
    let bar = ProgressBar(label: "augmenting", total: samples.count * copies)
    var written = 0, failed: [(String, String)] = []
    samples: for s in samples {
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
          let (img, m, _) = pipe.draw(image: image, mask: mask, seed: Self.mix(seed, UInt64(bitPattern: s.id), UInt64(k))) { Interrupt.isRequested }
          if Interrupt.isRequested { break samples }
          let name = "\(stem)_aug\(k)"
          let imgPath = work + "/data/" + name + (jpeg ? ".jpg" : ".png"), maskPath = work + "/labels/" + name + ".png"
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
    if Interrupt.isRequested {
      print("cancelled: nothing was written to \(Sanitize.forTerminal(out))")
      throw ExitCode(130)
    }
    // An empty --out folder is replaced; rename(2) moves the finished dataset into place at once.
    if FileManager.default.fileExists(atPath: outDir) { rmdir(outDir) }
    guard rename(work, outDir) == 0 else {
      throw ValidationError("--out \(Sanitize.forTerminal(out)): cannot move the finished dataset into place (\(String(cString: strerror(errno))))")
    }
    finished = true
    print(
      "wrote \(written) augmented samples (\(copies) per sample) to \(Sanitize.forTerminal(outDir)); open it with: segscope open \(Sanitize.forTerminal(outDir))"
    )
    for f in failed.prefix(20) { print("  \(Sanitize.forTerminal(f.0)): \(Sanitize.forTerminal(f.1))") }
    if !failed.isEmpty { throw ExitCode.failure }
  }

  /// Partial folders of earlier runs beside `out` whose process is gone (killed, crashed): removed.
  static func sweepPartials(beside out: String) {
    let parent = (out as NSString).deletingLastPathComponent
    let dir = parent.isEmpty ? "." : parent
    Leftovers.removeOfDeadProcesses(in: dir, prefix: "." + (out as NSString).lastPathComponent + ".partial-")
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
