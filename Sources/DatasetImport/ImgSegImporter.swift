import DatasetStore
import Dispatch
import ImageCodec
import SegmentationCore

/// What an import found and did.
public struct ImportReport: Sendable {
  public var samples = 0
  public var counts = ImportCounts()
  public var fields: [String] = []
  public var unlabeled = 0
  public var problems: [(path: String, problem: String)] = []
}

/// FiftyOne's ImageSegmentationDirectory (`data/` + `labels/`) and the common `images/` + `masks/`
/// layout, paired by relative stem (nested folders allowed), with prediction folders beside.
public struct ImgSegImporter: Sendable {
  public var root: String
  /// (field name, folder) for each prediction folder; relative folders are under the root.
  public var predictions: [(String, String)]
  /// Per-pixel confidence maps of prediction fields, (prediction NAME, DIR): 8- or 16-bit gray PNGs
  /// paired by stem, read as value / 255 or value / 65535. Stored as field `NAME.confidence`.
  public var confidences: [(String, String)] = []
  /// A class-name file (line i names value i); default `classes.txt` in the root.
  public var classesFile: String?
  public var ignoreValues: [Int] = [255]

  public init(root: String, predictions: [(String, String)] = [], classesFile: String? = nil) {
    self.root = root
    self.predictions = predictions
    self.classesFile = classesFile
  }

  static let imageExtensions: Set<String> = ["jpg", "jpeg", "png"]
  static let splitNames: Set<String> = ["train", "val", "valid", "validation", "test", "trainval"]

  /// Whether `root` looks like this layout.
  public static func detect(_ root: String) -> Bool {
    (FileWalker.isDirectory(root + "/data") && FileWalker.isDirectory(root + "/labels"))
      || (FileWalker.isDirectory(root + "/images") && FileWalker.isDirectory(root + "/masks"))
  }

  /// Scans the folders, reads every header (on all cores), records samples, masks, classes and
  /// problems. Never stops at a broken file.
  public func run(into store: DatasetStore, progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> ImportReport {
    let (imageDir, labelDir): (String, String) = FileWalker.isDirectory(root + "/data") ? ("data", "labels") : ("images", "masks")
    guard FileWalker.isDirectory(root + "/" + imageDir) else {
      throw StoreError.invalid("\(root): no data/ + labels/ or images/ + masks/ folders (use --format to choose another layout)")
    }
    let boundary = FileWalker.realPath(root) ?? root
    var report = ImportReport()
    var escaped: [String] = []
    // Images by relative stem.
    var images: [String: String] = [:]
    for rel in FileWalker.files(in: root + "/" + imageDir, boundary: boundary, escaped: &escaped) {
      let (stem, ext) = splitExtension(rel)
      guard Self.imageExtensions.contains(ext) else { continue }
      if let other = images[stem] {
        report.problems.append(("\(imageDir)/\(rel)", "two images share the stem '\(stem)' (also \(imageDir)/\(other)); both skipped"))
        images[stem] = ""
        continue
      }
      images[stem] = rel
    }
    images = images.filter { !$0.value.isEmpty }
    for e in escaped { report.problems.append((e, "symbolic link leaves the dataset folder; skipped")) }
    // Mask folders: ground truth first, then predictions.
    var maskDirs: [(field: String, dir: String)] = []
    if FileWalker.isDirectory(root + "/" + labelDir) { maskDirs.append(("ground_truth", labelDir)) }
    for (name, dir) in predictions {
      let rel = dir.hasPrefix("/") ? relativeOrNil(dir, boundary: boundary) : dir
      guard let rel, FileWalker.isDirectory(root + "/" + rel) else {
        report.problems.append((dir, "prediction folder for '\(name)' is missing or outside the dataset folder"))
        continue
      }
      maskDirs.append((name, rel))
    }
    for (name, dir) in confidences {
      let rel = dir.hasPrefix("/") ? relativeOrNil(dir, boundary: boundary) : dir
      guard predictions.contains(where: { $0.0 == name }) else {
        report.problems.append((dir, "confidence maps for '\(name)', which is not a prediction field of this import (give --pred \(name)=DIR too)"))
        continue
      }
      guard let rel, FileWalker.isDirectory(root + "/" + rel) else {
        report.problems.append((dir, "confidence folder for '\(name)' is missing or outside the dataset folder"))
        continue
      }
      maskDirs.append((name + ".confidence", rel))
    }
    var masks: [String: [String: String]] = [:]  // field -> stem -> rel path (from root)
    for (field, dir) in maskDirs {
      var esc: [String] = []
      var byStem: [String: String] = [:]
      for rel in FileWalker.files(in: root + "/" + dir, boundary: boundary, escaped: &esc) {
        let (stem, ext) = splitExtension(rel)
        guard ext == "png" || ext == "jpg" || ext == "jpeg" else { continue }
        if images[stem] == nil {
          report.problems.append(("\(dir)/\(rel)", "\(field) mask has no image with the stem '\(stem)'"))
          continue
        }
        byStem[stem] = dir + "/" + rel
      }
      for e in esc { report.problems.append(("\(dir)/\(e)", "symbolic link leaves the dataset folder; skipped")) }
      masks[field] = byStem
    }
    // Headers, in parallel.
    let stems = images.keys.sorted()
    let results = ResultSlots<(NewSample?, [(String, String)])>(count: stems.count)
    let done = AtomicCounter()
    let imgs = images, msk = masks, dirs = maskDirs, rootDir = root
    DispatchQueue.concurrentPerform(iterations: stems.count) { i in
      results.set(i, Self.inspect(stem: stems[i], image: imageDir + "/" + imgs[stems[i]]!, masks: msk, fields: dirs.map(\.field), root: rootDir))
      progress?(done.increment(), stems.count)
    }
    let samples = report.collect(results.values())
    // Classes.
    let classNames = readClassNames()
    var classes: [ClassInfo] = []
    for (v, name) in classNames.enumerated() where !name.isEmpty { classes.append(ClassInfo(value: v, name: name, color: nil, isIgnore: ignoreValues.contains(v))) }
    for v in ignoreValues where !classes.contains(where: { $0.value == v }) { classes.append(ClassInfo(value: v, name: "ignore", isIgnore: true)) }
    for (field, dir) in maskDirs {
      if field.hasSuffix(".confidence") {
        try store.defineField(field, kind: "confidence", role: "confidence", root: dir, classes: [])
      } else {
        try store.defineField(field, role: field == "ground_truth" ? "ground_truth" : "prediction", root: dir, classes: classes)
      }
      report.fields.append(field)
    }
    report.counts = try store.upsertSamples(samples)
    report.samples = samples.count
    try store.replaceProblems(stage: "import", report.problems)
    return report
  }

  func relativeOrNil(_ abs: String, boundary: String) -> String? {
    guard let real = FileWalker.realPath(abs), real.hasPrefix(boundary + "/") else { return nil }
    return String(real.dropFirst(boundary.count + 1))
  }

  func readClassNames() -> [String] {
    let file = classesFile ?? root + "/classes.txt"
    guard let text = FileWalker.readText(file) else { return [] }
    return text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters() }
      .reversed().drop { $0.isEmpty }.reversed()
  }

