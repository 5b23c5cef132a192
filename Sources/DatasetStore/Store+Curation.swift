import Foundation
import GRDB
import SegmentationCore

/// An image's stored signature (see `ImageSignature`).
public struct StoredSignature: Sendable, Equatable {
  public var sampleId: Int64
  /// Size and modification time of the image file when it was made ("size:mtime").
  public var fileSig: String
  /// 64-bit FNV-1a of the file's bytes, and its size: equal bytes, equal hash.
  public var contentHash: UInt64
  public var fileSize: Int
  public var phash: UInt64
  public var dhash: UInt64
  public var embedding: [Float]
  /// `MaskLayout` of the ground truth, when the sample has one.
  public var layout: [Float]?
  public var version: Int
  /// Mean luma in [0, 1] and RMS contrast (`ImageSignature`); nil in a signature made before they were.
  public var brightness: Float?
  public var contrast: Float?

  public init(
    sampleId: Int64, fileSig: String, contentHash: UInt64, fileSize: Int, phash: UInt64, dhash: UInt64, embedding: [Float], layout: [Float]?, version: Int,
    brightness: Float? = nil, contrast: Float? = nil
  ) {
    self.brightness = brightness
    self.contrast = contrast
    self.sampleId = sampleId
    self.fileSig = fileSig
    self.contentHash = contentHash
    self.fileSize = fileSize
    self.phash = phash
    self.dhash = dhash
    self.embedding = embedding
    self.layout = layout
    self.version = version
  }
}

/// A stored pair of duplicates.
public struct DuplicatePair: Sendable, Equatable {
  public var a: Int64
  public var b: Int64
  public var exact: Bool
  public var distance: Double
  public init(a: Int64, b: Int64, exact: Bool, distance: Double) {
    self.a = a
    self.b = b
    self.exact = exact
    self.distance = distance
  }
}

/// A sample's group of duplicates.
public struct DuplicateMembership: Sendable, Equatable {
  public var sampleId: Int64
  public var group: Int
  /// Every member is a byte copy of the others.
  public var exact: Bool
  /// The group spans more than one split.
  public var leak: Bool
  public init(sampleId: Int64, group: Int, exact: Bool, leak: Bool) {
    self.sampleId = sampleId
    self.group = group
    self.exact = exact
    self.leak = leak
  }
}

extension DatasetStore {
  /// The file signature and recipe version of every stored image signature.
  public func signatureStamps() throws -> [Int64: (fileSig: String, version: Int)] {
    try read { db in
      var out: [Int64: (String, Int)] = [:]
      for r in try Row.fetchAll(db, sql: "SELECT sample_id, file_sig, version FROM image_signature") { out[r["sample_id"]] = (r["file_sig"], r["version"]) }
      return out
    }
  }

  /// Stores (or replaces) signatures, one transaction.
  public func saveSignatures(_ rows: [StoredSignature]) throws {
    try write { db in
      let st = try db.cachedStatement(
        sql: """
          INSERT OR REPLACE INTO image_signature(sample_id, file_sig, content_hash, file_size, phash, dhash, embedding, layout, version,
            brightness, contrast)
          VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
          """)
      for r in rows {
        try st.execute(arguments: [
          r.sampleId, r.fileSig, Int64(bitPattern: r.contentHash), r.fileSize, Int64(bitPattern: r.phash), Int64(bitPattern: r.dhash),
          Self.blob(r.embedding), r.layout.map(Self.blob), r.version, r.brightness.map { Double($0) }, r.contrast.map { Double($0) },
        ])
      }
    }
  }

  /// Signatures of present samples (of `ids` when given), by sample id.
  public func signatures(ids: [Int64]? = nil) throws -> [StoredSignature] {
    let wanted = ids.map(Set.init)
    return try read { db in
      var out: [StoredSignature] = []
      let cursor = try Row.fetchCursor(
        db,
        sql: """
          SELECT g.sample_id, g.file_sig, g.content_hash, g.file_size, g.phash, g.dhash, g.embedding, g.layout, g.version,
            g.brightness, g.contrast
          FROM image_signature g JOIN sample s ON s.id = g.sample_id WHERE s.present = 1 ORDER BY g.sample_id
          """)
      while let r = try cursor.next() {
        let id: Int64 = r["sample_id"]
        if let wanted, !wanted.contains(id) { continue }
        out.append(
          StoredSignature(
            sampleId: id, fileSig: r["file_sig"], contentHash: UInt64(bitPattern: r["content_hash"]), fileSize: r["file_size"],
            phash: UInt64(bitPattern: r["phash"]), dhash: UInt64(bitPattern: r["dhash"]), embedding: Self.floats(r["embedding"]),
            layout: (r["layout"] as Data?).map(Self.floats), version: r["version"], brightness: (r["brightness"] as Double?).map { Float($0) },
            contrast: (r["contrast"] as Double?).map { Float($0) }))
      }
      return out
    }
  }

