import Parallel
import DatasetStore
import Dispatch
import ImageCodec
import SegmentationCore

/// PASCAL VOC segmentation: `JPEGImages/`, `SegmentationClass/` (palette PNGs read as indices, 255 =
/// void), `ImageSets/Segmentation/{train,val,trainval,test}.txt` split lists, and prediction folders
/// of index PNGs named by stem.
public struct VOCImporter: Sendable {
  public var root: String
  public var predictions: [(String, String)]
  /// CVAT "Segmentation mask 1.1": RGB masks read through `labelmap.txt` (VOC colours without it).
  public var colorMasks: Bool

  public init(root: String, predictions: [(String, String)] = [], colorMasks: Bool = false) {
    self.root = root
    self.predictions = predictions
    self.colorMasks = colorMasks
  }

  /// Whether `root` looks like a CVAT export with colour masks (a labelmap.txt).
  public static func detectCVAT(_ root: String) -> Bool {
    detect(root) && FileWalker.readText(root + "/labelmap.txt") != nil
  }

  /// Classes and colours from CVAT's labelmap.txt (`name:r,g,b:parts:actions`), or the VOC defaults.
  func colorClasses() -> ([ClassInfo], [UInt32: UInt16]) {
    VOCImporter.labelmap(FileWalker.readText(root + "/labelmap.txt"))
  }

