import GRDB
import SegmentationCore

#if canImport(Glibc)
  import Glibc
#endif

/// One dataset: a SQLite database (WAL, so several processes can read and write at once) that
/// references media files by path relative to the dataset root. Media files are never copied or
/// modified. Thread-safe.
public final class DatasetStore: Sendable {
  /// The folder every stored path is relative to.
  public let root: String
  /// The database file.
  public let databasePath: String
  let pool: DatabasePool
  /// In-memory columns for class/split views (nil when a second connection could not be opened).
  let columns: ViewColumns?

  /// Opens (creating and migrating if needed) the database of the dataset at `root`.
  /// The default location is `<root>/.segscope/dataset.sqlite`; if that folder is not writable,
  /// `$XDG_DATA_HOME/segscope/<hash of the absolute root>/dataset.sqlite`.
  public convenience init(root: String) throws {
    let abs = StorePaths.absolute(root)
    var st = stat()
    guard stat(abs, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR else {
      throw StoreError.invalid("\(root): no such folder (give a dataset folder or its .sqlite database)")
    }
    try self.init(root: abs, databasePath: StorePaths.databasePath(forRoot: abs))
  }

  /// Opens a database file directly; its dataset root is read from the database.
  public convenience init(databaseFile: String) throws {
    guard access(databaseFile, R_OK) == 0 else { throw StoreError.invalid("\(databaseFile): no such database file") }
    let pool = try DatasetStore.makePool(databaseFile)
    let root = try pool.read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'root'") }
    guard let root else { throw StoreError.notADataset(databaseFile) }
    try self.init(root: root, databasePath: databaseFile, pool: pool)
  }

  /// Opens a dataset's database read-only: nothing is migrated, written or cleaned up, and SQLite
  /// refuses every write. For array tasks on other hosts (a shard only reads), where a second writer
  /// over a network filesystem would corrupt WAL. `path` is the dataset folder or its database file.
  public static func openReadOnly(_ path: String) throws -> DatasetStore {
    let file: String
    if path.hasSuffix(".sqlite") || path.hasSuffix(".db") {
      file = path
    } else {
      let abs = StorePaths.absolute(path)
      file = StorePaths.databasePath(forRoot: abs)
    }
    guard access(file, R_OK) == 0 else { throw StoreError.invalid("\(path): no dataset database at \(file) (import the dataset first)") }
    var config = Configuration()
    config.readonly = true
    config.busyMode = .timeout(10)
    config.prepareDatabase { db in db.add(function: ClassHistogram.sqlFunction) }
    let pool = try DatabasePool(path: file, configuration: config)
    let (root, applied) = try pool.read { db in
      (try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'root'"), try Schema.migrator().appliedIdentifiers(db))
    }
    guard let root else { throw StoreError.notADataset(file) }
    let known = Schema.migrator().migrations
    guard Set(known).isSubset(of: applied) else {
      throw StoreError.invalid("\(file): the database is from an older segscope; open it once for writing (segscope info PATH) to upgrade it")
    }
    return try DatasetStore(root: root, databasePath: file, readOnlyPool: pool)
  }

  /// The dataset's identity (a random id made when the database was created), or its root for a
  /// database opened read-only before it had one.
  public func datasetId() throws -> String { try meta("dataset_id") ?? root }

  /// Whether this store was opened with `openReadOnly`.
  public let readOnly: Bool

  private init(root: String, databasePath: String, readOnlyPool: DatabasePool) throws {
    self.root = root
    self.databasePath = databasePath
    self.pool = readOnlyPool
    self.readOnly = true
    self.columns = nil
  }

  init(root: String, databasePath: String, pool: DatabasePool? = nil) throws {
    self.readOnly = false
    self.root = root
    self.databasePath = databasePath
    self.pool = try pool ?? DatasetStore.makePool(databasePath)
    try Schema.migrator().migrate(self.pool)
    self.columns = try? ViewColumns(path: databasePath)
    try self.pool.write { db in
      try db.execute(sql: "INSERT OR IGNORE INTO meta(key, value) VALUES ('root', ?)", arguments: [root])
      // Who this dataset is, whatever path it is reached by (sharded runs check their parts with it).
      try db.execute(sql: "INSERT OR IGNORE INTO meta(key, value) VALUES ('dataset_id', lower(hex(randomblob(16))))")
    }
    // Runs left half-written by a process that died are removed at the next open.
    try removeStalePendingRuns()
  }

  static func makePool(_ path: String) throws -> DatabasePool {
    var config = Configuration()
    config.busyMode = .timeout(10)
    config.foreignKeysEnabled = true
    config.prepareDatabase { db in
      try db.execute(sql: "PRAGMA synchronous = NORMAL")
      db.add(function: ClassHistogram.sqlFunction)
      // The writer gets 16 MiB of page cache (the default is 2 MiB) for bulk imports and indexing.
      // Readers keep the default: there are several of them.
      if !db.configuration.readonly { try db.execute(sql: "PRAGMA cache_size = -16384") }
    }
    return try DatabasePool(path: path, configuration: config)
  }

  /// The absolute path of a stored relative path.
  public func absolutePath(_ relative: String) -> String {
    relative.hasPrefix("/") ? relative : root + "/" + relative
  }

  /// A path as it is shown: relative to the root when inside it, else as it is.
  public func relativePath(_ path: String) -> String {
    path.hasPrefix(root + "/") ? String(path.dropFirst(root.count + 1)) : path
  }

  /// A value kept in the database's meta table.
  public func meta(_ key: String) throws -> String? {
    try read { db in try String.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]) }
  }

