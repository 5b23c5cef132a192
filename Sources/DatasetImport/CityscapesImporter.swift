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
    let boundary = FileWalker.realPath(root) ?? root
    var escaped: [String] = []
    var images: [String: String] = [:]
    for rel in FileWalker.files(in: root + "/leftImg8bit", boundary: boundary, escaped: &escaped) where rel.hasSuffix("_leftImg8bit.png") {
      guard let k = CityscapesImporter.key(rel) else { continue }
      images[k] = rel
    }
    var masks: [String: [String: String]] = ["ground_truth": [:], "instance_ids": [:]]
    for rel in FileWalker.files(in: root + "/gtFine", boundary: boundary, escaped: &escaped) {
      let field: String
      if rel.hasSuffix("_gtFine_labelIds.png") { field = "ground_truth" } else if rel.hasSuffix("_gtFine_instanceIds.png") { field = "instance_ids" } else { continue }
      guard let k = CityscapesImporter.key(rel) else { continue }
      if images[k] == nil {
        report.problems.append(("gtFine/" + rel, "ground truth has no image in leftImg8bit"))
        continue
      }
      masks[field]?[k] = "gtFine/" + rel
    }
    var fields = ["ground_truth"]
    if !(masks["instance_ids"]?.isEmpty ?? true) { fields.append("instance_ids") }
    for (name, dir) in predictions {
      guard FileWalker.isDirectory(root + "/" + dir) else {
        report.problems.append((dir, "prediction folder for '\(name)' is missing"))
        continue
      }
      var byKey: [String: String] = [:]
      for rel in FileWalker.files(in: root + "/" + dir, boundary: boundary, escaped: &escaped) where rel.hasSuffix(".png") {
        guard let k = CityscapesImporter.key(rel), images[k] != nil else {
          report.problems.append(("\(dir)/\(rel)", "prediction matches no image"))
          continue
        }
        byKey[k] = dir + "/" + rel
      }
      masks[name] = byKey
      fields.append(name)
    }
    for e in escaped { report.problems.append((e, "symbolic link leaves the dataset folder; skipped")) }
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
    var classes = CityscapesImporter.classes.enumerated().map { ClassInfo(value: $0.offset, name: $0.element.0) }
    classes.append(ClassInfo(value: 255, name: "ignore", isIgnore: true))
    for f in fields {
      if f == "instance_ids" {
        // 16-bit ids (labelId * 1000 + k), read as stored: the source of Cityscapes' iIoU.
        try store.defineField(f, kind: "instance_ids", role: "instance_ids", root: nil, classes: [], decoding: .identity)
      } else {
        try store.defineField(f, role: f == "ground_truth" ? "ground_truth" : "prediction", root: nil, classes: classes, decoding: CityscapesImporter.decoding)
      }
      report.fields.append(f)
    }
    report.counts = try store.upsertSamples(samples)
    report.samples = samples.count
    try store.replaceProblems(stage: "import", report.problems)
    return report
  }
}
