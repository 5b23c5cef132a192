import Curation
import DatasetImport
import DatasetStore
import Foundation
import ImageCodec
import SegmentationCore
import TerminalRender

/// Writes a view's samples as a table (CSV or JSON: id, path, split, size, mIoU and accuracy in a
/// run, tags, open flags) or as a PNG contact sheet (image with ground truth, error map, caption).
public struct ViewExport {
  /// The file formats (`ExportFormat` lists them with the folder formats).
  public typealias Kind = FileExport

  public let store: DatasetStore
  /// The run whose metrics are listed (nil: none).
  public let run: EvalRun?

  public init(store: DatasetStore, run key: String?) throws {
    self.store = store
    let runs = try store.runs().filter { $0.kind == .semantic }
    if let key {
      guard let r = runs.first(where: { $0.key == key }) else { throw StoreError.notFound("evaluation run '\(key)'") }
      run = r
    } else {
      run = runs.last
    }
  }

  public struct Row {
    let sample: SampleRow
    let miou: Double?
    let accuracy: Double?
    let tags: [String]
    let openFlags: Int
    /// FiftyOne's per-sample accuracy, precision and recall (runs made with --dialect fiftyone).
    var fiftyone: (Double?, Double?, Double?)? = nil
  }

  /// Whether the run stores FiftyOne's per-sample fields.
  var isFiftyOne: Bool { (try? run?.metricDialect()) == .fiftyone }

  public func rows(_ ids: [Int64]) throws -> [Row] {
    let samples = try store.samples(ids: ids)
    let tags = try store.tags(ids: ids)
    var miou: [Int64: Double] = [:], acc: [Int64: Double] = [:]
    if let run {
      miou = try store.sampleMIoU(run: run.key, ids: ids)
      acc = try store.sampleAccuracy(run: run.key, ids: ids)
    }
    var flags: [Int64: Int] = [:]
    var open = FlagFilter()
    open.state = .open
    for f in try store.flags(open) { flags[f.sampleId, default: 0] += 1 }
    var fo: [[Int64: Double]] = []
    if let run, isFiftyOne { fo = try ["acc_fo", "precision_fo", "recall_fo"].map { try store.sampleColumn($0, run: run.key, ids: ids) } }
    return samples.map {
      var row = Row(sample: $0, miou: miou[$0.id], accuracy: acc[$0.id], tags: tags[$0.id] ?? [], openFlags: flags[$0.id] ?? 0)
      if fo.count == 3 { row.fiftyone = (fo[0][$0.id], fo[1][$0.id], fo[2][$0.id]) }
      return row
    }
  }

  /// Writes the file; returns the number of samples written.
  public func write(_ kind: Kind, ids: [Int64], title: String, to out: String) throws -> Int {
    switch kind {
    case .map:
      // The embedding map of the samples (signatures made first where missing).
      let (sigs, _) = try Curator(store: store).signatures(ids: ids)
      let (points, explained) = try EmbeddingMap.build(store: store, signatures: sigs, order: ids, run: run?.key, className: nil)
      guard !points.isEmpty else { throw StoreError.invalid("a map needs 2 samples or more whose images can be read") }
      try FileBytes.writeAtomically(EmbeddingMap.png(points, explained: explained, title: title.isEmpty ? "all samples" : title), to: out)
      return points.count
    case .csv:
      var text = "id,path,split,width,height,miou,accuracy,tags,open_flags,run" + (isFiftyOne ? ",acc_fo,precision_fo,recall_fo" : "") + "\n"
      for r in try rows(ids) {
        let miou: String = r.miou.map { String($0) } ?? ""
        let acc: String = r.accuracy.map { String($0) } ?? ""
        var fields: [String] = [String(r.sample.id), r.sample.path, r.sample.split ?? ""]
        fields += [String(r.sample.width), String(r.sample.height), miou, acc]
        fields += [r.tags.joined(separator: ";"), String(r.openFlags), run?.key ?? ""]
        if let (a, p, rc) = r.fiftyone { fields += [a, p, rc].map { $0.map { String($0) } ?? "" } }
        text += fields.map(ViewExport.csvField).joined(separator: ",") + "\n"
      }
      try FileBytes.writeAtomically(Array(text.utf8), to: out)
      return ids.count
    case .json:
      let samples = try rows(ids).map { r in
        var s = ViewExportReport.Sample(
          id: r.sample.id, path: r.sample.path, split: Nullable(r.sample.split), width: r.sample.width, height: r.sample.height,
          miou: Nullable(number: r.miou), accuracy: Nullable(number: r.accuracy), tags: r.tags, openFlags: r.openFlags)
        if let (a, p, rc) = r.fiftyone {
          s.accFo = Nullable(number: a)
          s.precisionFo = Nullable(number: p)
          s.recallFo = Nullable(number: rc)
        }
        return s
      }
      let text = try JSONOutput.string(ViewExportReport(view: title, run: Nullable(run?.key), samples: samples)) + "\n"
      try FileBytes.writeAtomically(Array(text.utf8), to: out)
      return ids.count
    case .sheet:
      let tiles = try rows(ids).map(tile)
      var o = ContactSheet.Options()
      o.palette = try palette()
      let gt = try store.fields().first { $0.role == .groundTruth }
      o.ignore = Set(gt?.classes.filter(\.isIgnore).map { UInt16($0.value) } ?? []).union([255])
      // The app's rule: a class 0 named background stays transparent.
      o.hidden = BackgroundClass.value(classZeroName: gt?.classes.first { $0.value == 0 && !$0.isIgnore }?.name).map { [$0] } ?? []
      let sheet = ContactSheet.render(
        tiles, title: "\(title.isEmpty ? "all samples" : title)  (\(ids.count) samples\(run.map { ", run " + $0.key } ?? ""))", options: o)
      try FileBytes.writeAtomically(PNGEncoder.encode(sheet), to: out)
      return tiles.count
    }
  }

