import DatasetStore
import Foundation
import ImageCodec
import SegmentationCore

/// Writes a view of a dataset to a new folder: `imgseg` (data/ + labels/ + classes.txt), `voc`
/// (JPEGImages/, palette PNGs in SegmentationClass/, ImageSets/Segmentation lists) or `coco`
/// (data/ + labels.json with compressed RLE, readable by pycocotools) or `cvat` (CVAT's
/// "Segmentation mask 1.1": labelmap.txt, JPEGImages/, colour PNGs in SegmentationClass/,
/// ImageSets/Segmentation/default.txt). Masks are the newest revisions. The dataset's own files are
/// only read; images are copied byte for byte.
public struct Exporter: Sendable {
  /// The folder formats (`ExportFormat` lists them with the file formats).
  public typealias Format = FolderExport

  public let store: DatasetStore
  public init(store: DatasetStore) { self.store = store }

  /// What was written.
  public struct Report: Sendable {
    public var samples = 0
    public var annotations = 0
    public var problems: [(String, String)] = []
  }

  public func export(_ format: Format, sampleIds: [Int64], to out: String) throws -> Report {
    let fm = FileManager.default
    if fm.fileExists(atPath: out), let items = try? fm.contentsOfDirectory(atPath: out), !items.isEmpty {
      throw StoreError.invalid("\(out): the output folder exists and is not empty")
    }
    let gtField = try store.fields().first { $0.role == .groundTruth }
    let decoding = gtField?.decoding ?? .identity
    let classes = gtField?.classes ?? []
    let rows = try store.samples(ids: sampleIds)
    var report = Report()
    let vocLike = format == .voc || format == .cvat
    let imageDir = vocLike ? "JPEGImages" : "data"
    let maskDir = vocLike ? "SegmentationClass" : "labels"
    try fm.createDirectory(atPath: out + "/" + imageDir, withIntermediateDirectories: true)
    if format != .coco { try fm.createDirectory(atPath: out + "/" + maskDir, withIntermediateDirectories: true) }
    var cocoImages: [String] = [], cocoAnns: [String] = []
    var annId = 1
    var splits: [String: [String]] = [:]
    let cvatColors = Exporter.cvatColors(classes)
    let vocPalette: [RGBA] = (0..<256).map { i in
      let c = (format == .cvat ? cvatColors[i] : nil) ?? RGB(hex: VOCImporter.color(i)) ?? RGB(0, 0, 0)
      return RGBA(c.r, c.g, c.b)
    }
    let instanceField = gtField?.kind == .instance
    let instancesBySample =
      instanceField ? Dictionary(grouping: try store.instances(field: gtField?.name ?? FieldName.groundTruth, sampleIds: sampleIds), by: \.imageId) : [:]
    // Mask formats hold class values: 16-bit for imgseg, 8-bit palette indices for VOC and CVAT.
    if format != .coco {
      let limit = format == .imgseg ? 65535 : 254
      if let bad = classes.filter({ !$0.isIgnore && ($0.value < 0 || $0.value > limit) }).first {
        try? fm.removeItem(atPath: out)
        throw StoreError.invalid(
          "class '\(bad.name)' has the value \(bad.value), which a \(format.rawValue) mask cannot hold (0-\(limit)); nothing was exported (use --format coco)")
      }
    }
    for (n, row) in rows.enumerated() {
      // Flat output names: the relative stem with '/' replaced, so nested sources stay unique.
      let stem = row.stem.replacingOccurrences(of: "/", with: "__")
      let ext = (row.path as NSString).pathExtension.lowercased()
      let imageName = stem + "." + (ext.isEmpty ? "jpg" : ext)
      do {
        try FileBytes.writeAtomically(FileBytes.read(store.absolutePath(row.path)), to: "\(out)/\(imageDir)/\(imageName)")
      } catch {
        report.problems.append((row.path, error.description))
        continue
      }
      if let split = row.split { splits[split, default: []].append(stem) }
      let maskRef = try store.maskRefs(sampleId: row.id)[FieldName.groundTruth]
      let maskPath = maskRef?.path
      let decoding = maskRef?.decoding ?? decoding
      switch format {
      case .imgseg, .voc, .cvat:
        guard instanceField || maskPath != nil else { break }
        do {
          // Instances (COCO) become a semantic map of category ids: larger objects first, so smaller
          // ones stay visible; crowd regions are ignored (255).
          let mask =
            try maskPath.map { try ImageLoader.loadMask(path: store.absolutePath($0), decoding: decoding).mask }
            ?? Exporter.semanticMap(instancesBySample[Int(row.id)] ?? [], width: row.width, height: row.height)
          if format == .imgseg {
            try FileBytes.writeAtomically(PNGEncoder.encode(mask), to: "\(out)/\(maskDir)/\(stem).png")
          } else {
            guard case .u8(let v) = mask.storage else { throw StoreError.invalid("16-bit mask values do not fit a palette PNG") }
            try FileBytes.writeAtomically(
              PNGEncoder.encodePalette(width: mask.width, height: mask.height, indices: v, palette: vocPalette), to: "\(out)/\(maskDir)/\(stem).png")
          }
        } catch {
          report.problems.append((maskPath ?? row.path, "\(error)"))
        }
      case .coco:
        cocoImages.append("{\"id\":\(n + 1),\"file_name\":\(JSONText.quote(imageName)),\"width\":\(row.width),\"height\":\(row.height)}")
        if instanceField {
          for inst in instancesBySample[Int(row.id)] ?? [] {
            cocoAnns.append(annotationJSON(id: annId, image: n + 1, category: inst.categoryId, rle: inst.rle, area: inst.area, crowd: inst.isCrowd))
            annId += 1
          }
        } else if let maskPath {
          do {
            let mask = try ImageLoader.loadMask(path: store.absolutePath(maskPath), decoding: decoding).mask
            // One annotation per class present (semantic masks have no instances).
            let values = mask.values16
            for c in classes where !c.isIgnore {
              let bits = values.map { Int($0) == c.value }
              guard bits.contains(true) else { continue }
              let rle = CocoRLE(height: mask.height, width: mask.width, rowMajor: bits)
              cocoAnns.append(annotationJSON(id: annId, image: n + 1, category: c.value, rle: rle, area: Double(rle.area), crowd: false))
              annId += 1
            }
          } catch {
            report.problems.append((maskPath, "\(error)"))
          }
        }
      }
      report.samples += 1
    }
    report.annotations = annId - 1
    switch format {
    case .imgseg:
      try ClassNames.text(classes).write(toFile: out + "/classes.txt", atomically: true, encoding: .utf8)
    case .voc, .cvat:
      try fm.createDirectory(atPath: out + "/ImageSets/Segmentation", withIntermediateDirectories: true)
      let all = rows.map { $0.stem.replacingOccurrences(of: "/", with: "__") }
      let lists = splits.isEmpty || format == .cvat ? [format == .cvat ? "default" : "trainval": all] : splits
      if format == .cvat {
        var text = "# label:color_rgb:parts:actions\n"
        for c in classes {
          let rgb = cvatColors[c.value] ?? RGB(0, 0, 0)
          text += "\(c.name.replacingOccurrences(of: ":", with: "_")):\(rgb.r),\(rgb.g),\(rgb.b)::\n"
        }
        try text.write(toFile: out + "/labelmap.txt", atomically: true, encoding: .utf8)
      }
      for (name, stems) in lists {
        try (stems.joined(separator: "\n") + "\n").write(toFile: out + "/ImageSets/Segmentation/\(name).txt", atomically: true, encoding: .utf8)
      }
    case .coco:
      let cats = classes.filter { !$0.isIgnore }.map { "{\"id\":\($0.value),\"name\":\(JSONText.quote($0.name))}" }
      let json =
        "{\"images\":[" + cocoImages.joined(separator: ",") + "],\"annotations\":[" + cocoAnns.joined(separator: ",") + "],\"categories\":["
        + cats.joined(separator: ",") + "]}"
      try json.write(toFile: out + "/labels.json", atomically: true, encoding: .utf8)
    }
    return report
  }

