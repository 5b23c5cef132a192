import DatasetImport
import DatasetStore
import Foundation
import ImageCodec
import SegmentationCore

#if canImport(Glibc)
  import Glibc
#endif

/// Runs the user's own model over a dataset through a file protocol, and imports what it writes as a
/// prediction field.
///
/// For each batch segscope writes a JSON-lines manifest, one line per sample:
/// `{"id": N, "image": "/abs/image.jpg", "output": "/abs/.../NAME/STEM.png", "probs": "/abs/.../NAME/STEM.npy",
/// "confidence": "/abs/.../NAME.confidence/STEM.png"}`, and runs the command with `{manifest}` replaced by
/// the manifest's path (also in `SEGSCOPE_MANIFEST`). The command writes a label-map PNG (values =
/// class ids) or its softmax probabilities as a float16/32 (K, H, W) `.npy` (or both), and, if it can,
/// confidence PNGs. Each output is checked (present, readable, the image's size, values in the class
/// map; for probabilities also K, NaN and sums) and the good ones become field NAME (and
/// NAME.confidence). A sample with good probabilities gets them as its mask (the argmax), as
/// `import --probs` does, so `mistakes --pred NAME` uses them as evidence.
public struct PredictRunner: Sendable {
  public let store: DatasetStore
  public init(store: DatasetStore) { self.store = store }

  public struct Request: Sendable {
    public var name: String
    public var command: String
    public var sampleIds: [Int64]? = nil
    public var batch = 64
    public var force = false
    public init(name: String, command: String, sampleIds: [Int64]? = nil, batch: Int = 64, force: Bool = false) {
      self.name = name
      self.command = command
      self.sampleIds = sampleIds
      self.batch = batch
      self.force = force
    }
  }

  public struct Outcome: Sendable {
    public var total = 0
    /// Outputs imported: written by this run, or kept from an earlier one (newer than the image).
    public var imported = 0
    public var skipped = 0
    public var confidences = 0
    /// Samples whose field mask is the model's class probabilities.
    public var probabilities = 0
    /// (sample path, what is wrong): no output, or an output that cannot be used.
    public var failed: [(String, String)] = []
    /// Batches whose command exited non-zero: the status and the last lines of its stderr.
    public var commandFailures: [String] = []
    /// Dataset files (images, masks of other fields) that changed while the model ran: (path, how).
    /// The run stops at the first batch that changed any; this is an error.
    public var changedFiles: [(String, String)] = []
    public var cancelled = false

    /// One line for both front ends: what became field `name`.
    public func summary(name: String) -> String {
      var line = "\(name): \(imported) of \(total) samples imported"
      if skipped > 0 { line += " (\(skipped) kept from an earlier run: newer than their image)" }
      if probabilities > 0 { line += "; \(probabilities) as class probabilities (mistakes --pred \(name) uses them)" }
      if confidences > 0 { line += "; \(confidences) confidence maps (\(name).confidence)" }
      return line
    }

    /// The error when the model changed dataset files, or nil.
    public var damage: String? {
      guard let first = changedFiles.first else { return nil }
      let more = changedFiles.count > 1 ? " and \(changedFiles.count - 1) more (segscope info lists them)" : ""
      return
        "the model changed \(changedFiles.count) dataset file\(changedFiles.count == 1 ? "" : "s") while it ran; the run stopped: \(first.0) (\(first.1))\(more). Restore them before evaluating"
    }
  }

  /// Where the field's files go: beside the database (`.segscope/predictions/NAME/`).
  public func outputFolder(_ name: String) -> String {
    (store.databasePath as NSString).deletingLastPathComponent + "/predictions/" + name
  }

  static func validName(_ name: String) -> Bool {
    !name.isEmpty && name.count <= 64 && !name.hasPrefix(".") && !name.hasSuffix(".confidence")
      && name.unicodeScalars.allSatisfy { CharacterSet.alphanumerics.contains($0) || "_-.".unicodeScalars.contains($0) }
      && name.unicodeScalars.allSatisfy(\.isASCII)
  }

