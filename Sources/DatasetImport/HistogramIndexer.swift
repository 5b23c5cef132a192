import Parallel
import Foundation
import DatasetStore
import Synchronization
import Dispatch
import ImageCodec
import SegmentationCore

#if canImport(Glibc)
  import Glibc
#endif

/// The pass that decodes every mask once and stores its class histogram, so that class filters
/// (`class:car>500`) and `info` pixel counts need no decoding later. Work is committed in batches:
/// an interrupted pass resumes where it stopped.
public struct HistogramIndexer: Sendable {
  public let store: DatasetStore
  public var batchSize = 256

  public init(store: DatasetStore) { self.store = store }

  /// Masks still to index: (sample id, field, relative path, decoding override).
  /// How far the indexing pass got: masks indexed and masks in all (present samples, newest
  /// revisions, class-mask fields). Numbers from a partial index undercount.
  public func coverage() throws -> (indexed: Int, total: Int) { try store.histogramCoverage() }

  /// The warning for numbers read from a partial index, or nil when the index is complete.
  public func incompleteWarning() throws -> String? {
    let (indexed, total) = try coverage()
    return indexed < total
      ? "index incomplete (\(indexed) of \(total) masks); run segscope import to finish: class counts and class filters undercount until then" : nil
  }

  public func pending() throws -> [(Int64, String, String, String?)] { try store.pendingHistogramMasks() }

  /// Indexes every pending mask on all cores. There are exactly as many threads as cores, all of
  /// them decoding: whichever worker completes a batch (in order) commits it, so the database writes
  /// take no thread of their own from the decoders. `shouldStop` is polled before every mask and
  /// every commit (Ctrl-C): what was committed stays, the rest resumes next time.
  /// Returns the number indexed and the problems found (unreadable masks, values outside the class map).
  public func run(progress: (@Sendable (Int, Int) -> Void)? = nil, shouldStop: @escaping @Sendable () -> Bool = { false }) throws -> (
    indexed: Int, problems: [(String, String)]
  ) {
    let t0 = DispatchTime.now().uptimeNanoseconds
    let todo = try pending()
    guard !todo.isEmpty else { return (0, []) }
    let tPending = DispatchTime.now().uptimeNanoseconds - t0
    let rules = Rules(try store.fields())
    let committer = BatchCommitter(count: todo.count, batchSize: batchSize)
    let root = store
    let counter = AtomicCounter()
    let claimed = AtomicCounter()
    // Commits every batch that is complete, in order, unless another worker is committing (it will
    // look again when it is done). Runs on the worker threads.
    @Sendable func commitReady() {
      while !shouldStop(), let (range, results) = committer.nextReadyBatch() {
        var rows: [(Int64, String, Data, Data?)] = []
        var found: [(String, String)] = []
        for (k, r) in results.enumerated() {
          let (sid, field, path, _) = todo[range.lowerBound + k]
          let (row, problems) = HistogramIndexer.row(sampleId: sid, field: field, path: path, result: r, classMap: rules.classMaps[field] ?? [])
          rows.append(row)
          found += problems
        }
        let finalRows = rows
        let tw = DispatchTime.now().uptimeNanoseconds
        do {
          try root.storeHistograms(finalRows)
          committer.committed(range, problems: found, writeNanos: DispatchTime.now().uptimeNanoseconds - tw)
        } catch {
          committer.failed(error)
          return
        }
      }
    }
    DispatchQueue.concurrentPerform(iterations: ProcessInfoLite.activeProcessorCount) { _ in
      // Claimed one at a time (not in fixed stripes): a worker slowed down by a commit simply takes
      // fewer masks, and all of them finish together.
      while !committer.isStopped && !shouldStop() {
        let i = claimed.increment() - 1
        if i >= todo.count { break }
        committer.put(i, rules.index(path: root.absolutePath(todo[i].2), field: todo[i].1, decoding: todo[i].3))
        progress?(counter.increment(), todo.count)
        commitReady()
      }
      commitReady()
    }
    let outcome = committer.outcome()
    defer {
      if getenv("SEGSCOPE_TRACE") != nil {
        print(
          "indexer: \(tPending / 1_000_000) ms finding pending masks, \(outcome.writeNanos / 1_000_000) ms in database writes, \((DispatchTime.now().uptimeNanoseconds - t0) / 1_000_000) ms in all"
        )
      }
    }
    if let error = outcome.error { throw error }
    let problems = outcome.problems
    try storeProblems(reread: Set(todo.prefix(outcome.committed).map(\.2)), problems: problems)
    // The class and split columns that views read, built now and kept in the database: the first
    // `query` after an import answers from them like any later one.
    if outcome.committed > 0 && !shouldStop() { try? store.warmViewColumns() }
    return (outcome.committed, problems)
  }

