import DatasetStore
import Foundation
import ImageCodec
import SegmentationCore

/// Reads masks corrected outside segscope (an export that went through CVAT or another tool) back
/// as new revisions of the ground truth, one sample at a time, with what changed per class.
///
/// Folders it reads, as `Exporter` writes them:
/// - `imgseg`: `labels/STEM.png` (or `masks/`) holding class ids;
/// - `cvat`: CVAT "Segmentation mask 1.1" — `SegmentationClass/STEM.png` colours, read through
///   `labelmap.txt`, whose names are matched to the dataset's class names;
/// - `coco`: `labels.json` whose annotations are painted by category id in file order; pixels no
///   annotation covers become the ignore value.
/// Stems are the sample stems with `/` written as `__`.
public struct CorrectionImporter: Sendable {
  public enum Format: String, Sendable, CaseIterable { case imgseg, cvat, coco }

  public let store: DatasetStore
  public let folder: String
  public let format: Format
  public var field = FieldName.groundTruth

  public init(store: DatasetStore, folder: String, format: Format? = nil) throws {
    self.store = store
    self.folder = folder
    if let format {
      self.format = format
    } else if FileManager.default.fileExists(atPath: folder + "/labelmap.txt") {
      self.format = .cvat
    } else if FileManager.default.fileExists(atPath: folder + "/labels.json") {
      self.format = .coco
    } else if FileWalker.isDirectory(folder + "/labels") || FileWalker.isDirectory(folder + "/masks") {
      self.format = .imgseg
    } else {
      throw StoreError.invalid("\(folder): no labelmap.txt (cvat), labels.json (coco) or labels/ (imgseg) here; choose with --format")
    }
  }

  /// What happened to one sample.
  public struct Outcome: Sendable {
    public let sampleId: Int64?
    public let name: String
    /// The stored edit (revision and per-class diff), or nil when the file was not used.
    public let edit: MaskEditor.Edit?
    public let problem: String?
  }

  /// Reads every corrected mask; `each` is called after each sample is committed (or skipped), so
  /// what was reported is in the database even if the process dies right after.
  public func run(shouldStop: @Sendable () -> Bool = { false }, each: (Outcome) -> Void) throws {
    let fields = try store.fields()
    guard let gt = fields.first(where: { $0.name == field }) else { throw StoreError.notFound("mask field '\(field)'") }
    guard gt.kind == .semantic else { throw StoreError.invalid("'\(field)' holds instances; corrections are read for semantic masks only") }
    // Samples by exported stem.
    let ids = try store.sampleIds(ViewExpression())
    var byStem: [String: SampleRow] = [:]
    for row in try store.samples(ids: ids) { byStem[row.stem.replacingOccurrences(of: "/", with: "__")] = row }
    let editor = MaskEditor(store: store)
    let ignore = UInt16(gt.classes.first { $0.isIgnore }?.value ?? 255)
    for (name, load) in try sources(gt) {
      if shouldStop() { return }
      guard let row = byStem[name] else {
        each(Outcome(sampleId: nil, name: name, edit: nil, problem: "no sample with this stem in the dataset"))
        continue
      }
      do {
        let (before, ref) = try editor.current(sampleId: row.id, field: field)
        let after = try load(row, ignore)
        guard after.width == before.width, after.height == before.height else {
          throw StoreError.invalid("corrected mask is \(after.width)x\(after.height), the sample's is \(before.width)x\(before.height)")
        }
        let edit = try editor.commit(
          sampleId: row.id, field: field, base: ref.revision, before: before, after: after, note: "re-imported from \(format.rawValue) folder \(folder)")
        each(Outcome(sampleId: row.id, name: name, edit: edit, problem: nil))
      } catch {
        each(Outcome(sampleId: row.id, name: name, edit: nil, problem: "\(error)"))
      }
    }
  }

  typealias Loader = @Sendable (SampleRow, UInt16) throws -> LabelMask