  /// Reads the headers of one sample's files and checks them.
  static func inspect(stem: String, image: String, masks: [String: [String: String]], fields: [String], root: String, colorMasks: Bool = false) -> (NewSample?, [(String, String)]) {
    var problems: [(String, String)] = []
    let header: ImageHeader
    do {
      header = try ImageHeader.read(path: root + "/" + image)
    } catch {
      return (nil, [(image, error.kind.reasonText)])
    }
    var entries: [MaskEntry] = []
    for field in fields {
      guard let rel = masks[field]?[stem] else { continue }
      do {
        let h = try ImageHeader.read(path: root + "/" + rel)
        guard h.format == .png else {
          problems.append((rel, "mask is a JPEG: lossy compression invents class values; store masks as PNG"))
          continue
        }
        guard colorMasks || h.colorType == 0 || h.colorType == 3 else {
          problems.append((rel, "mask is an RGB(A) colour image; import it with --format rgb and a colour map"))
          continue
        }
        if h.width != header.displayWidth || h.height != header.displayHeight {
          let what = field == "ground_truth" ? "ground truth" : "prediction '\(field)'"
          var msg = "\(what) is \(h.width)x\(h.height) but the image is \(header.displayWidth)x\(header.displayHeight)"
          if header.orientation != .up && h.width == header.width && h.height == header.height { msg += " (the mask matches the image before its Exif rotation)" }
          problems.append((rel, msg))
          if field == "ground_truth" { continue }
        }
        entries.append(MaskEntry(field: field, path: rel, width: h.width, height: h.height, bitDepth: h.bitDepth))
      } catch {
        problems.append((rel, error.kind.reasonText))
      }
    }
    let firstComponent = image.split(separator: "/").dropFirst().first.map(String.init)
    let split = firstComponent.flatMap { image.split(separator: "/").count > 2 && splitNames.contains($0.lowercased()) ? $0 : nil }
    let sample = NewSample(path: image, stem: stem, width: header.displayWidth, height: header.displayHeight, split: split, orientation: header.orientation.rawValue, masks: entries)
    return (sample, problems)
  }
}

extension ImportReport {
  /// Gathers the per-sample results of a header pass: samples kept, problems noted, unlabeled counted.
  mutating func collect(_ results: [(NewSample?, [(String, String)])?]) -> [NewSample] {
    var samples: [NewSample] = []
    for r in results {
      guard let r else { continue }
      problems += r.1
      if let s = r.0 {
        samples.append(s)
        if !s.masks.contains(where: { $0.field == "ground_truth" }) { unlabeled += 1 }
      }
    }
    return samples
  }
}

extension ImageCodecError.Kind {
  /// The reason alone (the path is reported beside it).
  public var reasonText: String {
    let full = ImageCodecError(path: "", kind: self).description
    return String(full.dropFirst(2))
  }
}

extension Substring {
  func trimmingCharacters() -> String {
    String(self.drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed().drop { $0 == " " || $0 == "\t" || $0 == "\r" }.reversed())
  }
}
