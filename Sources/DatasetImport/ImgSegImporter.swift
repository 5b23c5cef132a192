import Parallel
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
  /// What the user explicitly asked for and did not get (a `--pred` folder that is missing, empty or
  /// matched no image): the command exits 1 after importing the rest.
  public var failedRequests: [String] = []
}

/// A class-name file: line i names value i.
public enum ClassNames {
  /// Lines with LF or CRLF ends, a UTF-8 byte-order mark dropped, blanks trimmed, trailing empty
  /// lines dropped (an empty line inside leaves its value unnamed).
  public static func parse(_ text: String) -> [String] {
    var t = Substring(text)
    if t.hasPrefix("\u{FEFF}") { t = t.dropFirst() }
    // "\r\n" is one Character in Swift: split on both forms.
    let lines = t.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
    return lines.map { $0.trimmingCharacters() }.reversed().drop { $0.isEmpty }.reversed()
  }

  /// A class map as a `classes.txt` that `parse` (and the imgseg importer) reads back to the same
  /// classes: line v names value v up to the highest class; a value without a name is an empty line;
  /// ignore values above the highest class (255) get no line.
  public static func text(_ classes: [ClassInfo]) -> String {
    let maxValue = classes.filter { !$0.isIgnore }.map(\.value).max() ?? -1
    let byValue = Dictionary(classes.map { ($0.value, $0.name) }, uniquingKeysWith: { a, _ in a })
    guard maxValue >= 0 else { return "" }
    return (0...maxValue).map { (byValue[$0] ?? "") + "\n" }.joined()
  }
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
  /// Per-pixel class probabilities of a model, (field NAME, DIR): `STEM.npy` or `STEM.npz` (one
  /// float16/float32 array shaped (K, H, W), softmax outputs). Field NAME's mask is their argmax; the
  /// files are referenced where they are, and the label-error finder reads the probabilities.
  public var probabilities: [(String, String)] = []
  /// A class-name file (line i names value i); default `classes.txt` in the root.
  public var classesFile: String?
  public var ignoreValues: [Int] = [255]

  public init(root: String, predictions: [(String, String)] = [], classesFile: String? = nil) {
    self.root = root
    self.predictions = predictions
    self.classesFile = classesFile
  }

  static let imageExtensions: Set<String> = ["jpg", "jpeg", "png", "tif", "tiff"]
  static let maskExtensions: Set<String> = ["png", "tif", "tiff"]
  static let probabilityExtensions: Set<String> = ["npy", "npz"]
  static let splitNames: Set<String> = ["train", "val", "valid", "validation", "test", "trainval"]

  /// Whether `root` looks like this layout.
  public static func detect(_ root: String) -> Bool {
    (FileWalker.isDirectory(root + "/data") && FileWalker.isDirectory(root + "/labels"))
      || (FileWalker.isDirectory(root + "/images") && FileWalker.isDirectory(root + "/masks"))
  }

