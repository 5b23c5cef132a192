import GRDB
import SegmentationCore

#if canImport(Glibc)
  import Glibc
#endif

/// A region flag on a mask: the whole mask, one instance, a connected component (given by a pixel in
/// it) or a rectangle, with a suggested class and a note.
public struct RegionFlag: Sendable, Equatable {
  public var id: Int64 = 0
  public let sampleId: Int64
  public let field: String
  public let region: MaskRegion
  public let suggestedClass: Int?
  public let note: String
  public var state = FlagState.open
  public var author = ""
  public var createdAt = ""

  public init(sampleId: Int64, field: String = FieldName.groundTruth, region: MaskRegion, suggestedClass: Int? = nil, note: String = "") {
    self.sampleId = sampleId
    self.field = field
    self.region = region
    self.suggestedClass = suggestedClass
    self.note = note
  }
}

extension DatasetStore {
  /// The user name stored with flags, verdicts and revisions: $USER, else $LOGNAME, else the
  /// account's name, else "unknown".
  public static var author: String {
    for v in ["USER", "LOGNAME"] {
      if let u = getenv(v).map({ String(cString: $0) }), !u.isEmpty { return u }
    }
    if let pw = getpwuid(getuid()), let name = pw.pointee.pw_name, name.pointee != 0 { return String(cString: name) }
    return "unknown"
  }

  /// Adds a flag; committed before this returns (it survives kill -9).
  @discardableResult
  public func addFlag(_ f: RegionFlag) throws -> Int64 {
    let author = DatasetStore.author
    return try write { db in
      var kind = "mask"
      var inst: Int64? = nil
      var x: Int? = nil, y: Int? = nil, w: Int? = nil, h: Int? = nil
      switch f.region {
      case .mask: break
      case .instance(let i):
        kind = "instance"
        inst = i
      case .component(let px, let py):
        kind = "component"
        x = px
        y = py
      case .rect(let rx, let ry, let rw, let rh):
        kind = "rect"
        (x, y, w, h) = (rx, ry, rw, rh)
      }
      try db.execute(
        sql: "INSERT INTO flag(sample_id, field, kind, instance_id, x, y, w, h, suggested_class, note, author) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        arguments: [f.sampleId, f.field, kind, inst, x, y, w, h, f.suggestedClass, f.note, author])
      return db.lastInsertedRowID
    }
  }

  /// Flags, oldest first, optionally of one sample.
  public func flags(sampleId: Int64? = nil) throws -> [RegionFlag] {
    var f = FlagFilter()
    f.sampleId = sampleId
    return try flags(f)
  }

  /// Flags matching a filter, oldest first.
  public func flags(_ filter: FlagFilter) throws -> [RegionFlag] {
    // A class named in the filter is looked up in the ground truth's class map.
    let gt = try fields().first { $0.role == .groundTruth }?.name ?? FieldName.groundTruth
    let suggested = try filter.className.map { try classValue($0, field: gt) }
    return try read { db in
      var clauses: [String] = []
      var args: [(any DatabaseValueConvertible)?] = []
      if let v = filter.sampleId {
        clauses.append("sample_id = ?")
        args.append(v)
      }
      if let v = filter.state {
        clauses.append("state = ?")
        args.append(v)
      }
      if let v = filter.author {
        clauses.append("author = ?")
        args.append(v)
      }
      if let v = suggested {
        clauses.append("suggested_class = ?")
        args.append(v)
      }
      let whereSQL = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
      let rows = try Row.fetchAll(db, sql: "SELECT * FROM flag\(whereSQL) ORDER BY id", arguments: StatementArguments(args))
      return try rows.map { r in
        let region: MaskRegion
        switch r["kind"] as String {
        case "mask": region = .mask
        case "instance": region = .instance(r["instance_id"] ?? 0)
        case "component": region = .component(x: r["x"] ?? 0, y: r["y"] ?? 0)
        case "rect": region = .rect(x: r["x"] ?? 0, y: r["y"] ?? 0, width: r["w"] ?? 0, height: r["h"] ?? 0)
        case let other: throw StoredWord.unknown(other, table: "flag", column: "kind")
        }
        var f = RegionFlag(sampleId: r["sample_id"], field: r["field"], region: region, suggestedClass: r["suggested_class"], note: r["note"])
        f.id = r["id"]
        f.state = r["state"]
        f.author = r["author"]
        f.createdAt = r["created_at"]
        return f
      }
    }
  }

  /// Moves a flag to another state (open, fixed, rejected). Committed before this returns.
  public func setFlagState(_ id: Int64, _ state: FlagState) throws {
    try write { db in
      try db.execute(sql: "UPDATE flag SET state = ?, updated_at = strftime('%Y-%m-%d %H:%M:%S', 'now') WHERE id = ?", arguments: [state.rawValue, id])
      guard db.changesCount == 1 else { throw StoreError.notFound("flag \(id)") }
    }
  }

  /// Samples having a flag in a state (open by default), ascending.
  public func flaggedSampleIds(state: FlagState? = .open) throws -> [Int64] {
    try read { db in
      if let state { return try Int64.fetchAll(db, sql: "SELECT DISTINCT sample_id FROM flag WHERE state = ? ORDER BY sample_id", arguments: [state.rawValue]) }
      return try Int64.fetchAll(db, sql: "SELECT DISTINCT sample_id FROM flag ORDER BY sample_id")
    }
  }
}

/// Which flags to list.

extension RegionFlag {
  /// "rect 10,20 30x40", "component at 5,6", "instance 17", "whole mask".
  public var regionText: String { region.text }
}

// The domain's words are stored as their raw text.
extension FlagState: DatabaseValueConvertible {}
extension Verdict: DatabaseValueConvertible {}
