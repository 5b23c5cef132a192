import Augmentation
import DatasetImport
import DatasetStore
import Foundation
import ImageCodec
import SegmentationCore

#if canImport(Glibc)
  import Glibc
#endif

/// `segscope augment`: a new imgseg dataset of augmented copies of samples (image and ground-truth
/// mask moved together). Everything is written to a folder beside the destination and renamed into
/// place at the end: a run that crashes or is stopped leaves no half-written dataset.
public struct AugmentExport {
  /// Why nothing could be written: the message names the folder.
  public struct Problem: Error, CustomStringConvertible, Sendable {
    public let description: String
  }

  public struct Outcome: Sendable {
    public var written = 0
    /// Samples that could not be augmented: (path, why).
    public var failed: [(String, String)] = []
    /// Stopped before the end: nothing was moved into place.
    public var cancelled = false
  }

  public let store: DatasetStore
  public let pipeline: Pipeline
  public var copies = 1
  public var seed: UInt64 = 0

  public init(store: DatasetStore, pipeline: Pipeline) {
    self.store = store
    self.pipeline = pipeline
  }

  /// Augments the samples `ids` into the new folder `outDir` (`shown` is how messages name it).
  public func run(ids: [Int64], outDir: String, shown: String, progress: (Int) -> Void = { _ in }, shouldStop: @escaping @Sendable () -> Bool = { false })
    throws -> Outcome
  {
    var isDir: ObjCBool = false
    if FileManager.default.fileExists(atPath: outDir, isDirectory: &isDir) {
      guard isDir.boolValue else { throw Problem(description: "--out \(shown) is a file; give a new folder") }
      if let items = try? FileManager.default.contentsOfDirectory(atPath: outDir), !items.isEmpty {
        throw Problem(description: "--out \(shown) exists and is not empty; give a new folder")
      }
    }
    let fields = try store.fields()
    guard let gt = fields.first(where: { $0.name == FieldName.groundTruth && $0.kind == .semantic }) else {
      throw Problem(description: "the dataset has no semantic ground truth to augment")
    }
    let masks = Dictionary(try store.maskPairs(gt: gt.name, pred: gt.name, sampleIds: ids).map { ($0.0, $0.1) }, uniquingKeysWith: { a, _ in a })
    let samples = try store.samples(ids: ids)
    let parent = (outDir as NSString).deletingLastPathComponent
    let work = (parent.isEmpty ? "." : parent) + "/." + (outDir as NSString).lastPathComponent + ".partial-\(getpid())"
    Self.sweepPartials(beside: outDir)
    do {
      try FileManager.default.createDirectory(atPath: work + "/data", withIntermediateDirectories: true)
      try FileManager.default.createDirectory(atPath: work + "/labels", withIntermediateDirectories: true)
    } catch {
      throw Problem(description: "--out \(shown): cannot create the folder (\(String(cString: strerror(errno))))")
    }
    var finished = false
    defer { if !finished { try? FileManager.default.removeItem(atPath: work) } }
    // The source's class map, as it is (ignore values are not classes).
    if gt.hasClassMap { try ClassNames.text(gt.classes).write(toFile: work + "/classes.txt", atomically: true, encoding: .utf8) }
    var out = Outcome()
    samples: for s in samples {
      if shouldStop() { break }
      guard let ref = masks[s.id] else {
        out.failed.append((s.path, "no ground-truth mask"))
        continue
      }
      do {
        let image = try ImageLoader.loadImage(path: store.absolutePath(s.path)).image
        let mask = try ImageLoader.loadMask(path: store.absolutePath(ref.path), decoding: ref.decoding ?? gt.decoding).mask
        guard mask.width == image.width, mask.height == image.height else {
          out.failed.append((s.path, "mask \(mask.width)x\(mask.height) but image \(image.width)x\(image.height)"))
          continue
        }
        let rel = s.path.hasPrefix("/") ? "outside/\(s.id)-\((s.path as NSString).lastPathComponent)" : s.path
        // imgseg pairs data/REL.ext with labels/REL.png; the sample's own data/ prefix is dropped.
        var stem = (rel as NSString).deletingPathExtension
        if stem.hasPrefix("data/") || stem.hasPrefix("images/") { stem = String(stem.drop { $0 != "/" }.dropFirst()) }
        let jpeg = ["jpg", "jpeg"].contains((s.path as NSString).pathExtension.lowercased())
        for k in 0..<copies {
          let (img, m, _) = pipeline.draw(image: image, mask: mask, seed: Self.mix(seed, UInt64(bitPattern: s.id), UInt64(k)), shouldStop: shouldStop)
          if shouldStop() { break samples }
          let name = "\(stem)_aug\(k)"
          let imgPath = work + "/data/" + name + (jpeg ? ".jpg" : ".png"), maskPath = work + "/labels/" + name + ".png"
          try FileManager.default.createDirectory(atPath: (imgPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
          try FileManager.default.createDirectory(atPath: (maskPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
          try FileBytes.writeAtomically(jpeg ? JPEGEncoder.encode(img, quality: 95) : PNGEncoder.encode(img), to: imgPath)
          if let m { try FileBytes.writeAtomically(PNGEncoder.encode(m), to: maskPath) }
          out.written += 1
          progress(out.written)
        }
      } catch {
        out.failed.append((s.path, "\(error)"))
      }
    }
    if shouldStop() {
      out.cancelled = true
      return out
    }
    // An empty destination folder is replaced; rename(2) moves the finished dataset into place at once.
    if FileManager.default.fileExists(atPath: outDir) { rmdir(outDir) }
    guard rename(work, outDir) == 0 else {
      throw Problem(description: "--out \(shown): cannot move the finished dataset into place (\(String(cString: strerror(errno))))")
    }
    finished = true
    return out
  }

  /// Partial folders of earlier runs beside `out` whose process is gone (killed, crashed): removed.
  static func sweepPartials(beside out: String) {
    let parent = (out as NSString).deletingLastPathComponent
    let dir = parent.isEmpty ? "." : parent
    Leftovers.removeOfDeadProcesses(in: dir, prefix: "." + (out as NSString).lastPathComponent + ".partial-")
  }

  /// The seed of one draw: the run's seed, the sample and the copy.
  public static func mix(_ a: UInt64, _ b: UInt64, _ c: UInt64) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for v in [a, b, c] {
      h ^= v
      h = h &* 0x100_0000_01b3
      h ^= h >> 29
    }
    return h
  }
}