  /// Scans the folders, reads every header (on all cores), records samples, masks, classes and
  /// problems. Never stops at a broken file. A prediction or confidence folder that is missing,
  /// empty or matches no image is a failed request (`report.failedRequests`): the rest is imported.
  public func run(into store: DatasetStore, progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> ImportReport {
    let (imageDir, labelDir): (String, String) = FileWalker.isDirectory(root + "/data") ? ("data", "labels") : ("images", "masks")
    guard FileWalker.isDirectory(root + "/" + imageDir) else {
      throw StoreError.invalid("\(root): no data/ + labels/ or images/ + masks/ folders (use --format to choose another layout)")
    }
    var classNames = try readClassNames()
    var report = ImportReport()
    if classNames.count > 65536 {
      report.problems.append(
        (classesFile ?? "classes.txt", "names \(classNames.count) classes, but mask values stop at 65535: the lines after 65536 are ignored"))
      classNames = Array(classNames.prefix(65536))
    }
    // Images by relative stem.
    var images: [String: String] = [:]
    let imageListing = FileWalker.list(root + "/" + imageDir)
    report.problems += imageListing.problems(under: imageDir)
    report.problems += imageListing.skippedByExtension(accepted: Self.imageExtensions, folder: imageDir + "/", what: "image")
    for rel in imageListing.files {
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
    // Mask folders: ground truth first, then predictions, then confidence maps.
    var maskDirs: [(field: String, dir: FolderRef, requested: String?)] = []
    var probabilityFields = Set<String>()
    if FileWalker.isDirectory(root + "/" + labelDir) { maskDirs.append((FieldName.groundTruth, FolderRef(labelDir, root: root), nil)) }
    for (name, dir) in predictions {
      let ref = FolderRef(dir, root: root)
      guard FileWalker.isDirectory(ref.absolute) else {
        report.failedRequests.append("--pred \(name)=\(dir): \(FileWalker.exists(ref.absolute) ? "not a folder" : "no such folder")")
        continue
      }
      maskDirs.append((name, ref, "--pred \(name)=\(dir)"))
    }
    for (name, dir) in probabilities {
      let ref = FolderRef(dir, root: root)
      if predictions.contains(where: { $0.0 == name }) || name == FieldName.groundTruth {
        report.failedRequests.append("--probs \(name)=\(dir): '\(name)' is also given as --pred; a probability field's mask is its argmax, so give one of them")
        continue
      }
      guard FileWalker.isDirectory(ref.absolute) else {
        report.failedRequests.append("--probs \(name)=\(dir): \(FileWalker.exists(ref.absolute) ? "not a folder" : "no such folder")")
        continue
      }
      maskDirs.append((name, ref, "--probs \(name)=\(dir)"))
      probabilityFields.insert(name)
    }
    for (name, dir) in confidences {
      let ref = FolderRef(dir, root: root)
      guard predictions.contains(where: { $0.0 == name }) else {
        report.failedRequests.append("--conf \(name)=\(dir): '\(name)' is not a prediction field of this import (give --pred \(name)=DIR too)")
        continue
      }
      guard FileWalker.isDirectory(ref.absolute) else {
        report.failedRequests.append("--conf \(name)=\(dir): \(FileWalker.exists(ref.absolute) ? "not a folder" : "no such folder")")
        continue
      }
      maskDirs.append((name + ".confidence", ref, "--conf \(name)=\(dir)"))
    }
    var masks: [String: [String: String]] = [:]  // field -> stem -> stored path
    var definedDirs: [(field: String, dir: FolderRef)] = []
    let firstImageStem = images.keys.min()
    for (field, dir, requested) in maskDirs {
      let listing = FileWalker.list(dir.absolute)
      let shown = dir.stored
      report.problems += listing.problems(under: shown)
      let isProbs = probabilityFields.contains(field)
      let accepted = isProbs ? Self.probabilityExtensions : Self.maskExtensions.union(["jpg", "jpeg"])
      report.problems += listing.skippedByExtension(accepted: accepted, folder: shown + "/", what: isProbs ? "probability" : "mask")
      var byStem: [String: String] = [:]
      var candidates = 0
      var unmatched: [String] = []
      var orphans: [(String, String)] = []
      for rel in listing.files {
        let (stem, ext) = splitExtension(rel)
        guard accepted.contains(ext) else { continue }
        candidates += 1
        if images[stem] == nil {
          unmatched.append(stem)
          orphans.append((dir.storedPath(rel), "\(field) mask has no image with the stem '\(stem)'"))
          continue
        }
        byStem[stem] = dir.storedPath(rel)
      }
      if let requested, byStem.isEmpty {
        if candidates == 0 {
          report.failedRequests.append("\(requested): the folder holds no \(isProbs ? "probability files (.npy, .npz)" : "mask files (.png, .tif, .tiff)")")
        } else {
          var why = "0 of \(candidates) mask stems matched an image"
          if let m = unmatched.min(), let i = firstImageStem { why += "; first mask stem '\(m)' vs first image stem '\(i)'" }
          report.failedRequests.append("\(requested): \(why)")
        }
        continue
      }
      report.problems += orphans
      masks[field] = byStem
      definedDirs.append((field, dir))
    }
    // Prediction fields of earlier imports whose folders are gone: reported, never silently dropped.
    let given = Set(definedDirs.map(\.field))
    for f in try store.fields() where f.role != .groundTruth && !given.contains(f.name) {
      if let r = f.root, !r.isEmpty, !FileWalker.isDirectory(store.absolutePath(r)) {
        report.problems.append((r, "the folder of field '\(f.name)' is missing (moved or deleted?); its masks stay recorded but cannot be read"))
      }
    }
    // Headers, in parallel.
    let stems = images.keys.sorted()
    let results = ResultSlots<(NewSample?, [(String, String)])>(count: stems.count)
    let done = AtomicCounter()
    let imgs = images, msk = masks, fieldNames = definedDirs.map(\.field), rootDir = root
    // A probability file must have one plane per class of the class map (when there is one).
    let planes = classNames.isEmpty ? nil : classNames.enumerated().filter { !$0.element.isEmpty && !ignoreValues.contains($0.offset) }.count
    let probs = probabilityFields
    DispatchQueue.concurrentPerform(iterations: stems.count) { i in
      let r = Self.inspect(
        stem: stems[i], image: imageDir + "/" + imgs[stems[i]]!, masks: msk, fields: fieldNames, root: rootDir, probabilityFields: probs, planes: planes)
      results.set(i, r)
      progress?(done.increment(), stems.count)
    }
    let samples = report.collect(results.values())
    try ImportGuard.refuseEmpty(samples, store: store, root: root)
    // A folder the user asked for whose every mask failed its checks gave nothing: a failed request,
    // and no empty field.
    var empty = Set<String>()
    for (field, _, requested) in maskDirs {
      guard let requested, let wanted = masks[field], !wanted.isEmpty else { continue }
      if !samples.contains(where: { $0.masks.contains { $0.field == field } }) {
        report.failedRequests.append("\(requested): none of its \(wanted.count) masks could be read (the problems name each file)")
        empty.insert(field)
      }
    }
    definedDirs.removeAll { empty.contains($0.field) }
    // Classes.
    var classes: [ClassInfo] = []
    for (v, name) in classNames.enumerated() where !name.isEmpty {
      classes.append(ClassInfo(value: v, name: name, color: nil, isIgnore: ignoreValues.contains(v)))
    }
    for v in ignoreValues where !classes.contains(where: { $0.value == v }) { classes.append(ClassInfo(value: v, name: "ignore", isIgnore: true)) }
    for (field, dir) in definedDirs {
      if field.hasSuffix(".confidence") {
        try store.defineField(field, kind: .confidence, role: .confidence, root: dir.stored, classes: [])
      } else {
        try store.defineField(field, role: field == FieldName.groundTruth ? .groundTruth : .prediction, root: dir.stored, classes: classes)
      }
      report.fields.append(field)
    }
    report.counts = try store.upsertSamples(samples)
    report.samples = samples.count
    try store.replaceProblems(stage: "import", report.problems + report.failedRequests.map { ("command line", $0) })
    return report
  }

  /// The class names, line i naming value i. A `classesFile` the user gave must be readable: an
  /// error before anything is changed. Windows line ends, a byte-order mark and trailing blanks are
  /// accepted.
  func readClassNames() throws -> [String] {
    let file = classesFile ?? root + "/classes.txt"
    guard let text = FileWalker.readText(file) else {
      if let classesFile {
        throw StoreError.invalid("--classes \(classesFile): \(FileWalker.exists(classesFile) ? "not a readable file" : "no such file"); nothing was imported")
      }
      return []
    }
    return ClassNames.parse(text)
  }

  /// Reads the headers of one sample's files and checks them.
  static func inspect(
    stem: String, image: String, masks: [String: [String: String]], fields: [String], root: String, colorMasks: Bool = false,
    probabilityFields: Set<String> = [], planes: Int? = nil
  ) -> (
    NewSample?, [(String, String)]
  ) {
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
        let h = try ImageHeader.read(path: rel.hasPrefix("/") ? rel : root + "/" + rel)
        guard h.format != .jpeg else {
          problems.append((rel, "mask is a JPEG: lossy compression invents class values; store masks as PNG or TIFF"))
          continue
        }
        guard colorMasks || h.colorType == 0 || h.colorType == 3 else {
          problems.append((rel, "mask is an RGB(A) colour image; import it with --format rgb and a colour map"))
          continue
        }
        if h.width != header.displayWidth || h.height != header.displayHeight {
          let what = field == FieldName.groundTruth ? "ground truth" : "prediction '\(field)'"
          var msg = "\(what) is \(h.width)x\(h.height) but the image is \(header.displayWidth)x\(header.displayHeight)"
          if header.orientation != .up && h.width == header.width && h.height == header.height {
            msg += " (the mask matches the image before its Exif rotation)"
          }
          problems.append((rel, msg))
          if field == FieldName.groundTruth { continue }
        }
        if probabilityFields.contains(field), let planes, let k = h.classPlanes {
          if k != planes {
            problems.append((rel, "probabilities of '\(field)' have \(k) class planes, but the class map has \(planes) classes"))
            continue
          }
        }
        entries.append(MaskEntry(field: field, path: rel, width: h.width, height: h.height, bitDepth: h.bitDepth))
      } catch {
        problems.append((rel, error.kind.reasonText))
      }
    }
    let firstComponent = image.split(separator: "/").dropFirst().first.map(String.init)
    let split = firstComponent.flatMap { image.split(separator: "/").count > 2 && splitNames.contains($0.lowercased()) ? $0 : nil }
    let sample = NewSample(
      path: image, stem: stem, width: header.displayWidth, height: header.displayHeight, split: split, orientation: header.orientation.rawValue, masks: entries)
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
        if !s.masks.contains(where: { $0.field == FieldName.groundTruth }) { unlabeled += 1 }
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
