import Foundation
import GRDB
import SegmentationCore

/// A sample's cluster (`segscope clusters`).
public struct ClusterMembership: Sendable, Equatable {
  public var sampleId: Int64
  public var cluster: Int
  /// Cosine distance of the sample's embedding to its cluster's centre.
  public var distance: Double
  public init(sampleId: Int64, cluster: Int, distance: Double) {
    self.sampleId = sampleId
    self.cluster = cluster
    self.distance = distance
  }
}

extension DatasetStore {
  /// Replaces the stored clusters (one row per clustered sample) and records k.
  public func saveClusters(_ members: [ClusterMembership], k: Int) throws {
    try write { db in
      try db.execute(sql: "DELETE FROM sample_cluster")
      let st = try db.cachedStatement(sql: "INSERT INTO sample_cluster(sample_id, cluster, distance) VALUES (?, ?, ?)")
      for m in members { try st.execute(arguments: [m.sampleId, m.cluster, m.distance]) }
      try Self.mark(db, "sample_cluster", samples: members.count, parameter: Double(k))
    }
  }

  /// The stored clusters of present samples, by cluster then distance to the centre.
  public func clusters() throws -> [ClusterMembership] {
    try read { db in
      try Row.fetchAll(
        db,
        sql: """
          SELECT c.sample_id, c.cluster, c.distance FROM sample_cluster c JOIN sample s ON s.id = c.sample_id
          WHERE s.present = 1 ORDER BY c.cluster, c.distance, c.sample_id
          """
      ).map { ClusterMembership(sampleId: $0["sample_id"], cluster: $0["cluster"], distance: $0["distance"]) }
    }
  }

  /// The class histogram (value -> pixels) of each sample's current mask in a field.
  public func classHistograms(field: String) throws -> [Int64: [(value: Int, pixels: Int)]] {
    try read { db in
      var out: [Int64: [(value: Int, pixels: Int)]] = [:]
      let cursor = try Row.fetchCursor(db, sql: "SELECT sample_id, hist FROM mask_histogram WHERE field = ?", arguments: [field])
      while let r = try cursor.next() {
        out[r["sample_id"]] = ClassHistogram.unpack(r["hist"] as Data)
      }
      return out
    }
  }
}

extension DatasetStore {
  /// Brightness and contrast of each image whose signature has them.
  public func imageLuma() throws -> [Int64: (brightness: Double, contrast: Double)] {
    try read { db in
      var out: [Int64: (Double, Double)] = [:]
      let cursor = try Row.fetchCursor(
        db, sql: "SELECT sample_id, brightness, contrast FROM image_signature WHERE brightness IS NOT NULL AND contrast IS NOT NULL")
      while let r = try cursor.next() { out[r["sample_id"]] = (r["brightness"], r["contrast"]) }
      return out
    }
  }

  /// Whether a curation result (`uniqueness`, `sample_cluster`, ...) has been computed.
  public func hasCuration(_ table: String) throws -> Bool {
    try read { db in try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM curation_state WHERE name = ?)", arguments: [table]) } ?? false
  }
}

extension DatasetStore {
  /// The evaluation run named `key`; an unknown name is an error listing the runs.
  public func run(named key: String) throws -> EvalRun {
    let runs = try runs()
    guard let run = runs.first(where: { $0.key == key }) else {
      throw StoreError.invalid("no evaluation run '\(key)' (runs: \(runs.isEmpty ? "none; run segscope eval first" : runs.map(\.key).joined(separator: ", ")))")
    }
    return run
  }
}