  /// Sets a value in the database's meta table.
  public func setMeta(_ key: String, _ value: String) throws {
    try write { db in
      try db.execute(sql: "INSERT INTO meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", arguments: [key, value])
    }
  }

  /// Runs `body` in one write transaction.
  public func write<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws -> T {
    try pool.write(body)
  }

  /// Runs `body` with a read-only snapshot.
  public func read<T: Sendable>(_ body: @Sendable (Database) throws -> T) throws -> T {
    try pool.read(body)
  }

  /// Moves the write-ahead log into the database file, as closing the last connection does.
  public func checkpoint() throws {
    try pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
  }

  /// `PRAGMA integrity_check` ("ok" when healthy).
  public func integrityCheck() throws -> String {
    try pool.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ") }
  }
}

/// Store errors with the file they concern.
public enum StoreError: Error, CustomStringConvertible, Sendable {
  case notADataset(String)
  case notFound(String)
  case invalid(String)

  public var description: String {
    switch self {
    case .notADataset(let p): return "\(p): not a segscope dataset database"
    case .notFound(let what): return "\(what) not found"
    case .invalid(let why): return why
    }
  }
}

/// Where a dataset's database lives.
public enum StorePaths {
  public static func absolute(_ path: String) -> String {
    var p = path
    if !p.hasPrefix("/") {
      var buf = [CChar](repeating: 0, count: 4096)
      if getcwd(&buf, 4096) != nil {
        p = String(decoding: buf.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self) + "/" + p
      }
    }
    var parts: [Substring] = []
    for part in p.split(separator: "/") {
      if part == "." || part.isEmpty { continue }
      if part == ".." {
        if !parts.isEmpty { parts.removeLast() }
        continue
      }
      parts.append(part)
    }
    return "/" + parts.joined(separator: "/")
  }

  /// `<root>/.segscope/dataset.sqlite` if that folder can be created and written, else under
  /// `$XDG_DATA_HOME/segscope/`.
  public static func databasePath(forRoot root: String) -> String {
    let local = root + "/.segscope"
    mkdir(local, 0o755)
    if access(local, W_OK) == 0 { return local + "/dataset.sqlite" }
    let base =
      (getenv("XDG_DATA_HOME").map { String(cString: $0) }).flatMap { $0.isEmpty ? nil : $0 }
      ?? ((getenv("HOME").map { String(cString: $0) } ?? "/tmp") + "/.local/share")
    let dir = base + "/segscope/" + hashName(root)
    var cur = ""
    for part in dir.split(separator: "/") {
      cur += "/" + part
      mkdir(cur, 0o755)
    }
    return dir + "/dataset.sqlite"
  }

  /// A readable, collision-resistant folder name for a root path (last component + FNV-1a hash).
  static func hashName(_ root: String) -> String {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in root.utf8 {
      h ^= UInt64(b)
      h = h &* 0x100_0000_01b3
    }
    let last = root.split(separator: "/").last.map(String.init) ?? "root"
    let safe = String(last.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
    return safe + "-" + String(h, radix: 16)
  }
}