  /// (stem, loader) for every corrected mask in the folder, by stem.
  func sources(_ gt: FieldInfo) throws -> [(String, Loader)] {
    switch format {
    case .imgseg, .cvat:
      let sub = format == .cvat ? "SegmentationClass" : (FileWalker.isDirectory(folder + "/labels") ? "labels" : "masks")
      let dir = folder + "/" + sub
      guard FileWalker.isDirectory(dir) else { throw StoreError.invalid("\(dir): no such folder") }
      var decoding = MaskDecoding.identity
      if format == .cvat { decoding = try cvatDecoding(gt) }
      let d = decoding
      return FileWalker.list(dir).files.filter { $0.lowercased().hasSuffix(".png") }.sorted().map { rel in
        let stem = String(rel.dropLast(4)).replacingOccurrences(of: "/", with: "__")
        let path = dir + "/" + rel
        return (
          stem,
          { _, _ in
            let (mask, unknown) = try ImageLoader.loadMask(path: path, decoding: d)
            guard unknown.isEmpty else {
              throw StoreError.invalid("\(sub)/\(rel): \(unknown.values.reduce(0, +)) pixels of colours not in labelmap.txt; not imported")
            }
            return mask
          }
        )
      }
    case .coco:
      let doc = try CocoJSON.read(CocoLabelsFile.self, path: folder + "/labels.json", name: "labels.json")
      guard let images = doc.images else { throw StoreError.invalid("labels.json: no images list") }
      let anns = (doc.annotations ?? []).compactMap(\.value)
      let byImage = Dictionary(grouping: anns) { $0.imageId ?? -1 }
      return images.compactMap(\.value).compactMap { img -> (String, Loader)? in
        guard let id = img.id, let file = img.fileName else { return nil }
        let stem = ((file as NSString).deletingPathExtension).replacingOccurrences(of: "/", with: "__")
        let list = byImage[id] ?? []
        var painted: [(Int, CocoRLE?, String?)] = []
        let w = img.width ?? 0, h = img.height ?? 0
        for a in list {
          let cat = a.categoryId ?? -1
          do {
            painted.append((cat, try CocoImporter.segmentation(a.segmentation, height: h, width: w), nil))
          } catch {
            painted.append((cat, nil, "annotation \(a.id ?? -1): \(error)"))
          }
        }
        let paints = painted
        return (
          stem,
          { row, ignore in
            guard w == row.width, h == row.height else { throw StoreError.invalid("labels.json says \(w)x\(h), the sample is \(row.width)x\(row.height)") }
            var values = [UInt16](repeating: ignore, count: w * h)
            for (cat, rle, problem) in paints {
              if let problem { throw StoreError.invalid(problem) }
              guard let rle, cat >= 0, cat <= Int(UInt16.max) else { continue }
              for (i, on) in rle.decode().enumerated() where on { values[i] = UInt16(cat) }
            }
            return LabelMask(width: w, height: h, values16: values).narrowed() ?? LabelMask(width: w, height: h, values16: values)
          }
        )
      }
    }
  }

  /// CVAT colours to the dataset's class ids, by class name.
  func cvatDecoding(_ gt: FieldInfo) throws -> MaskDecoding {
    guard let text = FileWalker.readText(folder + "/labelmap.txt") else { throw StoreError.invalid("\(folder)/labelmap.txt: cannot read it") }
    var map: [UInt32: UInt16] = [:]
    var unknown: [String] = []
    for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
      let parts = line.split(separator: ":", omittingEmptySubsequences: false)
      guard parts.count >= 2 else { continue }
      let rgb = parts[1].split(separator: ",").compactMap { UInt32($0.trimmingCharacters(in: .whitespaces)) }
      guard rgb.count == 3, rgb.allSatisfy({ $0 <= 255 }) else { continue }
      let name = String(parts[0])
      guard let c = gt.classes.first(where: { $0.name == name }) else {
        unknown.append(name)
        continue
      }
      map[rgb[0] << 16 | rgb[1] << 8 | rgb[2]] = UInt16(c.value)
    }
    guard unknown.isEmpty else {
      throw StoreError.invalid("labelmap.txt names classes the dataset does not have: \(unknown.map(Sanitize.forTerminal).joined(separator: ", "))")
    }
    return .colors(map, unknown: UInt16(gt.classes.first { $0.isIgnore }?.value ?? 255))
  }
}