  /// Instances painted as a semantic label map: category ids, 0 where there is none, 255 under crowds.
  static func semanticMap(_ items: [CocoInstance], width: Int, height: Int) -> LabelMask {
    var out = [UInt16](repeating: 0, count: width * height)
    let sized = items.filter { $0.rle.width == width && $0.rle.height == height }
    for inst in sized.filter({ !$0.isCrowd }).sorted(by: { $0.rle.area > $1.rle.area }) + sized.filter(\.isCrowd) {
      let value = inst.isCrowd ? 255 : UInt16(clamping: inst.categoryId)
      // COCO runs are column-major; the label map is row-major.
      var i = 0, on = false
      for run in inst.rle.counts {
        let end = min(i + Int(run), width * height)
        if on && i < end {
          for k in i..<end { out[(k % height) * width + k / height] = value }
        }
        i += Int(run)
        on.toggle()
      }
    }
    if out.allSatisfy({ $0 <= 255 }) { return LabelMask(width: width, height: height, values: out.map { UInt8($0) }) }
    return LabelMask(width: width, height: height, values16: out)
  }

  /// One distinct colour per class: the class's own colours when they are distinct, VOC's otherwise.
  static func cvatColors(_ classes: [ClassInfo]) -> [Int: RGB] {
    var own: [Int: RGB] = [:]
    for c in classes { if let hex = c.color, let rgb = RGB(hex: hex) { own[c.value] = rgb } }
    let distinct = Set(own.values.map { "\($0)" }).count == own.count && own.count == classes.count
    if distinct { return own }
    var out: [Int: RGB] = [:]
    for c in classes { out[c.value] = RGB(hex: VOCImporter.color(c.value & 255)) ?? RGB(0, 0, 0) }
    return out
  }

  func annotationJSON(id: Int, image: Int, category: Int, rle: CocoRLE, area: Double, crowd: Bool) -> String {
    let b = rle.boundingBox
    return
      "{\"id\":\(id),\"image_id\":\(image),\"category_id\":\(category),\"segmentation\":{\"size\":[\(rle.height),\(rle.width)],\"counts\":\(JSONText.quote(rle.compressed))},\"area\":\(area),\"bbox\":[\(b.x),\(b.y),\(b.w),\(b.h)],\"iscrowd\":\(crowd ? 1 : 0)}"
  }
}
