import DatasetImport
import DatasetStore
import SegmentationCore

/// The folder layouts segscope imports.
public enum DatasetLayout: String, Sendable, CaseIterable {
  case cityscapes, rgb, voc, imgseg, coco

  /// What the layout looks like on disk, for messages.
  public var expected: String {
    switch self {
    case .cityscapes: return "leftImg8bit/ + gtFine/"
    case .rgb: return "labelmap.txt + SegmentationClass/"
    case .voc: return "JPEGImages/ + SegmentationClass/"
    case .imgseg: return "data/ + labels/ or images/ + masks/"
    case .coco: return "data/ + labels.json, or images/ + one .json"
    }
  }

  /// Whether the folder looks like this layout.
  public func matches(_ root: String) -> Bool {
    switch self {
    case .cityscapes: return CityscapesImporter.detect(root)
    case .rgb: return VOCImporter.detectCVAT(root)
    case .voc: return VOCImporter.detect(root)
    case .imgseg: return ImgSegImporter.detect(root)
    case .coco: return CocoImporter.detect(root)
    }
  }

  /// The first layout the folder matches, most specific first (a CVAT export is also VOC-like).
  public static func detect(_ root: String) -> DatasetLayout? { allCases.first { $0.matches(root) } }
}

/// One import of a folder: the layout chosen (or detected) and checked before anything changes,
/// the importer, then the mask-indexing pass. Prints nothing; progress goes to the callbacks.
public struct FolderImport: Sendable {
  public var format: DatasetLayout?
  /// (field name, folder): absolute, or relative to the dataset root.
  public var predictions: [(String, String)] = []
  public var confidences: [(String, String)] = []
  /// (field name, folder of STEM.npy / STEM.npz class probabilities).
  public var probabilities: [(String, String)] = []
  public var classesFile: String?
  /// Import with another layout than the dataset was made with.
  public var force = false
  /// Run the mask-indexing pass after reading headers (off: `segscope index` later, e.g. sharded).
  public var index = true

  public init(
    format: DatasetLayout? = nil, predictions: [(String, String)] = [], confidences: [(String, String)] = [], probabilities: [(String, String)] = [],
    classesFile: String? = nil, force: Bool = false, index: Bool = true
  ) {
    self.format = format
    self.predictions = predictions
    self.confidences = confidences
    self.probabilities = probabilities
    self.classesFile = classesFile
    self.force = force
    self.index = index
  }

  public struct Outcome: Sendable {
    public let layout: DatasetLayout
    public let report: ImportReport
    public let indexed: Int

    /// What `import` prints: counts, fields, changed and vanished files, the first problems.
    public func summary(_ store: DatasetStore) throws -> String {
      var text = ""
      func out(_ s: String) { text += s + "\n" }
      out(
        "imported \(report.samples) samples (\(report.counts.added) new, \(report.counts.updated) known) from \(Sanitize.forTerminal(store.root)); fields: \(report.fields.joined(separator: ", ")); \(report.unlabeled) without ground truth; \(indexed) masks indexed"
      )
      if !report.counts.changedMasks.isEmpty {
        out(
          "\(report.counts.changedMasks.count) mask files changed since the last import (their class counts were recomputed): "
            + report.counts.changedMasks.prefix(5).map(Sanitize.forTerminal).joined(separator: ", "))
      }
      if !report.counts.vanished.isEmpty {
        out(
          "\(report.counts.vanished.count) samples vanished since the last import: "
            + report.counts.vanished.prefix(5).map(Sanitize.forTerminal).joined(separator: ", "))
      }
      let problems = try store.problems()
      if !problems.isEmpty {
        out("\(problems.count) problems:")
        for p in problems.prefix(20) { out("  \(Sanitize.forTerminal(p.path)): \(Sanitize.forTerminal(p.problem))") }
        if problems.count > 20 { out("  ... (segscope info PATH lists them all)") }
      }
      return text
    }
  }

  /// Runs the import. `headers` and `indexing` get (done, total); `shouldStop` ends the indexing
  /// pass early (what it committed is kept and resumes next time).
  public func run(
    into store: DatasetStore, headers: (@Sendable (Int, Int) -> Void)? = nil, indexing: (@Sendable (Int, Int) -> Void)? = nil,
    shouldStop: @escaping @Sendable () -> Bool = { false }
  ) throws -> Outcome {
    let root = store.root
    guard let layout = format ?? DatasetLayout.detect(root) else {
      throw StoreError.invalid(
        "\(Sanitize.forTerminal(root)): cannot tell the dataset layout (expected data/ + labels/, images/ + masks/, VOC's JPEGImages/ + SegmentationClass/, or COCO's data/ + labels.json); choose one with --format"
      )
    }
    // A layout that is not there stops before it changes anything.
    guard layout.matches(root) else {
      throw StoreError.invalid("\(Sanitize.forTerminal(root)): no \(layout.rawValue) layout here (expected \(layout.expected)); nothing was changed")
    }
    try ImportGuard.checkFormat(layout.rawValue, store: store, force: force)
    if !confidences.isEmpty && layout != .imgseg {
      throw StoreError.invalid("--conf (confidence maps) is read for imgseg folders only, this one is \(layout.rawValue)")
    }
    if !probabilities.isEmpty && layout != .imgseg {
      throw StoreError.invalid("--probs (class probabilities) is read for imgseg folders only, this one is \(layout.rawValue)")
    }
    let report: ImportReport
    switch layout {
    case .imgseg:
      var importer = ImgSegImporter(root: root, predictions: predictions, classesFile: classesFile)
      importer.confidences = confidences
      importer.probabilities = probabilities
      report = try importer.run(into: store, progress: headers)
    case .coco: report = try CocoImporter(root: root, predictions: predictions).run(into: store, progress: headers)
    case .voc: report = try VOCImporter(root: root, predictions: predictions).run(into: store, progress: headers)
    case .rgb: report = try VOCImporter(root: root, predictions: predictions, colorMasks: true).run(into: store, progress: headers)
    case .cityscapes: report = try CityscapesImporter(root: root, predictions: predictions).run(into: store, progress: headers)
    }
    try store.setMeta("format", layout.rawValue)
    let (indexed, _) = index ? try HistogramIndexer(store: store).run(progress: indexing, shouldStop: shouldStop) : (0, [])
    return Outcome(layout: layout, report: report, indexed: indexed)
  }
}