  /// The ground-truth mask layouts the indexing pass made (current revisions only: a new revision
  /// replaces its row without one).
  public func maskLayouts(field: String) throws -> [Int64: [Float]] {
    try read { db in
      var out: [Int64: [Float]] = [:]
      let cursor = try Row.fetchCursor(db, sql: "SELECT sample_id, layout FROM mask_histogram WHERE field = ? AND layout IS NOT NULL", arguments: [field])
      while let r = try cursor.next() {
        let packed = [UInt8](r["layout"] as Data)
        if packed.count == MaskLayout.dimensions { out[r["sample_id"]] = MaskLayout.unpack(packed) }
      }
      return out
    }
  }

  /// Forgets every image signature (the next pass makes them all again).
  public func dropSignatures() throws {
    try write { db in try db.execute(sql: "DELETE FROM image_signature") }
  }

  /// Replaces the stored duplicates (groups and pairs) and records the threshold used.
  public func saveDuplicates(_ members: [DuplicateMembership], pairs: [DuplicatePair], threshold: Double, samples: Int) throws {
    try write { db in
      try db.execute(sql: "DELETE FROM duplicate_group")
      try db.execute(sql: "DELETE FROM duplicate_pair")
      let g = try db.cachedStatement(sql: "INSERT INTO duplicate_group(sample_id, group_id, exact, leak) VALUES (?, ?, ?, ?)")
      for m in members { try g.execute(arguments: [m.sampleId, m.group, m.exact, m.leak]) }
      let p = try db.cachedStatement(sql: "INSERT OR REPLACE INTO duplicate_pair(a, b, kind, distance) VALUES (?, ?, ?, ?)")
      for x in pairs { try p.execute(arguments: [min(x.a, x.b), max(x.a, x.b), x.exact ? "exact" : "near", x.distance]) }
      try Self.mark(db, "duplicate_group", samples: samples, parameter: threshold)
    }
  }

  public func duplicateGroups() throws -> [DuplicateMembership] {
    try read { db in
      try Row.fetchAll(db, sql: "SELECT sample_id, group_id, exact, leak FROM duplicate_group ORDER BY group_id, sample_id").map {
        DuplicateMembership(sampleId: $0["sample_id"], group: $0["group_id"], exact: $0["exact"], leak: $0["leak"])
      }
    }
  }

  /// Replaces the stored uniqueness.
  public func saveUniqueness(_ values: [Int64: Double]) throws {
    try write { db in
      try db.execute(sql: "DELETE FROM uniqueness")
      let st = try db.cachedStatement(sql: "INSERT INTO uniqueness(sample_id, value) VALUES (?, ?)")
      for (id, v) in values { try st.execute(arguments: [id, v]) }
      try Self.mark(db, "uniqueness", samples: values.count, parameter: nil)
    }
  }

  public func uniqueness() throws -> [Int64: Double] {
    try read { db in
      var out: [Int64: Double] = [:]
      for r in try Row.fetchAll(db, sql: "SELECT sample_id, value FROM uniqueness") { out[r["sample_id"]] = r["value"] }
      return out
    }
  }

  static func mark(_ db: Database, _ name: String, samples: Int, parameter: Double?) throws {
    try db.execute(
      sql: "INSERT OR REPLACE INTO curation_state(name, computed, samples, parameter) VALUES (?, datetime('now'), ?, ?)",
      arguments: [name, samples, parameter])
  }

  static func blob(_ v: [Float]) -> Data { v.withUnsafeBufferPointer { Data(buffer: $0) } }

  static func floats(_ d: Data) -> [Float] {
    var out = [Float](repeating: 0, count: d.count / MemoryLayout<Float>.size)
    _ = out.withUnsafeMutableBytes { d.copyBytes(to: $0) }
    return out
  }
}
