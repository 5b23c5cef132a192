import CSQLite
import Foundation
import GRDB
import Synchronization
import SegmentationCore

/// The columns the commonest views need, in memory: the present samples in path order, their
/// splits, and class pixel counts per (field, value), loaded on first use. A view made only of
/// class, split and path terms is then answered without SQL (a few milliseconds over 100,000
/// samples instead of two index scans and a sort).
///
/// Freshness: a connection of its own that never writes asks SQLite `PRAGMA data_version`, which
/// changes whenever any other connection (this process's writer, or another process) commits;
/// then the generations below say what is stale, and only that is dropped.
///
/// Persistence: what is built from SQL is also written to `view_cache`, labelled with the
/// generations it was read at (`sample_gen`, `class_gen` in `meta`, read in the same transaction
/// as the data). The next session (a cold `segscope query`, the app's first view) reads those blobs
/// instead of scanning 100,000 rows, as long as the generations still match.
final class ViewColumns: @unchecked Sendable {
  /// Guards every mutable field below (one holder at a time; held across a column's load).
  private let lock = Mutex(())
  private let probe: DatabaseQueue
  private var version: Int64?
  /// Present samples in path order, and the columns below indexed by `id - base` (sample ids are
  /// dense: they come from one INTEGER PRIMARY KEY); or, at a `sample_gen` whose ids are too sparse
  /// for arrays, the mark that SQL answers.
  private var samples: Samples?
  /// Pixels per sample (UInt32: decoding limits keep a mask far below 4 G pixels).
  private var pixels: [String: [Int: [UInt32]]] = [:]
  /// The "sample_gen/class_gen" every column in `pixels` was read at.
  private var pixelsGeneration: String?
  /// Fields whose histograms were scanned at `pixelsGeneration`: a class missing from `pixels` for
  /// them is in no sample.
  private var scannedFields: Set<String> = []
  private enum Samples {
    case loaded(Loaded)
    case sparse(generation: String)
    var generation: String {
      switch self {
      case .loaded(let l): return l.generation
      case .sparse(let g): return g
      }
    }
  }

  fileprivate struct Loaded {
    /// The `sample_gen` these columns were read at.
    let generation: String
    let order: [Int64]
    let base: Int64
    let span: Int
    /// 0: no split, else an index + 1 into `splitNames`.
    let splitCodes: [UInt8]
    let splitNames: [String]
  }

  init(path: String) throws {
    var config = Configuration()
    config.readonly = true
    config.busyMode = .timeout(10)
    probe = try DatabaseQueue(path: path, configuration: config)
  }

  /// The view's ids when every term is a class, split or path term (else nil: use SQL).
  func sampleIds(_ view: ViewExpression, store: DatasetStore) throws -> [Int64]? {
    if let sort = view.sort {
      switch sort.metric {
      case .path, .classPixels: break
      default: return nil
      }
    }
    guard view.filters.allSatisfy(ViewColumns.handles) else { return nil }
    // Names resolve (and fail) exactly as the SQL plan does.
    return try lock.withLock { _ in try sampleIdsLocked(view, store: store) }
  }

  private func sampleIdsLocked(_ view: ViewExpression, store: DatasetStore) throws -> [Int64]? {
    var tests: [(Int64) -> Bool] = []
    try refresh(store)
    let t0 = DispatchTime.now().uptimeNanoseconds
    guard let loaded = try load(store) else { return nil }
    let t1 = DispatchTime.now().uptimeNanoseconds
    for f in view.filters { tests.append(try test(f, loaded, store)) }
    let t2 = DispatchTime.now().uptimeNanoseconds
    defer {
      if getenv("SEGSCOPE_TRACE") != nil {
        print(
          "view columns: \((t1 - t0) / 1000) us samples, \((t2 - t1) / 1000) us class columns, \((DispatchTime.now().uptimeNanoseconds - t2) / 1000) us filtering"
        )
      }
    }
    var ids = loaded.order.filter { id in tests.allSatisfy { $0(id) } }
    if let sort = view.sort, case .classPixels(let name, let field) = sort.metric {
      // As the SQL plan orders: by the count (0 without the class), ties in path order.
      try store.requireField(field)
      let counts = try classPixels(field, try store.classValue(name, field: field), loaded, store)
      let base = loaded.base
      let keyed = ids.enumerated().map { (counts[Int($0.element - base)], $0.offset, $0.element) }
      let sorted = keyed.sorted { a, b in a.0 != b.0 ? (sort.descending ? a.0 > b.0 : a.0 < b.0) : a.1 < b.1 }
      ids = sorted.map(\.2)
    } else if view.sort?.descending == true {
      ids.reverse()
    }
    let tail = ids.dropFirst(view.skip)
    return Array(view.limit.map { tail.prefix($0) } ?? tail)
  }