  /// One sample's tile; a broken file gives a captioned grey tile instead of stopping the sheet.
  public func tile(_ r: Row) throws -> ContactSheet.Tile {
    var caption = [r.sample.path]
    var line = r.miou.map { "mIoU \(ClassNaming.percent($0))%" } ?? "not evaluated"
    if r.openFlags > 0 { line += "  \(r.openFlags) flag\(r.openFlags == 1 ? "" : "s")" }
    if !r.tags.isEmpty { line += "  " + r.tags.joined(separator: ",") }
    caption.append(line)
    let image: RGBImage
    do {
      image = try ImageLoader.loadImage(path: store.absolutePath(r.sample.path), scale: .quarter).image
    } catch {
      caption.append("unreadable: \(error)")
      return ContactSheet.Tile(image: RGBImage(width: 4, height: 3, fill: RGB(80, 80, 80)), groundTruth: nil, prediction: nil, caption: caption)
    }
    let refs = try store.maskRefs(sampleId: r.sample.id)
    let decodings = Dictionary(uniqueKeysWithValues: try store.fields().map { ($0.name, $0.decoding) })
    func mask(_ field: String?) -> LabelMask? {
      guard let field, let ref = refs[field] else { return nil }
      guard let m = try? ImageLoader.loadMask(path: store.absolutePath(ref.path), decoding: ref.decoding ?? decodings[field] ?? .identity).mask else {
        caption.append("\(field): unreadable mask")
        return nil
      }
      guard m.width == r.sample.width, m.height == r.sample.height else {
        caption.append("\(field): \(m.width)x\(m.height) mask on a \(r.sample.width)x\(r.sample.height) image")
        return nil
      }
      // The picture may have been decoded at a quarter scale; masks follow it.
      return m.width == image.width && m.height == image.height ? m : m.resizedNearest(width: image.width, height: image.height)
    }
    let gt = mask(FieldName.groundTruth)
    let pred = mask(run?.predField)
    return ContactSheet.Tile(image: image, groundTruth: gt, prediction: pred, caption: caption)
  }

  public func palette() throws -> ClassPalette {
    var colors: [UInt16: RGB] = [:]
    for c in try store.fields().first(where: { $0.role == .groundTruth })?.classes ?? [] {
      if let hex = c.color, let rgb = RGB(hex: hex) { colors[UInt16(c.value)] = rgb }
    }
    return ClassPalette(colors: colors)
  }

  public static func csvField(_ s: String) -> String {
    let clean = Sanitize.forTerminal(s)
    let formula: Bool = clean.first.map { "=+-@".contains($0) } ?? false
    let special: Bool = clean.contains { $0 == "," || $0 == "\"" || $0 == "\n" }
    guard special || formula else { return clean }
    // Quoted; a leading formula character is neutralised for spreadsheets.
    let body: String = formula ? "'" + clean : clean
    return "\"" + body.replacingOccurrences(of: "\"", with: "\"\"") + "\""
  }

  public static func number(_ v: Double?) -> String {
    guard let v, !v.isNaN else { return "null" }
    return "\(v)"
  }
}