  public func run(_ r: Request, progress: (@Sendable (Int, Int) -> Void)? = nil, shouldStop: @escaping @Sendable () -> Bool = { false }) throws -> Outcome {
    guard Self.validName(r.name) else {
      throw StoreError.invalid("'\(r.name)' cannot name a field: use letters, digits, '_', '-' or '.', without a leading '.' or a '.confidence' ending")
    }
    guard r.command.contains("{manifest}") || r.command.contains("SEGSCOPE_MANIFEST") else {
      throw StoreError.invalid("the command must take the manifest: put {manifest} where its path goes (or read $SEGSCOPE_MANIFEST)")
    }
    guard r.batch >= 1 && r.batch <= 100_000 else { throw StoreError.invalid("--batch must be between 1 and 100000") }
    let fields = try store.fields()
    if let f = fields.first(where: { $0.name == r.name }), f.role != .prediction {
      throw StoreError.invalid("'\(r.name)' is the dataset's \(f.role.rawValue) field; choose another name for the predictions")
    }
    // A field that predict did not make (an imported model) would become a mix of two models.
    let existing = fields.contains { $0.name == r.name }
    let madeByPredict = try store.meta("predict:" + r.name) != nil
    if existing && !madeByPredict && !r.force {
      throw StoreError.invalid(
        "'\(r.name)' is an imported prediction field: predicting into it would mix two models. Choose another --name, or --force to replace the whole field"
      )
    }
    let gt = fields.first { $0.role == .groundTruth && $0.kind == .semantic }
    let classes = gt?.classes ?? []
    let allowed: Set<Int>? = (gt?.hasClassMap ?? false) ? Set(classes.map(\.value)) : nil
    let planes: Int? = (gt?.hasClassMap ?? false) ? classes.filter { !$0.isIgnore }.count : nil
    let ids = try r.sampleIds ?? store.sampleIds(ViewExpression())
    let samples = try store.samples(ids: ids)
    var out = Outcome()
    out.total = samples.count
    guard !samples.isEmpty else { throw StoreError.invalid("the view has no samples to predict") }
    let folder = outputFolder(r.name), confFolder = folder + ".confidence"
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    let started = Date()
    try store.defineField(r.name, role: .prediction, root: store.relativePath(folder), classes: classes)

    // Each sample's output files, mirroring the sample's path under the field's folder.
    func relativeStem(_ s: SampleRow) -> String {
      let p = s.path.hasPrefix("/") ? "outside/\(s.id)-\((s.path as NSString).lastPathComponent)" : s.path
      return (p as NSString).deletingPathExtension
    }
    var todo: [Item] = []
    var keep: [Item] = []
    for s in samples {
      let stem = relativeStem(s)
      let item = Item(sample: s, output: folder + "/" + stem + ".png", probs: folder + "/" + stem + ".npy", confidence: confFolder + "/" + stem + ".png")
      let written = [Self.mtime(item.output), Self.mtime(item.probs)].compactMap { $0 }.max()
      if !r.force, let o = written, let i = Self.mtime(store.absolutePath(s.path)), o >= i {
        keep.append(item)
      } else {
        todo.append(item)
      }
    }
    var masks: [(sampleId: Int64, mask: MaskEntry)] = [], confs: [(sampleId: Int64, mask: MaskEntry)] = []
    // Outputs kept from an earlier run are used only if they pass the checks now; the others are
    // predicted again.
    let failedKept = check(keep, reportFailures: false)
    let again = Set(failedKept.map(\.sample.id))
    keep.removeAll { again.contains($0.sample.id) }
    let position = Dictionary(samples.enumerated().map { ($1.id, $0) }, uniquingKeysWith: { a, _ in a })
    todo = (todo + failedKept).sorted { position[$0.sample.id, default: 0] < position[$1.sample.id, default: 0] }
    out.skipped = keep.count
    var done = keep.count
    progress?(done, samples.count)
    // Every file of the dataset the run touches, as it was before the model ran: the images it reads
    // and the masks of the other fields. A model that writes over any of them is caught.
    let watched = try todo.flatMap { item in
      [store.absolutePath(item.sample.path)]
        + (try store.masks(sampleId: item.sample.id)).filter { $0.key != r.name && $0.key != r.name + ".confidence" }.values.map(store.absolutePath)
    }
    let untouched = FileStamp.of(watched)
    @discardableResult
    func check(_ batch: [Item], reportFailures: Bool = true) -> [Item] {
      var failedItems: [Item] = []
      for item in batch {
        let s = item.sample, conf = item.confidence
        var found: (path: String, depth: Int)? = nil
        var probsProblem: String? = nil
        if FileManager.default.fileExists(atPath: item.probs) {
          switch Self.validateProbabilities(item.probs, sample: s, planes: planes, allowed: allowed) {
          case .success(let depth): found = (item.probs, depth)
          case .failure(let why): probsProblem = why.message
          }
        }
        if found == nil {
          switch Self.validate(item.output, sample: s, allowed: allowed) {
          case .success(let depth): found = (item.output, depth)
          case .failure(let why):
            failedItems.append(item)
            guard reportFailures else { continue }
            // Probabilities that cannot be used are the problem to report when they were all the model wrote.
            if let probsProblem, !FileManager.default.fileExists(atPath: item.output) {
              out.failed.append((s.path, probsProblem))
            } else {
              out.failed.append((s.path, why.message))
            }
            continue
          }
        }
        if let probsProblem, found != nil { out.failed.append((s.path, "probabilities not used: \(probsProblem)")) }
        if let (path, depth) = found {
          if path == item.probs { out.probabilities += 1 }
          masks.append((s.id, MaskEntry(field: r.name, path: store.relativePath(path), width: s.width, height: s.height, bitDepth: depth)))
          out.imported += 1
          if FileManager.default.fileExists(atPath: conf) {
            switch Self.validate(conf, sample: s, allowed: nil) {
            case .success(let d):
              confs.append(
                (s.id, MaskEntry(field: r.name + ".confidence", path: store.relativePath(conf), width: s.width, height: s.height, bitDepth: d)))
              out.confidences += 1
            case .failure(let why): out.failed.append((s.path, "confidence map: \(why.message)"))
            }
          }
        }
      }
      return failedItems
    }
    for start in stride(from: 0, to: todo.count, by: r.batch) {
      if shouldStop() {
        out.cancelled = true
        break
      }
      let batch = Array(todo[start..<min(todo.count, start + r.batch)])
      for item in batch {
        try FileManager.default.createDirectory(atPath: (item.output as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: (item.confidence as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        // A stale output must not pass for a new one.
        for path in [item.output, item.probs, item.confidence] { unlink(path) }
      }
      let manifest = folder + "/.manifest-\(getpid())-\(start / r.batch).jsonl"
      var lines = ""
      for item in batch {
        let obj: [String: Any] = [
          "id": item.sample.id, "image": store.absolutePath(item.sample.path), "output": item.output, "probs": item.probs, "confidence": item.confidence,
        ]
        let d = try JSONSerialization.data(withJSONObject: obj, options: [.sortedKeys, .withoutEscapingSlashes])
        lines += String(decoding: d, as: UTF8.self) + "\n"
      }
      try Data(lines.utf8).write(to: URL(fileURLWithPath: manifest))
      defer { unlink(manifest) }
      let before = done
      let result = try ChildProcess.run(
        command: r.command.replacingOccurrences(of: "{manifest}", with: ChildProcess.shellQuote(manifest)),
        environment: ["SEGSCOPE_MANIFEST": manifest], shouldStop: shouldStop
      ) {
        let written = batch.reduce(0) {
          $0 + (FileManager.default.fileExists(atPath: $1.output) || FileManager.default.fileExists(atPath: $1.probs) ? 1 : 0)
        }
        progress?(before + written, samples.count)
      }
      if result.cancelled {
        out.cancelled = true
        break
      }
      if result.status != 0 {
        let tail = result.stderrTail.isEmpty ? "" : ": " + result.stderrTail.joined(separator: " | ")
        out.commandFailures.append(
          "batch \(start / r.batch + 1) (samples \(start + 1)-\(start + batch.count)): the command exited with status \(result.status)\(tail)")
      }
      check(batch)
      done += batch.count
      progress?(done, samples.count)
      out.changedFiles = FileStamp.changes(untouched, now: FileStamp.of(watched)).map { (store.relativePath($0.0), $0.1) }
      if !out.changedFiles.isEmpty { break }
    }
    // --force on a field predict did not make replaces it whole: none of the other model's masks stay.
    if existing && !madeByPredict && r.force { try store.removeMasks(field: r.name) }
    try store.setMasks(field: r.name, masks)
    if !confs.isEmpty {
      try store.defineField(r.name + ".confidence", kind: .confidence, role: .confidence, root: store.relativePath(confFolder), classes: [])
      try store.setMasks(field: r.name + ".confidence", confs)
    }
    let record: [String: Any] = [
      "command": r.command, "started": ISO8601DateFormatter().string(from: started), "ended": ISO8601DateFormatter().string(from: Date()),
      "samples": out.total, "imported": out.imported, "probabilities": out.probabilities, "skipped": out.skipped, "failed": out.failed.count,
      "command_failures": out.commandFailures.count,
      "cancelled": out.cancelled,
    ]
    let json = String(decoding: try JSONSerialization.data(withJSONObject: record, options: [.sortedKeys, .withoutEscapingSlashes]), as: UTF8.self)
    try store.setMeta("predict:" + r.name, json)
    try store.replaceProblems(
      stage: "predict \(r.name)",
      out.failed.map { (store.relativePath($0.0), $0.1) } + out.changedFiles.map { ($0.0, "changed while the model ran (\($0.1)): check the file") })
    if !out.cancelled { _ = try HistogramIndexer(store: store).run(shouldStop: shouldStop) }
    return out
  }

  /// What identifies a file's content without reading it: device, inode, size and modification time.
  struct FileStamp: Equatable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var seconds: Int
    var nanoseconds: Int

    static func of(_ path: String) -> FileStamp? {
      var st = stat()
      guard stat(path, &st) == 0 else { return nil }
      return FileStamp(
        device: UInt64(st.st_dev), inode: UInt64(st.st_ino), size: Int64(st.st_size), seconds: st.st_mtim.tv_sec, nanoseconds: st.st_mtim.tv_nsec)
    }

    static func of(_ paths: [String]) -> [String: FileStamp?] {
      var out: [String: FileStamp?] = [:]
      for p in paths { out[p] = of(p) }
      return out
    }

    /// The files whose stamp differs, in path order, with what changed.
    static func changes(_ before: [String: FileStamp?], now: [String: FileStamp?]) -> [(String, String)] {
      before.keys.sorted().compactMap { path -> (String, String)? in
        let a = before[path] ?? nil, b = now[path] ?? nil
        guard a != b else { return nil }
        switch (a, b) {
        case (.some, nil): return (path, "deleted")
        case (nil, .some): return (path, "created")
        case (let a?, let b?):
          if a.size != b.size { return (path, "\(a.size) -> \(b.size) bytes") }
          if a.inode != b.inode || a.device != b.device { return (path, "replaced by another file") }
          return (path, "rewritten")
        default: return nil
        }
      }
    }
  }

  struct Why: Error {
    let message: String
  }

  /// One sample's files: the label map, the probabilities and the confidence map the model may write.
  struct Item {
    let sample: SampleRow
    let output: String
    let probs: String
    let confidence: String
  }

  /// Usable class probabilities for the sample (read whole: shape, K, NaN, sums): the bit depth of
  /// their argmax, or why not.
  static func validateProbabilities(_ path: String, sample: SampleRow, planes: Int?, allowed: Set<Int>?) -> Result<Int, Why> {
    let map: ProbabilityMap
    do { map = try NumpyProbabilities.read(path: path) } catch { return .failure(Why(message: "\(error)")) }
    guard map.width == sample.width, map.height == sample.height else {
      return .failure(Why(message: "\(path): \(map.width)x\(map.height), but the image is \(sample.width)x\(sample.height)"))
    }
    if let planes, map.classes != planes {
      return .failure(Why(message: "\(path): \(map.classes) class planes, but the class map has \(planes) classes"))
    }
    let mask = map.argmax()
    if let allowed {
      let outside = mask.histogram().keys.filter { !allowed.contains(Int($0)) }.sorted()
      if !outside.isEmpty {
        return .failure(Why(message: "\(path): class planes outside the class map: \(outside.prefix(8).map(String.init).joined(separator: ", "))"))
      }
    }
    return .success(mask.bitDepth)
  }

  /// A usable label map for the sample: its bit depth, or why not.
  static func validate(_ path: String, sample: SampleRow, allowed: Set<Int>?) -> Result<Int, Why> {
    guard FileManager.default.fileExists(atPath: path) else { return .failure(Why(message: "the model wrote no output (\(path))")) }
    let mask: LabelMask
    do { mask = try ImageLoader.loadMask(path: path) } catch { return .failure(Why(message: "\(error)")) }
    guard mask.width == sample.width, mask.height == sample.height else {
      return .failure(Why(message: "\(path): \(mask.width)x\(mask.height), but the image is \(sample.width)x\(sample.height)"))
    }
    if let allowed {
      let outside = mask.histogram().keys.filter { !allowed.contains(Int($0)) && $0 != 255 }.sorted()
      if !outside.isEmpty {
        return .failure(Why(message: "\(path): values outside the class map: \(outside.prefix(8).map(String.init).joined(separator: ", "))"))
      }
    }
    return .success(mask.bitDepth)
  }

  static func mtime(_ path: String) -> Double? {
    var st = stat()
    guard stat(path, &st) == 0 else { return nil }
    return Double(st.st_mtim.tv_sec) + Double(st.st_mtim.tv_nsec) / 1e9
  }
}
