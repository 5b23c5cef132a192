import GRDB

extension DatasetStore {
  /// Sets the imported (revision 0) mask of `field` for each sample, replacing an earlier one; the
  /// class histograms of those masks are dropped, so the indexing pass reads them again.
  /// Removes every mask of a field (and their histograms): what replacing a whole field starts with.
  public func removeMasks(field: String) throws {
    try write { db in
      try db.execute(sql: "DELETE FROM mask WHERE field = ?", arguments: [field])
      try db.execute(sql: "DELETE FROM mask_histogram WHERE field = ?", arguments: [field])
      try DatasetStore.histogramsChanged(db)
    }
  }

  public func setMasks(field: String, _ entries: [(sampleId: Int64, mask: MaskEntry)]) throws {
    guard !entries.isEmpty else { return }
    let rows = entries.map { e in (e.sampleId, e.mask, DatasetStore.fileSignature(absolutePath(e.mask.path))) }
    try write { db in
      let upsert = try db.makeStatement(
        sql:
          "INSERT INTO mask(sample_id, field, revision, path, width, height, bit_depth, file_sig) VALUES (?, ?, 0, ?, ?, ?, ?, ?) ON CONFLICT(sample_id, field, revision) DO UPDATE SET path = excluded.path, width = excluded.width, height = excluded.height, bit_depth = excluded.bit_depth, file_sig = excluded.file_sig"
      )
      let drop = try db.makeStatement(sql: "DELETE FROM mask_histogram WHERE field = ? AND sample_id = ?")
      for (id, m, sig) in rows {
        try upsert.execute(arguments: [id, m.field, m.path, m.width, m.height, m.bitDepth, sig])
        try drop.execute(arguments: [m.field, id])
      }
      try DatasetStore.histogramsChanged(db)
    }
  }
}
