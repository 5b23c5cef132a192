import DatasetStore
import Dispatch
import GRDB
import ImageCodec
import SegmentationCore

/// The pass that decodes every mask once and stores its class histogram, so that class filters
/// (`class:car>500`) and `info` pixel counts need no decoding later. Work is committed in batches:
/// an interrupted pass resumes where it stopped.
public struct HistogramIndexer: Sendable {
  public let store: DatasetStore
  public var batchSize = 256

  public init(store: DatasetStore) { self.store = store }

  /// Masks still to index: (sample id, field, relative path).
  public func pending() throws -> [(Int64, String, String)] {
    try store.read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT m.sample_id, m.field, m.path FROM mask m JOIN sample s ON s.id = m.sample_id
          WHERE s.present = 1 AND m.revision = (SELECT max(revision) FROM mask WHERE sample_id = m.sample_id AND field = m.field)
          AND NOT EXISTS (SELECT 1 FROM histogram_done h WHERE h.sample_id = m.sample_id AND h.field = m.field)
          ORDER BY m.sample_id, m.field
          """
      ).map { ($0["sample_id"], $0["field"], $0["path"]) }
    }
  }

  /// Indexes every pending mask on all cores. `shouldStop` is polled between batches (Ctrl-C).
  /// Returns the number indexed and the problems found (unreadable masks, values outside the class map).
  public func run(progress: (@Sendable (Int, Int) -> Void)? = nil, shouldStop: @Sendable () -> Bool = { false }) throws -> (indexed: Int, problems: [(String, String)]) {
    let todo = try pending()
    var known: [String: Set<Int>] = [:]
    for f in try store.fields() { known[f.name] = Set(f.classes.map(\.value)) }
    var problems: [(String, String)] = []
    var indexed = 0
    let counter = AtomicCounter()
    var start = 0
    while start < todo.count && !shouldStop() {
      let batch = Array(todo[start..<min(todo.count, start + batchSize)])
      let slots = ResultSlots<Result<[UInt16: Int], ImageCodecError>>(count: batch.count)
      let root = store
      DispatchQueue.concurrentPerform(iterations: batch.count) { i in
        let result: Result<[UInt16: Int], ImageCodecError>
        do throws(ImageCodecError) {
          result = .success(try ImageLoader.loadMask(path: root.absolutePath(batch[i].2)).histogram())
        } catch {
          result = .failure(error)
        }
        slots.set(i, result)
        progress?(counter.increment(), todo.count)
      }
      let results = slots.values()
      var rows: [(Int64, String, Int, Int)] = []
      for (i, r) in results.enumerated() {
        let (sid, field, path) = batch[i]
        switch r {
        case .success(let hist):
          for (v, n) in hist { rows.append((sid, field, Int(v), n)) }
          let outside = hist.filter { !(known[field]?.isEmpty ?? true) && !(known[field]?.contains(Int($0.key)) ?? true) }
          if !outside.isEmpty {
            let list = outside.sorted { $0.key < $1.key }.prefix(8).map { "\($0.key) (\($0.value) px)" }.joined(separator: ", ")
            problems.append((path, "values outside the class map: \(list)"))
          }
        case .failure(let e):
          problems.append((path, e.kind.reasonText))
        case nil:
          break
        }
      }
      let done = batch.map { ($0.0, $0.1) }
      let finalRows = rows
      try store.write { db in
        let ins = try db.makeStatement(sql: "INSERT OR REPLACE INTO class_pixels(sample_id, field, value, pixels) VALUES (?, ?, ?, ?)")
        for r in finalRows { try ins.execute(arguments: [r.0, r.1, r.2, r.3]) }
        let mark = try db.makeStatement(sql: "INSERT OR IGNORE INTO histogram_done(sample_id, field) VALUES (?, ?)")
        for d in done { try mark.execute(arguments: [d.0, d.1]) }
      }
      indexed += batch.count
      start += batchSize
    }
    if !problems.isEmpty || indexed > 0 {
      let old = try store.problems().filter { $0.stage == "histogram" && !problems.map(\.0).contains($0.path) }.map { ($0.path, $0.problem) }
      try store.replaceProblems(stage: "histogram", old + problems)
    }
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
}
