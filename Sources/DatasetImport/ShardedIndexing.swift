import DatasetStore
import Dispatch
import Foundation
import ImageCodec
import SegmentationCore
import Shards
import Synchronization

/// The indexing pass spread over array tasks: each shard reads its slice of the pending masks (by
/// sample id) from a read-only database and writes their histograms, layouts and problems to a part;
/// the merge checks the parts and stores them as one pass would have.
extension HistogramIndexer {
  func indexHeader(_ todo: [(Int64, String, String, String?)], shard: Shard, records: Int, version: String) -> ShardHeader {
    var f = Fingerprint(dataset: store)
    f.add("index")
    for (sid, field, path, decoding) in todo { f.add("\(sid):\(field):\(path):\(decoding ?? "")") }
    return ShardHeader(
      kind: .index, segscopeVersion: version, database: store.databasePath, root: store.root, fingerprint: f.hex, pairs: todo.count,
      shardIndex: shard.index, shardCount: shard.count, samples: records)
  }

  /// Indexes the shard's slice of the pending masks into the part `out` (written atomically).
  public func runShard(
    shard: Shard, out: String, version: String, progress: (@Sendable (Int, Int) -> Void)? = nil, shouldStop: @escaping @Sendable () -> Bool = { false }
  ) throws -> ShardHeader {
    let todo = try pending()
    let mine = todo.filter { shard.owns($0.0) }
    let rules = Rules(try store.fields())
    let head = indexHeader(todo, shard: shard, records: mine.count, version: version)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    var data = try encoder.encode(head) + Data("\n".utf8)
    let step = 4096
    var start = 0
    while start < mine.count {
      if shouldStop() { throw ShardError("indexing cancelled; no part was written") }
      let chunk = Array(mine[start..<min(mine.count, start + step)])
      let lines = Mutex([String](repeating: "", count: chunk.count))
      let root = store
      DispatchQueue.concurrentPerform(iterations: chunk.count) { i in
        let (sid, field, path, dec) = chunk[i]
        let result = rules.index(path: root.absolutePath(path), field: field, decoding: dec)
        let (row, problems) = HistogramIndexer.row(sampleId: sid, field: field, path: path, result: result, classMap: rules.classMaps[field] ?? [])
        let line = Self.encodeRecord(row, problems)
        lines.withLock { $0[i] = line }
      }
      data += Data((lines.withLock { $0 }.joined(separator: "\n") + "\n").utf8)
      start += chunk.count
      progress?(start, mine.count)
    }
    var sum = PartChecksum()
    sum.add(data)
    data += Data(sum.endLine(samples: mine.count).utf8)
    try FileBytes.writeAtomically([UInt8](data), to: out)
    return head
  }

  static func encodeRecord(_ row: (Int64, String, Data, Data?), _ problems: [(String, String)]) -> String {
    var o: [String: Any] = ["s": row.0, "f": row.1, "h": row.2.base64EncodedString()]
    if let l = row.3 { o["l"] = l.base64EncodedString() }
    if !problems.isEmpty { o["p"] = problems.map { [$0.0, $0.1] } }
    let d = (try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])) ?? Data()
    return String(decoding: d, as: UTF8.self)
  }

  /// Checks the parts (one whole job over the masks still pending now) and stores every histogram,
  /// layout and problem as one indexing pass would have.
  public func merge(parts: [String], version: String) throws -> (indexed: Int, problems: [(String, String)]) {
    let (head, byIndex) = try PartFiles.checkedParts(parts, version: version)
    guard head.kind == .index else { throw ShardError("refused, nothing stored: the parts are of a \(head.kind) job, not the indexing pass") }
    let todo = try pending()
    let now = indexHeader(todo, shard: try Shard(index: 0, count: head.shardCount), records: 0, version: version)
    guard now.fingerprint == head.fingerprint else {
      throw ShardError(
        "refused, nothing stored: the parts do not match the masks pending now (\(todo.count) pending; the parts covered \(head.pairs)); the dataset changed since the shards ran, or they come from another dataset (\(head.database))"
      )
    }
    var readers: [LineReader] = []
    for i in 0..<head.shardCount {
      guard let r = LineReader(path: byIndex[i]![0]) else { throw ShardError("\(byIndex[i]![0]): cannot read") }
      _ = r.next()
      readers.append(r)
    }
    // Read and checked in the pass's order before anything is written. Every record must be one the
    // pass could have made: a sound histogram of a mask the decoders could read, a layout of the
    // right size, problems about its own file. The class-map problem is worked out here again from
    // the histogram and the class map as they are now, as the pass would.
    let classMaps = Rules(try store.fields()).classMaps
    let maxPixels = DecodeLimits.default.maxPixels
    var rows: [(Int64, String, Data, Data?)] = []
    var problems: [(String, String)] = []
    rows.reserveCapacity(todo.count)
    for (sid, field, path, _) in todo {
      let s = Shard.owner(of: sid, count: head.shardCount)
      let again = "run shard \(s)/\(head.shardCount) again"
      guard let line = readers[s].next(), let o = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any],
        (o["s"] as? NSNumber)?.int64Value == sid, o["f"] as? String == field, let h = (o["h"] as? String).flatMap({ Data(base64Encoded: $0) })
      else { throw ShardError("\(byIndex[s]![0]): the record of sample \(sid) (\(field)) is missing or damaged; \(again)") }
      if let why = ClassHistogram.problem(h, maxPixels: maxPixels) {
        throw ShardError("\(byIndex[s]![0]): the record of sample \(sid) (\(field)) is damaged: \(why); \(again)")
      }
      var layout: Data? = nil
      if let l = o["l"] {
        guard let text = l as? String, let d = Data(base64Encoded: text), d.count == MaskLayout.dimensions else {
          throw ShardError("\(byIndex[s]![0]): the layout of sample \(sid) (\(field)) is damaged; \(again)")
        }
        layout = d
      }
      rows.append((sid, field, h, layout))
      let listed = (o["p"] as? [[String]]) ?? []
      guard o["p"] == nil || (o["p"] is [[String]] && listed.allSatisfy({ $0.count == 2 && $0[0] == path })) else {
        throw ShardError("\(byIndex[s]![0]): the problems of sample \(sid) (\(field)) are damaged or name another file; \(again)")
      }
      for p in listed where !p[1].hasPrefix(Self.outsideClassMapPrefix) { problems.append((p[0], p[1])) }
      if let outside = Self.outsideClassMap(ClassHistogram.unpack(h), classMap: classMaps[field] ?? []) { problems.append((path, outside)) }
    }
    for start in stride(from: 0, to: rows.count, by: 4096) {
      let batch = Array(rows[start..<min(rows.count, start + 4096)])
      try store.storeHistograms(batch)
    }
    try storeProblems(reread: Set(todo.map(\.2)), problems: problems)
    if !rows.isEmpty { try? store.warmViewColumns() }
    return (rows.count, problems)
  }
}