  /// Loads the sample columns and every class column of `fields` ahead of the first view, one
  /// column per lock hold so that a view asked for meanwhile waits for at most one column.
  func warm(fields: [(String, [Int])], store: DatasetStore) throws {
    let loaded = try lock.withLock { _ in
      try refresh(store)
      return try load(store) != nil
    }
    guard loaded else { return }
    for (field, values) in fields {
      for value in values {
        let more = try lock.withLock { _ in
          try refresh(store)
          guard let l = try load(store) else { return false }
          _ = try classPixels(field, value, l, store)
          return true
        }
        if !more { return }
      }
    }
  }

  static func handles(_ f: ViewExpression.Filter) -> Bool {
    switch f {
    case .split, .classPixels: return true
    case .metric(.classPixels, _, _): return true
    case .not(let inner): return handles(inner)
    default: return false
    }
  }

  /// After any commit elsewhere, keeps what the generations say is still current: a commit that
  /// touched neither samples nor histograms (a flag, a run, this class's own saved columns) drops
  /// nothing.
  private func refresh(_ store: DatasetStore) throws {
    let (v, gens) = try probe.read { db in (try Int64.fetchOne(db, sql: "PRAGMA data_version") ?? 0, try ViewColumns.generations(db)) }
    guard v != version else { return }
    version = v
    if let s = samples, s.generation != gens.samples { samples = nil }
    if pixelsGeneration != gens.samples + "/" + gens.classes {
      pixels = [:]
      scannedFields = []
      pixelsGeneration = nil
    }
  }

  /// Loads the sample columns; nil when ids are too sparse for arrays (then SQL answers).
  private func load(_ store: DatasetStore) throws -> Loaded? {
    switch samples {
    case .loaded(let l): return l
    case .sparse: return nil
    case nil: break
    }
    let (state, built) = try store.read { db -> (Samples, Bool) in
      let generation = try ViewColumns.generations(db).samples
      if let blob = try ViewColumns.cached(db, key: "samples", generation: generation), let l = Loaded.decode(blob, generation: generation) {
        return (.loaded(l), false)
      }
      // Two sequential scans with the C API (100,000 rows through GRDB's Row cost several times
      // more): presence and split code in id order (SQL turns the few split names into numbers),
      // then path order from the covering index on path.
      let names = try String.fetchAll(db, sql: "SELECT DISTINCT split FROM sample WHERE split IS NOT NULL ORDER BY split")
      guard names.count < 255 else { return (.sparse(generation: generation), false) }  // more than 254 distinct splits: leave it to SQL
      let code = names.isEmpty ? "0" : "CASE split " + names.indices.map { "WHEN ?\($0 + 1) THEN \($0 + 1) " }.joined() + "ELSE 0 END"
      var scanned: [(Int64, UInt8)] = []
      var maxId: Int64 = 0
      try ViewColumns.scan(db, "SELECT id, present, \(code) FROM sample", StatementArguments(names)) { raw in
        let id = sqlite3_column_int64(raw, 0)
        maxId = max(maxId, id)
        // Absent samples are kept with code 255, a mark the path scan below drops.
        scanned.append((id, sqlite3_column_int64(raw, 1) == 0 ? 255 : UInt8(truncatingIfNeeded: sqlite3_column_int64(raw, 2))))
      }
      let minId = scanned.first?.0 ?? 0
      guard scanned.isEmpty || Int(maxId - minId) <= 4 * scanned.count + 1024 else { return (.sparse(generation: generation), false) }
      var byId = [UInt8](repeating: 255, count: scanned.isEmpty ? 0 : Int(maxId - minId) + 1)
      for (id, c) in scanned { byId[Int(id - minId)] = c }
      var ids: [Int64] = []
      ids.reserveCapacity(scanned.count)
      try ViewColumns.scan(db, "SELECT id FROM sample ORDER BY path", []) { raw in
        let id = sqlite3_column_int64(raw, 0)
        let i = Int(id - minId)
        if i >= 0 && i < byId.count && byId[i] != 255 { ids.append(id) }
      }
      let base = ids.min() ?? 0, span = Int((ids.max() ?? 0) - base + 1)
      guard ids.isEmpty || span <= 4 * ids.count + 1024 else { return (.sparse(generation: generation), false) }
      var codes = [UInt8](repeating: 0, count: ids.isEmpty ? 0 : span)
      for id in ids { codes[Int(id - base)] = byId[Int(id - minId)] }
      return (.loaded(Loaded(generation: generation, order: ids, base: base, span: ids.isEmpty ? 0 : span, splitCodes: codes, splitNames: names)), true)
    }
    samples = state
    guard case .loaded(let loaded) = state else { return nil }
    if built { ViewColumns.save(store, generation: loaded.generation, [("samples", loaded.encoded())]) }
    return loaded
  }

