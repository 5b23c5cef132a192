import Parallel
import DatasetStore
import Dispatch
import Foundation
import ImageCodec
import SegmentationCore

/// COCO instance segmentation: FiftyOne's COCODetectionDataset (`data/` + `labels.json`) or
/// `images/` + one `*.json`; polygons, uncompressed and compressed RLE, iscrowd; results JSON files
/// (with scores) as prediction fields.
public struct CocoImporter: Sendable {
  public var root: String
  public var labels: String?
  public var images: String?
  public var predictions: [(String, String)]

  public init(root: String, labels: String? = nil, images: String? = nil, predictions: [(String, String)] = []) {
    self.root = root
    self.labels = labels
    self.images = images
    self.predictions = predictions
  }

  /// The labels file and image folder of a COCO layout, if `root` is one.
  public static func layout(_ root: String) -> (labels: String, images: String)? {
    let fm = FileManager.default
    if fm.fileExists(atPath: root + "/labels.json") && FileWalker.isDirectory(root + "/data") { return ("labels.json", "data") }
    if FileWalker.isDirectory(root + "/images") {
      let jsons = ((try? fm.contentsOfDirectory(atPath: root)) ?? []).filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }
      if jsons.count == 1 { return (jsons[0], "images") }
    }
    return nil
  }

  public static func detect(_ root: String) -> Bool { layout(root) != nil }

  struct ImageEntry {
    let id: Int
    let file: String
    let width: Int
    let height: Int
  }

  public func run(into store: DatasetStore, progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> ImportReport {
    guard let (labelsFile, imageDir) = (labels.map { ($0, images ?? "images") } ?? CocoImporter.layout(root)) else {
      throw StoreError.invalid("\(root): no COCO layout (data/ + labels.json, or images/ + one .json)")
    }
    var report = ImportReport()
    let doc = try CocoJSON.read(CocoLabelsFile.self, path: labelsFile.hasPrefix("/") ? labelsFile : root + "/" + labelsFile, name: labelsFile)
    let imageRef = FolderRef(imageDir, root: root)
    guard FileWalker.isDirectory(imageRef.absolute) else { throw StoreError.invalid("\(imageDir): no such image folder") }
    // Categories (ids may have gaps).
    var classes: [ClassInfo] = []
    var seenIds: [Int: String] = [:]
    for (i, entry) in (doc.categories ?? []).enumerated() {
      guard let c = entry.value, let id = c.id else {
        report.problems.append((labelsFile, "category \(i + 1) has no numeric id" + (entry.error.map { " (\($0))" } ?? "")))
        continue
      }
      let name = Sanitize.forTerminal(c.name ?? "category \(id)")
      if let first = seenIds[id] {
        report.problems.append((labelsFile, "category id \(id) appears twice ('\(first)' and '\(name)'); the first is kept"))
        continue
      }
      seenIds[id] = name
      classes.append(ClassInfo(value: id, name: name))
    }
    let known = Set(classes.map(\.value))
    // Images.
    var entries: [Int: ImageEntry] = [:]
    for entry in doc.images ?? [] {
      guard let im = entry.value, let id = im.id, let file = im.fileName, let w = im.width, let h = im.height, w > 0, h > 0 else {
        report.problems.append((labelsFile, "an image entry lacks id, file_name, width or height: skipped" + (entry.error.map { " (\($0))" } ?? "")))
        continue
      }
      // The JSON's size decides what the masks cost: bounded like a decoded image.
      guard w <= DecodeLimits.default.maxPixels / h else {
        report.problems.append((file, "the JSON says \(w)x\(h), over the limit of \(DecodeLimits.default.maxPixels) pixels; skipped"))
        continue
      }
      if file.hasPrefix("/") || file.split(separator: "/").contains("..") {
        report.problems.append((file, "file_name leaves the image folder; skipped"))
        continue
      }
      entries[id] = ImageEntry(id: id, file: file, width: w, height: h)
    }
    // Headers in parallel: the JSON size must match the file.
    let list = entries.values.sorted { $0.id < $1.id }
    let slots = ResultSlots<(NewSample?, [(String, String)])>(count: list.count)
    let counter = AtomicCounter()
    let rootDir = root
    DispatchQueue.concurrentPerform(iterations: list.count) { i in
      let e = list[i]
      let rel = imageRef.storedPath(e.file)
      do {
        let h = try ImageHeader.read(path: rel.hasPrefix("/") ? rel : rootDir + "/" + rel)
        var problems: [(String, String)] = []
        if h.displayWidth != e.width || h.displayHeight != e.height {
          problems.append((rel, "the JSON says \(e.width)x\(e.height) but the image is \(h.displayWidth)x\(h.displayHeight)"))
        }
        let stem = splitExtension(e.file).stem
        slots.set(i, (NewSample(path: rel, stem: stem, width: e.width, height: e.height, split: nil, orientation: h.orientation.rawValue, masks: []), problems))
      } catch {
        slots.set(i, (nil, [(rel, (error as? ImageCodecError)?.kind.reasonText ?? "\(error)")]))
      }
      progress?(counter.increment(), list.count)
    }
    let samples = report.collect(slots.values())
    try ImportGuard.refuseEmpty(samples, store: store, root: root)
    let present = Set(samples.map(\.path))
    func path(_ imageId: Int) -> String? {
      guard let e = entries[imageId] else { return nil }
      let p = imageRef.storedPath(e.file)
      return present.contains(p) ? p : nil
    }
    // Annotations.
    var instances: [NewInstance] = []
    let anns = doc.annotations ?? []
    var maxId = anns.compactMap { $0.value?.id }.max() ?? 0
    for (i, entry) in anns.enumerated() {
      guard let a = entry.value else {
        report.problems.append((labelsFile, "annotation \(i + 1) is malformed: \(entry.error ?? "?")"))
        continue
      }
      var id = a.id ?? 0
      if id == 0 {
        maxId += 1
        report.problems.append((labelsFile, "annotation id 0 renumbered to \(maxId) (pycocotools treats id 0 as unmatched)"))
        id = maxId
      }
      guard let imageId = a.imageId, let e = entries[imageId] else {
        report.problems.append((labelsFile, "annotation \(id) refers to an unknown image"))
        continue
      }
      guard let p = path(imageId) else { continue }
      guard let cat = a.categoryId, known.contains(cat) else {
        report.problems.append((labelsFile, "annotation \(id) has an unknown category"))
        continue
      }
      do {
        let rle = try CocoImporter.segmentation(a.segmentation, height: e.height, width: e.width)
        let area = a.area ?? Double(rle.area)
        instances.append(NewInstance(samplePath: p, sourceId: id, category: cat, isCrowd: a.iscrowd == 1, score: nil, area: area, rle: rle))
      } catch {
        report.problems.append((labelsFile, "annotation \(id): \(error)"))
      }
    }
    // Samples without any annotation are the unlabeled ones here (no masks are involved).
    let annotated = Set(instances.map(\.samplePath))
    report.unlabeled = samples.filter { !annotated.contains($0.path) }.count
    try store.defineField(FieldName.groundTruth, kind: .instance, role: .groundTruth, root: imageRef.stored, classes: classes)
    report.fields.append(FieldName.groundTruth)
    report.counts = try store.upsertSamples(samples)
    report.samples = samples.count
    try store.replaceInstances(field: FieldName.groundTruth, instances)
    // Results files as prediction fields.
    for (name, file) in predictions {
      do {
        let list = try CocoJSON.read([Lossy<CocoAnnotationRecord>].self, path: file.hasPrefix("/") ? file : root + "/" + file, name: file)
        // pycocotools' loadRes: when the first result has a bbox, every result's area is its box's area.
        let boxAreas = list.first?.value?.bbox?.isEmpty == false
        var preds: [NewInstance] = []
        for (i, entry) in list.enumerated() {
          guard let r = entry.value else {
            report.problems.append((file, "result \(i + 1) is malformed: \(entry.error ?? "?")"))
            continue
          }
          guard let imageId = r.imageId, let e = entries[imageId], let p = path(imageId) else {
            report.problems.append((file, "result \(i + 1) refers to an image that is not in the ground truth"))
            continue
          }
          guard let cat = r.categoryId, known.contains(cat) else {
            report.problems.append((file, "result \(i + 1) has an unknown category"))
            continue
          }
          do {
            let rle = try CocoImporter.segmentation(r.segmentation, height: e.height, width: e.width)
            var area = Double(rle.area)
            if boxAreas, let bb = r.bbox, bb.count == 4 { area = bb[2] * bb[3] }
            preds.append(NewInstance(samplePath: p, sourceId: i + 1, category: cat, isCrowd: false, score: r.score ?? 1, area: area, rle: rle))
          } catch {
            report.problems.append((file, "result \(i + 1): \(error)"))
          }
        }
        try store.defineField(name, kind: .instance, role: .prediction, root: file, classes: classes)
        try store.replaceInstances(field: name, preds)
        report.fields.append(name)
      } catch {
        report.failedRequests.append("--pred \(name)=\(file): \(error)")
      }
    }
    try store.replaceProblems(stage: "import", report.problems + report.failedRequests.map { ("command line", $0) })
    return report
  }

  /// A COCO segmentation (polygons, uncompressed or compressed RLE) as RLE of the image's size.
  static func segmentation(_ seg: CocoSegmentation?, height h: Int, width w: Int) throws -> CocoRLE {
    switch seg {
    case nil: throw StoreError.invalid("segmentation is neither polygons nor RLE")
    case .invalid(let why)?: throw StoreError.invalid(why)
    case .polygons(let parts)?:
      guard !parts.isEmpty, parts.allSatisfy({ $0.count >= 6 && $0.count % 2 == 0 }) else { throw StoreError.invalid("a polygon needs at least 3 points") }
      // pycocotools walks the outline pixel by pixel: a vertex far off the image would make that walk
      // (and its memory) as long as the coordinate. Vertices a little outside are fine and clipped.
      let side = Double(max(w, h)), lo = -2 * side - 64, hi = 3 * side + 64
      for part in parts {
        if let bad = part.first(where: { !$0.isFinite || $0 < lo || $0 > hi }) {
          throw StoreError.invalid("polygon coordinate \(bad) is far outside the \(w)x\(h) image (allowed \(Int(lo)) to \(Int(hi)))")
        }
      }
      return CocoRLE.polygons(parts, height: h, width: w)
    case .rle(let size, let counts)?:
      guard size.count == 2 else { throw StoreError.invalid("segmentation is neither polygons nor RLE") }
      guard size[0] == h, size[1] == w else { throw StoreError.invalid("RLE size \(size[0])x\(size[1]) differs from the image's \(h)x\(w)") }
      switch counts {
      case .compressed(let s):
        guard let r = CocoRLE(compressed: s, height: h, width: w) else { throw StoreError.invalid("malformed compressed RLE") }
        guard r.counts.reduce(0, { $0 + Int($1) }) == h * w else { throw StoreError.invalid("RLE counts do not cover the image") }
        return r
      case .uncompressed(let c):
        guard c.allSatisfy({ $0 >= 0 && $0 <= h * w }) else { throw StoreError.invalid("RLE counts do not cover the image") }
        let counts = c.map { UInt32(truncatingIfNeeded: $0) }
        guard counts.reduce(0, { $0 + Int($1) }) == h * w else { throw StoreError.invalid("RLE counts do not cover the image") }
        return CocoRLE(height: h, width: w, counts: counts)
      }
    }
  }
}
