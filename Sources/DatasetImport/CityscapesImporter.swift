import Parallel
import DatasetStore
import Dispatch
import ImageCodec
import SegmentationCore

/// Cityscapes: `leftImg8bit/<split>/<city>/<city>_<seq>_<frame>_leftImg8bit.png` with
/// `gtFine/<split>/<city>/..._gtFine_labelIds.png`. The label ids are read through the standard
/// labelId -> trainId mapping (19 classes, everything else ignored); prediction folders hold labelId
/// PNGs whose names start with `<city>_<seq>_<frame>` (the official evaluation's convention).
public struct CityscapesImporter: Sendable {
  public var root: String
  public var predictions: [(String, String)]

  public init(root: String, predictions: [(String, String)] = []) {
    self.root = root
    self.predictions = predictions
  }

  /// trainId -> (name, labelId).
  public static let classes: [(String, UInt16)] = [
    ("road", 7), ("sidewalk", 8), ("building", 11), ("wall", 12), ("fence", 13), ("pole", 17), ("traffic light", 19),
    ("traffic sign", 20), ("vegetation", 21), ("terrain", 22), ("sky", 23), ("person", 24), ("rider", 25), ("car", 26),
    ("truck", 27), ("bus", 28), ("train", 31), ("motorcycle", 32), ("bicycle", 33),
  ]

  /// labelId -> trainId; every other id (void, ignoreInEval, license plate) -> 255.
  public static var decoding: MaskDecoding {
    var m: [UInt16: UInt16] = [:]
    for (train, c) in classes.enumerated() { m[c.1] = UInt16(train) }
    return .lookup(m, otherwise: 255)
  }

  public static func detect(_ root: String) -> Bool {
    FileWalker.isDirectory(root + "/leftImg8bit") && FileWalker.isDirectory(root + "/gtFine")
  }

  /// `city_seq_frame` of a Cityscapes file name.
  static func key(_ file: String) -> String? {
    let base = String(file.split(separator: "/").last ?? "")
    let parts = base.split(separator: "_")
    guard parts.count >= 3 else { return nil }
    return parts[0..<3].joined(separator: "_")
  }

  public func run(into store: DatasetStore, progress: (@Sendable (Int, Int) -> Void)? = nil) throws -> ImportReport {
    var report = ImportReport()
    var images: [String: String] = [:]
    let imageListing = FileWalker.list(root + "/leftImg8bit")
    report.problems += imageListing.problems(under: "leftImg8bit")
    for rel in imageListing.files where rel.hasSuffix("_leftImg8bit.png") {
      guard let k = CityscapesImporter.key(rel) else { continue }
      images[k] = rel
    }
    var masks: [String: [String: String]] = [FieldName.groundTruth: [:], "instance_ids": [:]]
    let gtListing = FileWalker.list(root + "/gtFine")
    report.problems += gtListing.problems(under: "gtFine")
    for rel in gtListing.files {
      let field: String
      if rel.hasSuffix("_gtFine_labelIds.png") {
        field = FieldName.groundTruth
      } else if rel.hasSuffix("_gtFine_instanceIds.png") {
        field = "instance_ids"
      } else {
        continue
      }
      guard let k = CityscapesImporter.key(rel) else { continue }
      if images[k] == nil {
        report.problems.append(("gtFine/" + rel, "ground truth has no image in leftImg8bit"))
        continue
      }
      masks[field]?[k] = "gtFine/" + rel
    }
    var predRoots: [String: String] = [:]
    var fields = [FieldName.groundTruth]
    if !(masks["instance_ids"]?.isEmpty ?? true) { fields.append("instance_ids") }
    for (name, typed) in predictions {
      let dir = FolderRef(typed, root: root)
      guard FileWalker.isDirectory(dir.absolute) else {
        report.failedRequests.append("--pred \(name)=\(typed): no such folder")
        continue
      }
      var byKey: [String: String] = [:]
      let listing = FileWalker.list(dir.absolute)
      report.problems += listing.problems(under: dir.stored)
      var pngs = 0
      for rel in listing.files where rel.hasSuffix(".png") {
        pngs += 1
        guard let k = CityscapesImporter.key(rel), images[k] != nil else {
          report.problems.append((dir.storedPath(rel), "prediction matches no image"))
          continue
        }
        byKey[k] = dir.storedPath(rel)
      }
      if byKey.isEmpty {
        report.failedRequests.append(
          "--pred \(name)=\(typed): "
            + (pngs == 0 ? "the folder holds no .png masks" : "0 of \(pngs) predictions matched an image (names must keep CITY_SEQ_FRAME)"))
        continue
      }
      masks[name] = byKey
      fields.append(name)
      predRoots[name] = dir.stored
    }
    let keys = images.keys.sorted()
    let slots = ResultSlots<(NewSample?, [(String, String)])>(count: keys.count)
    let counter = AtomicCounter()
    let imgs = images, msk = masks, names = fields, rootDir = root
    DispatchQueue.concurrentPerform(iterations: keys.count) { i in
      var (sample, problems) = ImgSegImporter.inspect(stem: keys[i], image: "leftImg8bit/" + imgs[keys[i]]!, masks: msk, fields: names, root: rootDir)
      if let s = sample {
        let split = imgs[keys[i]]!.split(separator: "/").first.map(String.init)
        sample = NewSample(path: s.path, stem: s.stem, width: s.width, height: s.height, split: split, orientation: s.orientation, masks: s.masks)
      }
      slots.set(i, (sample, problems))
      progress?(counter.increment(), keys.count)
    }
    let samples = report.collect(slots.values())
    try ImportGuard.refuseEmpty(samples, store: store, root: root)
    var classes = CityscapesImporter.classes.enumerated().map { ClassInfo(value: $0.offset, name: $0.element.0) }
    classes.append(ClassInfo(value: 255, name: "ignore", isIgnore: true))
    for f in fields {
      if f == "instance_ids" {
        // 16-bit ids (labelId * 1000 + k), read as stored: the source of Cityscapes' iIoU.
        try store.defineField(f, kind: .instanceIds, role: .instanceIds, root: nil, classes: [], decoding: .identity)
      } else {
        try store.defineField(
          f, role: f == FieldName.groundTruth ? .groundTruth : .prediction, root: predRoots[f], classes: classes, decoding: CityscapesImporter.decoding)
      }
      report.fields.append(f)
    }
    report.counts = try store.upsertSamples(samples)
    report.samples = samples.count
    try store.replaceProblems(stage: "import", report.problems + report.failedRequests.map { ("command line", $0) })
    return report
  }
}
