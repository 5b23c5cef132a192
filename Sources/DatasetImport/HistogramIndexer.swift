import DatasetStore
import Dispatch
import GRDB
import ImageCodec
import SegmentationCore
import CSQLite

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
  public func pending() throws -> [(Int64, String, String, String?)] {
    try store.read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT m.sample_id, m.field, m.path, m.decoding FROM mask m JOIN sample s ON s.id = m.sample_id
          JOIN mask_field f ON f.name = m.field AND f.kind != 'confidence'
          WHERE s.present = 1 AND m.revision = (SELECT max(revision) FROM mask WHERE sample_id = m.sample_id AND field = m.field)
          AND NOT EXISTS (SELECT 1 FROM histogram_done h WHERE h.sample_id = m.sample_id AND h.field = m.field)
          ORDER BY m.sample_id, m.field
          """
      ).map { ($0["sample_id"], $0["field"], $0["path"], $0["decoding"]) }
    }
  }

  /// Indexes every pending mask on all cores. Decoding runs ahead on worker threads while this thread
  /// commits finished batches, so the database writes overlap the decoding. `shouldStop` is polled
  /// between batches (Ctrl-C): what was committed stays, the rest resumes next time.
  /// Returns the number indexed and the problems found (unreadable masks, values outside the class map).
  public func run(progress: (@Sendable (Int, Int) -> Void)? = nil, shouldStop: @escaping @Sendable () -> Bool = { false }) throws -> (indexed: Int, problems: [(String, String)]) {
    let t0 = DispatchTime.now().uptimeNanoseconds
    let todo = try pending()
    guard !todo.isEmpty else { return (0, []) }
    let tPending = DispatchTime.now().uptimeNanoseconds - t0
    var waitNanos: UInt64 = 0
    var known: [String: Set<Int>] = [:]
    var decodings: [String: MaskDecoding] = [:]
    for f in try store.fields() {
      known[f.name] = Set(f.classes.map(\.value))
      decodings[f.name] = f.decoding
    }
    let fieldDecodings = decodings
    let pipe = ResultPipe<Result<([UInt16: Int], [UInt32: Int]), ImageCodecError>>(count: todo.count)
    let root = store
    let counter = AtomicCounter()
    let workers = DispatchGroup()
    DispatchQueue.global().async(group: workers) {
      DispatchQueue.concurrentPerform(iterations: ProcessInfoLite.activeProcessorCount) { worker in
        var i = worker
        while i < todo.count && !pipe.isCancelled {
          let result: Result<([UInt16: Int], [UInt32: Int]), ImageCodecError>
          do throws(ImageCodecError) {
            let loaded = try ImageLoader.loadMask(path: root.absolutePath(todo[i].2), decoding: todo[i].3.map { MaskDecoding(serialized: $0) } ?? fieldDecodings[todo[i].1] ?? .identity)
            result = .success((loaded.mask.histogram(), loaded.unknownColors))
          } catch {
            result = .failure(error)
          }
          pipe.put(i, result)
          progress?(counter.increment(), todo.count)
          i += ProcessInfoLite.activeProcessorCount
        }
      }
    }
    var problems: [(String, String)] = []
    var indexed = 0
    var start = 0
    var writeNanos: UInt64 = 0
    defer { if getenv("SEGSCOPE_TRACE") != nil { print("indexer: \(tPending / 1_000_000) ms finding pending masks, \(waitNanos / 1_000_000) ms waiting for decodes, \(writeNanos / 1_000_000) ms in database writes") } }
    while start < todo.count {
      if shouldStop() {
        pipe.cancel()
        break
      }
      let end = min(todo.count, start + batchSize)
      let tw0 = DispatchTime.now().uptimeNanoseconds
      let results = pipe.take(start..<end)
      waitNanos += DispatchTime.now().uptimeNanoseconds - tw0
      var rows: [(Int64, String, Int, Int)] = []
      for (k, r) in results.enumerated() {
        let (sid, field, path, _) = todo[start + k]
        switch r {
        case .success(let (hist, unknownColors)):
          for (v, n) in hist { rows.append((sid, field, Int(v), n)) }
          if !unknownColors.isEmpty {
            let list = unknownColors.sorted { $0.value > $1.value }.prefix(6).map { "\(RGB(UInt8($0.key >> 16), UInt8(($0.key >> 8) & 0xFF), UInt8($0.key & 0xFF))) (\($0.value) px)" }.joined(separator: ", ")
            problems.append((path, "\(unknownColors.values.reduce(0, +)) pixels of colours not in the colour map: \(list)"))
          }
          let map = known[field] ?? []
          let outside = map.isEmpty ? [:] : hist.filter { !map.contains(Int($0.key)) }
          if !outside.isEmpty {
            let list = outside.sorted { $0.key < $1.key }.prefix(8).map { "\($0.key) (\($0.value) px)" }.joined(separator: ", ")
            problems.append((path, "values outside the class map: \(list)"))
          }
        case .failure(let e):
          problems.append((path, e.kind.reasonText))
        }
      }
      let done = todo[start..<end].map { ($0.0, $0.1) }
      let finalRows = rows
      let tw = DispatchTime.now().uptimeNanoseconds
      defer { writeNanos += DispatchTime.now().uptimeNanoseconds - tw }
      try store.write { db in
        try HistogramIndexer.insertClassPixels(db, finalRows)
        try DatasetStore.classPixelsChanged(db)
        let mark = try db.makeStatement(sql: "INSERT OR IGNORE INTO histogram_done(sample_id, field) VALUES (?, ?)")
        for d in done {
          mark.setUncheckedArguments([d.0, d.1])
          try mark.execute()
        }
      }
      indexed += end - start
      start = end
    }
    pipe.cancel()
    workers.wait()
    let old = try store.problems().filter { $0.stage == "histogram" && !problems.map(\.0).contains($0.path) }.map { ($0.path, $0.problem) }
    try store.replaceProblems(stage: "histogram", old + problems)
    return (indexed, problems)
  }

  /// Pixel count, sample count per (field, value).
  public func totals() throws -> [String: [Int: (pixels: Int, samples: Int)]] {
    try store.read { db in
      var out: [String: [Int: (Int, Int)]] = [:]
      for r in try Row.fetchAll(db, sql: "SELECT field, value, sum(pixels) AS px, count(*) AS n FROM class_pixels cp JOIN sample s ON s.id = cp.sample_id WHERE s.present = 1 GROUP BY field, value") {
        out[r["field"], default: [:]][r["value"]] = (r["px"], r["n"])
      }
      return out
    }.mapValues { $0.mapValues { (pixels: $0.0, samples: $0.1) } }
  }

  /// Inserts (sample, field, value, pixels) rows with values bound straight to SQLite: boxing each
  /// value for GRDB cost more than the insert itself. Rows go in primary-key order, one field at a time.
  static func insertClassPixels(_ db: Database, _ rows: [(Int64, String, Int, Int)]) throws {
    let st = try db.makeStatement(sql: "INSERT OR REPLACE INTO class_pixels(sample_id, field, value, pixels) VALUES (?, ?, ?, ?)")
    let raw = st.sqliteStatement
    defer { sqlite3_clear_bindings(raw) }
    for (field, group) in Dictionary(grouping: rows, by: \.1) {
      let sorted = group.sorted { ($0.2, $0.0) < ($1.2, $1.0) }
      try field.withCString { name in
        // SQLITE_STATIC (nil): the text outlives every step below; the bindings are cleared after.
        sqlite3_bind_text(raw, 2, name, -1, nil)
        for r in sorted {
          sqlite3_bind_int64(raw, 1, r.0)
          sqlite3_bind_int64(raw, 3, Int64(r.2))
          sqlite3_bind_int64(raw, 4, Int64(r.3))
          let rc = sqlite3_step(raw)
          sqlite3_reset(raw)
          guard rc == SQLITE_DONE else { throw StoreError.invalid("storing class pixels: \(String(cString: sqlite3_errstr(rc)))") }
        }
        sqlite3_clear_bindings(raw)
      }
    }
  }
}