  /// Earlier problems stay for the masks this pass did not read; a mask read again keeps only what
  /// this pass found (a repaired file loses its old complaint). Rewritten only when something changed:
  /// a clean pass over a clean dataset writes nothing more.
  func storeProblems(reread: Set<String>, problems: [(String, String)]) throws {
    let stored = try store.problems().filter { $0.stage == "histogram" }
    let old = stored.filter { !reread.contains($0.path) }.map { ($0.path, $0.problem) }
    if !problems.isEmpty || old.count != stored.count {
      try store.replaceProblems(stage: "histogram", old + problems)
    }
  }

  /// What the pass needs to know of the fields: how each field's masks decode, its class values (to
  /// name values outside the class map), and the ground truth, whose mask layout is made here too
  /// (curation's signatures use it).
  struct Rules: Sendable {
    var decodings: [String: MaskDecoding] = [:]
    var classMaps: [String: Set<Int>] = [:]
    var gtName: String?
    var gtIgnore: Set<UInt16>

    init(_ fields: [FieldInfo]) {
      for f in fields {
        // Without a class map there is nothing to be outside of.
        classMaps[f.name] = f.hasClassMap ? Set(f.classes.map(\.value)) : []
        decodings[f.name] = f.decoding
      }
      let gt = fields.first { $0.role == .groundTruth && $0.kind == .semantic }
      gtName = gt?.name
      gtIgnore = Set((gt?.classes ?? []).filter(\.isIgnore).map { UInt16(clamping: $0.value) }).union([255])
    }

    /// One pending mask read with its field's rules (`decoding`: the mask's own override, serialized).
    func index(path: String, field: String, decoding: String?) -> Result<([UInt16: Int], [UInt32: Int], Data?), ImageCodecError> {
      HistogramIndexer.index(
        path: path, decoding: decoding.map { MaskDecoding(serialized: $0) } ?? decodings[field] ?? .identity, layout: field == gtName, ignore: gtIgnore)
    }
  }

  /// One mask read: its histogram, the colours its colour map does not know, and (for the ground
  /// truth) its layout.
  static func index(path: String, decoding: MaskDecoding, layout: Bool, ignore: Set<UInt16>) -> Result<([UInt16: Int], [UInt32: Int], Data?), ImageCodecError> {
    do throws(ImageCodecError) {
      let loaded = try ImageLoader.loadMask(path: path, decoding: decoding)
      let packed = layout ? Data(MaskLayout.pack(MaskLayout.of(loaded.mask, ignore: ignore))) : nil
      return .success((loaded.mask.histogram(), loaded.unknownColors, packed))
    } catch {
      return .failure(error)
    }
  }

  /// The row stored for one mask, and the problems it has (unreadable, unknown colours, values
  /// outside the class map). An unreadable mask gets an empty histogram, so that the pass does not
  /// retry it forever; its problem stays listed until the file is fixed and the sample re-imported.
  static func row(sampleId: Int64, field: String, path: String, result: Result<([UInt16: Int], [UInt32: Int], Data?), ImageCodecError>, classMap: Set<Int>)
    -> ((Int64, String, Data, Data?), [(String, String)])
  {
    switch result {
    case .success(let (hist, unknownColors, layout)):
      var found: [(String, String)] = []
      if !unknownColors.isEmpty {
        let list = unknownColors.sorted { $0.value > $1.value }.prefix(6).map {
          "\(RGB(UInt8($0.key >> 16), UInt8(($0.key >> 8) & 0xFF), UInt8($0.key & 0xFF))) (\($0.value) px)"
        }.joined(separator: ", ")
        found.append((path, "\(unknownColors.values.reduce(0, +)) pixels of colours not in the colour map: \(list)"))
      }
      if let outside = outsideClassMap(hist.map { (Int($0.key), $0.value) }, classMap: classMap) { found.append((path, outside)) }
      return ((sampleId, field, ClassHistogram.pack(hist), layout), found)
    case .failure(let e):
      return ((sampleId, field, Data(), nil), [(path, e.kind.reasonText)])
    }
  }