  /// Pixels of one class per sample (index `id - base`; 0 when the class is absent). Built from the
  /// stored histograms, one scan per field giving every class's column at once.
  private func classPixels(_ field: String, _ value: Int, _ loaded: Loaded, _ store: DatasetStore) throws -> [UInt32] {
    if let cached = pixels[field]?[value] { return cached }
    // Instance fields have no histograms: their class terms are answered by SQL over the instances.
    guard try store.fields().first(where: { $0.name == field })?.kind != .instance else { throw ViewResolveError(message: "instance field: answered by SQL") }
    if scannedFields.contains(field) {
      let zeros = [UInt32](repeating: 0, count: loaded.span)
      pixels[field, default: [:]][value] = zeros
      return zeros
    }
    @Sendable func key(_ v: Int) -> String { "class\u{1F}\(field)\u{1F}\(v)" }
    // The class map's values get a column even when no mask has them, so that it is kept too.
    let mapped = try store.fields().first { $0.name == field }?.classes.map(\.value) ?? []
    let (columns, generation, built) = try store.read { db -> ([Int: [UInt32]], String, Bool) in
      let generation = loaded.generation + "/" + (try ViewColumns.generations(db).classes)
      if let blob = try ViewColumns.cached(db, key: key(value), generation: generation) {
        // An empty blob stands for a class no sample has.
        if blob.isEmpty { return ([value: [UInt32](repeating: 0, count: loaded.span)], generation, false) }
        if blob.count == loaded.span * 4 {
          return (
            [value: blob.withUnsafeBytes { raw in (0..<loaded.span).map { UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self)) } }],
            generation, false
          )
        }
      }
      // One column per value seen (a slot), entries read in place from each blob.
      var slotOf = [Int32](repeating: -1, count: 65536)
      var valuesBySlot: [Int] = []
      var slots: [[UInt32]] = []
      func slot(_ v: Int) -> Int {
        if v >= 0 && v < 65536 && slotOf[v] >= 0 { return Int(slotOf[v]) }
        valuesBySlot.append(v)
        slots.append([UInt32](repeating: 0, count: loaded.span))
        if v >= 0 && v < 65536 { slotOf[v] = Int32(valuesBySlot.count - 1) }
        return valuesBySlot.count - 1
      }
      _ = slot(value)
      for v in mapped { _ = slot(v) }
      let span = loaded.span
      try ViewColumns.scan(db, "SELECT sample_id, hist FROM mask_histogram WHERE field = ?", [field]) { raw in
        let i = Int(sqlite3_column_int64(raw, 0) - loaded.base)
        guard i >= 0 && i < span, let bytes = sqlite3_column_blob(raw, 1) else { return }
        ClassHistogram.forEachEntry(UnsafeRawBufferPointer(start: bytes, count: Int(sqlite3_column_bytes(raw, 1)))) { v, n in
          let k = v < 65536 && slotOf[v] >= 0 ? Int(slotOf[v]) : slot(v)
          slots[k][i] = UInt32(clamping: n)
        }
      }
      var out: [Int: [UInt32]] = [:]
      for (k, v) in valuesBySlot.enumerated() { out[v] = slots[k] }
      return (out, generation, true)
    }
    if pixelsGeneration != generation {
      pixels = [:]
      scannedFields = []
      pixelsGeneration = generation
    }
    for (v, column) in columns { pixels[field, default: [:]][v] = column }
    if built {
      scannedFields.insert(field)
      // Every column of the scan is kept, so that no later session scans this field again.
      ViewColumns.save(
        store, generation: generation, columns.map { (key($0.key), $0.value.contains { $0 != 0 } ? $0.value.withUnsafeBytes { Data($0) } : Data()) })
    }
    return columns[value] ?? [UInt32](repeating: 0, count: loaded.span)
  }

  /// `sample_gen` and `class_gen`, read in the caller's transaction.
  static func generations(_ db: Database) throws -> (samples: String, classes: String) {
    var out = (samples: "0", classes: "0")
    for r in try Row.fetchAll(db, sql: "SELECT key, value FROM meta WHERE key IN ('sample_gen', 'class_gen')") {
      let key: String = r["key"], value: String = r["value"]
      if key == "sample_gen" { out.samples = value } else { out.classes = value }
    }
    return out
  }

  /// A stored column, if it was built at `generation`.
  static func cached(_ db: Database, key: String, generation: String) throws -> Data? {
    try Data.fetchOne(db, sql: "SELECT data FROM view_cache WHERE key = ? AND gen = ?", arguments: [key, generation])
  }

  /// Stores a column for the next session. Best effort: a read-only database or a busy writer only
  /// means the next session builds it again.
  static func save(_ store: DatasetStore, generation: String, _ entries: [(String, Data)]) {
    _ = try? store.write { db in
      for (key, data) in entries {
        try db.execute(sql: "INSERT OR REPLACE INTO view_cache(key, gen, data) VALUES (?, ?, ?)", arguments: [key, generation, data])
      }
    }
  }

  /// Steps a statement with the C API, handing each row to `row`.
  static func scan(_ db: Database, _ sql: String, _ arguments: StatementArguments, _ row: (OpaquePointer?) -> Void) throws {
    let st = try db.makeStatement(sql: sql)
    try st.setArguments(arguments)
    let raw = st.sqliteStatement
    defer { sqlite3_reset(raw) }
    while true {
      let rc = sqlite3_step(raw)
      if rc == SQLITE_DONE { break }
      guard rc == SQLITE_ROW else { throw StoreError.invalid("reading the view columns: \(String(cString: sqlite3_errstr(rc)))") }
      row(raw)
    }
  }

  private func test(_ f: ViewExpression.Filter, _ loaded: Loaded, _ store: DatasetStore) throws -> (Int64) -> Bool {
    let base = loaded.base
    switch f {
    case .split(let name, let equal):
      // A split name never seen: no sample has it (code 255 matches nothing).
      let code = loaded.splitNames.firstIndex(of: name).map { UInt8($0 + 1) } ?? 255
      let codes = loaded.splitCodes
      return equal ? { codes[Int($0 - base)] == code } : { codes[Int($0 - base)] != code }
    case .classPixels(let name, let field, let op, let n), .metric(.classPixels(let name, let field), let op, let n):
      try store.requireField(field)
      let counts = try classPixels(field, try store.classValue(name, field: field), loaded, store)
      // A sample without a row has 0 pixels of the class.
      return { DatasetStore.holds(Double(counts[Int($0 - base)]), op, n) }
    case .not(let inner):
      let t = try test(inner, loaded, store)
      return { !t($0) }
    default:
      throw ViewResolveError(message: "internal: filter not handled in memory")
    }
  }
}