  /// Parses CVAT's labelmap.txt text (nil: no file, the VOC classes). Lines that are comments or
  /// not `name:r,g,b:...` are passed over; an unknown colour maps to the ignore value 255. Does no I/O.
  public static func labelmap(_ text: String?) -> ([ClassInfo], [UInt32: UInt16]) {
    var classes: [ClassInfo] = []
    var map: [UInt32: UInt16] = [:]
    if let text {
      for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
        // Class values stop below 255 (the ignore value of colour masks).
        guard classes.count < 255 else { break }
        let parts = line.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 2 else { continue }
        let rgb = parts[1].split(separator: ",").compactMap { UInt32($0.trimmingCharacters()) }
        guard rgb.count == 3, rgb.allSatisfy({ $0 <= 255 }) else { continue }
        let value = classes.count
        let key = rgb[0] << 16 | rgb[1] << 8 | rgb[2]
        classes.append(
          ClassInfo(value: value, name: Sanitize.forTerminal(String(parts[0])), color: RGB(UInt8(rgb[0]), UInt8(rgb[1]), UInt8(rgb[2])).description))
        map[key] = UInt16(value)
      }
    }
    if classes.isEmpty {
      for (i, n) in VOCImporter.classNames.enumerated() {
        let c = RGB(hex: VOCImporter.color(i)) ?? RGB(0, 0, 0)
        classes.append(ClassInfo(value: i, name: n, color: c.description))
        map[UInt32(c.r) << 16 | UInt32(c.g) << 8 | UInt32(c.b)] = UInt16(i)
      }
    }
    classes.append(ClassInfo(value: 255, name: "unknown colour", color: "#e0e0c0", isIgnore: true))
    return (classes, map)
  }

  /// The 21 VOC classes.
  public static let classNames = [
    "background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow", "diningtable", "dog",
    "horse", "motorbike", "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor",
  ]

  public static func detect(_ root: String) -> Bool {
    FileWalker.isDirectory(root + "/JPEGImages") && FileWalker.isDirectory(root + "/SegmentationClass")
  }

  /// The VOC colour of index i (also CVAT's default): the bits of i spread over R, G, B from the top.
  public static func color(_ index: Int) -> String {
    var r = 0, g = 0, b = 0, i = index
    for j in 0..<8 {
      r |= (i & 1) << (7 - j)
      g |= ((i >> 1) & 1) << (7 - j)
      b |= ((i >> 2) & 1) << (7 - j)
      i >>= 3
    }
    return RGB(UInt8(r), UInt8(g), UInt8(b)).description
  }

  public func run(into store: DatasetStore, progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> ImportReport {
    var report = ImportReport()
    // Splits from the lists; train and val win over trainval.
    var split: [String: String] = [:]
    var listed: [String] = []
    for name in ["train", "val", "trainval", "test"] {
      guard let text = FileWalker.readText(root + "/ImageSets/Segmentation/\(name).txt") else { continue }
      for line in text.split(whereSeparator: \.isNewline) {
        let stem = String(line.split(separator: " ").first ?? "")
        guard !stem.isEmpty else { continue }
        if stem.contains("/") || stem.contains("..") {
          report.problems.append(("ImageSets/Segmentation/\(name).txt", "'\(stem)' is not a plain file stem; skipped"))
          continue
        }
        if split[stem] == nil { listed.append(stem) }
        if split[stem] == nil || name != "trainval" { split[stem] = name }
      }
    }
    var images: [String: String] = [:]
    let imageListing = FileWalker.list(root + "/JPEGImages")
    report.problems += imageListing.problems(under: "JPEGImages")
    report.problems += imageListing.skippedByExtension(accepted: ImgSegImporter.imageExtensions, folder: "JPEGImages/", what: "image")
    for rel in imageListing.files {
      let (stem, ext) = splitExtension(rel)
      if ImgSegImporter.imageExtensions.contains(ext) { images[stem] = rel }
    }
    var masks: [String: [String: String]] = [:]
    var fields: [(String, String)] = []
    var candidates: [(field: String, dir: FolderRef, requested: String?)] = [(FieldName.groundTruth, FolderRef("SegmentationClass", root: root), nil)]
    for (name, dir) in predictions { candidates.append((name, FolderRef(dir, root: root), "--pred \(name)=\(dir)")) }
    for (field, dir, requested) in candidates {
      guard FileWalker.isDirectory(dir.absolute) else {
        if let requested {
          report.failedRequests.append("\(requested): no such folder")
        } else {
          report.problems.append((dir.stored, "mask folder for '\(field)' is missing"))
        }
        continue
      }
      var byStem: [String: String] = [:]
      let listing = FileWalker.list(dir.absolute)
      report.problems += listing.problems(under: dir.stored)
      report.problems += listing.skippedByExtension(accepted: ["png"], folder: dir.stored + "/", what: "mask")
      var pngs = 0
      for rel in listing.files {
        let (stem, ext) = splitExtension(rel)
        guard ext == "png" else { continue }
        pngs += 1
        if images[stem] == nil {
          report.problems.append((dir.storedPath(rel), "\(field) mask has no image in JPEGImages"))
          continue
        }
        byStem[stem] = dir.storedPath(rel)
      }
      if let requested, byStem.isEmpty {
        report.failedRequests.append(
          "\(requested): " + (pngs == 0 ? "the folder holds no .png masks" : "0 of \(pngs) mask stems matched an image in JPEGImages"))
        continue
      }
      masks[field] = byStem
      fields.append((field, dir.stored))
    }
    // The segmentation subset: listed stems, or (without lists) every stem with a class mask.
    let stems = listed.isEmpty ? (masks[FieldName.groundTruth] ?? [:]).keys.sorted() : listed
    for s in stems where images[s] == nil { report.problems.append(("JPEGImages/\(s).jpg", "listed in ImageSets/Segmentation but missing")) }
    let todo = stems.filter { images[$0] != nil }
    let slots = ResultSlots<(NewSample?, [(String, String)])>(count: todo.count)
    let counter = AtomicCounter()
    let imgs = images, msk = masks, names = fields.map(\.0), rootDir = root, splits = split, color = colorMasks
    DispatchQueue.concurrentPerform(iterations: todo.count) { i in
      var (sample, problems) = ImgSegImporter.inspect(
        stem: todo[i], image: "JPEGImages/" + imgs[todo[i]]!, masks: msk, fields: names, root: rootDir, colorMasks: color)
      if let s = sample {
        sample = NewSample(path: s.path, stem: s.stem, width: s.width, height: s.height, split: splits[todo[i]], orientation: s.orientation, masks: s.masks)
      }
      slots.set(i, (sample, problems))
      progress?(counter.increment(), todo.count)
    }
    let samples = report.collect(slots.values())
    try ImportGuard.refuseEmpty(samples, store: store, root: root)
    var classes =
      VOCImporter.classNames.enumerated().map { ClassInfo(value: $0.offset, name: $0.element, color: VOCImporter.color($0.offset)) }
      + [ClassInfo(value: 255, name: "void", color: VOCImporter.color(255), isIgnore: true)]
    var decoding = MaskDecoding.identity
    if colorMasks {
      let (c, map) = colorClasses()
      classes = c
      decoding = .colors(map, unknown: 255)
    }
    for (field, dir) in fields where masks[field] != nil {
      try store.defineField(field, role: field == FieldName.groundTruth ? .groundTruth : .prediction, root: dir, classes: classes, decoding: decoding)
      report.fields.append(field)
    }
    report.counts = try store.upsertSamples(samples)
    report.samples = samples.count
    try store.replaceProblems(stage: "import", report.problems + report.failedRequests.map { ("command line", $0) })
    return report
  }
}