  static let outsideClassMapPrefix = "values outside the class map: "

  /// The problem of a mask with values outside a (non-empty) class map, or nil.
  static func outsideClassMap(_ hist: [(value: Int, pixels: Int)], classMap: Set<Int>) -> String? {
    guard !classMap.isEmpty else { return nil }
    let outside = hist.filter { !classMap.contains($0.value) && $0.pixels > 0 }
    guard !outside.isEmpty else { return nil }
    let list = outside.sorted { $0.value < $1.value }.prefix(8).map { "\($0.value) (\($0.pixels) px)" }.joined(separator: ", ")
    return outsideClassMapPrefix + list
  }

  /// Pixel count, sample count per (field, value), over present samples.
  public func totals() throws -> [String: [Int: (pixels: Int, samples: Int)]] { try store.histogramTotals() }
}

/// Decoded results arriving out of order, handed out as complete batches in order to one committer
/// at a time.
final class BatchCommitter: Sendable {
  typealias Item = Result<([UInt16: Int], [UInt32: Int], Data?), ImageCodecError>
  private struct State {
    var items: [Item?]
    var next = 0
    var committing = false
    var done = 0
    var problems: [(String, String)] = []
    var writeNanos: UInt64 = 0
    var error: (any Error)?
  }

  private let batchSize: Int
  private let state: Mutex<State>

  init(count: Int, batchSize: Int) {
    state = Mutex(State(items: Array(repeating: nil, count: count)))
    self.batchSize = max(1, batchSize)
  }

  func put(_ i: Int, _ item: Item) { state.withLock { $0.items[i] = item } }

  var isStopped: Bool { state.withLock { $0.error != nil } }

  /// The next batch if all of it has arrived and nobody is committing; the caller must then call
  /// `committed` or `failed`.
  func nextReadyBatch() -> (Range<Int>, [Item])? {
    let size = batchSize
    return state.withLock { s -> (Range<Int>, [Item])? in
      guard !s.committing, s.error == nil, s.next < s.items.count else { return nil }
      let range = s.next..<min(s.items.count, s.next + size)
      guard range.allSatisfy({ s.items[$0] != nil }) else { return nil }
      s.committing = true
      let out = range.compactMap { s.items[$0] }
      for i in range { s.items[i] = nil }
      return (range, out)
    }
  }

  func committed(_ range: Range<Int>, problems found: [(String, String)], writeNanos nanos: UInt64) {
    state.withLock {
      $0.next = range.upperBound
      $0.done += range.count
      $0.problems += found
      $0.writeNanos += nanos
      $0.committing = false
    }
  }

  func failed(_ e: any Error) {
    state.withLock {
      if $0.error == nil { $0.error = e }
      $0.committing = false
    }
  }

  func outcome() -> (committed: Int, problems: [(String, String)], writeNanos: UInt64, error: (any Error)?) {
    state.withLock { ($0.done, $0.problems, $0.writeNanos, $0.error) }
  }
}

/// Checks that keep an import from changing a dataset it does not understand.
public enum ImportGuard {
  /// An import that found no sample in a dataset that has some stops before it changes anything
  /// (a wrong --format, an unmounted folder): nothing is marked vanished, no class map replaced.
  public static func refuseEmpty(_ samples: [NewSample], store: DatasetStore, root: String) throws {
    guard samples.isEmpty else { return }
    let present = try store.sampleCount()
    guard present == 0 else {
      throw StoreError.invalid(
        "\(root): this import found no samples, but the dataset has \(present); nothing was changed (is a folder missing or unmounted, or the --format wrong?)")
    }
  }

  /// The layout an import would use against the one the dataset was made with: a different one
  /// would replace its samples and class map, so it needs `force`.
  public static func checkFormat(_ format: String, store: DatasetStore, force: Bool) throws {
    guard let previous = try store.meta("format"), previous != format, !force else { return }
    throw StoreError.invalid(
      "\(store.root): this dataset was imported as \(previous); importing it as \(format) would replace its samples and class map. Nothing was changed; give --force to import it as \(format) anyway"
    )
  }
}