extension ViewColumns.Loaded {
  /// Little-endian: base, span, count, split name count, then each name (length + UTF-8), the ids in
  /// path order and the split codes.
  func encoded() -> Data {
    var d = Data()
    func put(_ v: Int64) { withUnsafeBytes(of: v.littleEndian) { d.append(contentsOf: $0) } }
    put(base)
    put(Int64(span))
    put(Int64(order.count))
    put(Int64(splitNames.count))
    for n in splitNames {
      let u = Array(n.utf8)
      put(Int64(u.count))
      d.append(contentsOf: u)
    }
    var le = order.map { $0.littleEndian }
    le.withUnsafeMutableBytes { d.append(contentsOf: $0) }
    d.append(contentsOf: splitCodes)
    return d
  }

  /// Nil when the blob is not one `encoded()` wrote.
  static func decode(_ d: Data, generation: String) -> Self? {
    d.withUnsafeBytes { raw -> Self? in
      var at = 0
      func int() -> Int64? {
        guard at + 8 <= raw.count else { return nil }
        defer { at += 8 }
        return Int64(littleEndian: raw.loadUnaligned(fromByteOffset: at, as: Int64.self))
      }
      guard let base = int(), let span = int(), let count = int(), let nameCount = int(),
        span >= 0, count >= 0, nameCount >= 0, nameCount < 255, count <= span || span == 0
      else { return nil }
      var names: [String] = []
      for _ in 0..<nameCount {
        guard let len = int(), len >= 0, at + Int(len) <= raw.count else { return nil }
        names.append(String(decoding: UnsafeRawBufferPointer(rebasing: raw[at..<(at + Int(len))]), as: UTF8.self))
        at += Int(len)
      }
      guard at + Int(count) * 8 + Int(span) == raw.count else { return nil }
      let order = (0..<Int(count)).map { Int64(littleEndian: raw.loadUnaligned(fromByteOffset: at + $0 * 8, as: Int64.self)) }
      at += Int(count) * 8
      let codes = Array(UnsafeRawBufferPointer(rebasing: raw[at..<(at + Int(span))]).bindMemory(to: UInt8.self))
      return Self(generation: generation, order: order, base: base, span: Int(span), splitCodes: codes, splitNames: names)
    }
  }
}
