import Foundation
import GRDB

/// The database schema, as versioned migrations. New migrations are appended; old ones never change.
enum Schema {
  static func migrator() -> DatabaseMigrator {
    var m = DatabaseMigrator()
    m.registerMigration("v1-dataset") { db in
      try db.execute(
        sql: """
          CREATE TABLE meta(key TEXT PRIMARY KEY NOT NULL, value TEXT NOT NULL);
          CREATE TABLE sample(
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL UNIQUE,          -- image path relative to the dataset root
            stem TEXT NOT NULL,
            width INTEGER, height INTEGER,
            split TEXT,
            orientation INTEGER NOT NULL DEFAULT 1,
            present INTEGER NOT NULL DEFAULT 1, -- 0 once the file vanished on a re-import
            custom TEXT                         -- JSON object of custom fields
          );
          CREATE INDEX sample_split ON sample(split);
          CREATE INDEX sample_stem ON sample(stem);
          CREATE TABLE mask_field(
            name TEXT PRIMARY KEY NOT NULL,
            kind TEXT NOT NULL,                 -- semantic | instance
            role TEXT NOT NULL,                 -- ground_truth | prediction
            root TEXT                           -- folder the masks came from, relative to the root
          );
          CREATE TABLE class(
            field TEXT NOT NULL REFERENCES mask_field(name) ON DELETE CASCADE,
            value INTEGER NOT NULL,
            name TEXT NOT NULL,
            color TEXT,
            is_ignore INTEGER NOT NULL DEFAULT 0,
            PRIMARY KEY(field, value)
          );
          CREATE TABLE mask(
            sample_id INTEGER NOT NULL REFERENCES sample(id) ON DELETE CASCADE,
            field TEXT NOT NULL REFERENCES mask_field(name) ON DELETE CASCADE,
            revision INTEGER NOT NULL DEFAULT 0,
            path TEXT NOT NULL,
            width INTEGER, height INTEGER, bit_depth INTEGER,
            PRIMARY KEY(sample_id, field, revision)
          );
          CREATE TABLE class_pixels(              -- filled by the histogram pass
            sample_id INTEGER NOT NULL REFERENCES sample(id) ON DELETE CASCADE,
            field TEXT NOT NULL,
            value INTEGER NOT NULL,
            pixels INTEGER NOT NULL,
            PRIMARY KEY(field, value, sample_id)
          ) WITHOUT ROWID;
          CREATE TABLE histogram_done(sample_id INTEGER NOT NULL, field TEXT NOT NULL, PRIMARY KEY(sample_id, field)) WITHOUT ROWID;
          CREATE TABLE problem(
            id INTEGER PRIMARY KEY,
            path TEXT NOT NULL,
            problem TEXT NOT NULL,
            stage TEXT NOT NULL,                -- import | histogram | eval
            created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
          );
          CREATE TABLE tag(
            sample_id INTEGER NOT NULL REFERENCES sample(id) ON DELETE CASCADE,
            tag TEXT NOT NULL,
            PRIMARY KEY(tag, sample_id)
          ) WITHOUT ROWID;
          CREATE TABLE saved_view(name TEXT PRIMARY KEY NOT NULL, expr TEXT NOT NULL);
          """)
    }
    m.registerMigration("v1-evaluation") { db in
      try db.execute(
        sql: """
          CREATE TABLE eval_run(
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            gt_field TEXT NOT NULL,
            pred_field TEXT NOT NULL,
            dialect TEXT NOT NULL,
            class_count INTEGER NOT NULL,
            options TEXT NOT NULL,              -- JSON
            version TEXT NOT NULL,
            created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
          );
          CREATE TABLE eval_sample(
            run_id INTEGER NOT NULL REFERENCES eval_run(id) ON DELETE CASCADE,
            sample_id INTEGER NOT NULL REFERENCES sample(id) ON DELETE CASCADE,
            miou REAL, accuracy REAL,
            matrix BLOB,                        -- K x (K+1) little-endian UInt64
            problem TEXT,
            PRIMARY KEY(run_id, sample_id)
          ) WITHOUT ROWID;
          CREATE INDEX eval_sample_miou ON eval_sample(run_id, miou);
          CREATE TABLE eval_class(
            run_id INTEGER NOT NULL REFERENCES eval_run(id) ON DELETE CASCADE,
            sample_id INTEGER NOT NULL,
            class INTEGER NOT NULL,
            iou REAL, tp INTEGER NOT NULL, fp INTEGER NOT NULL, fn INTEGER NOT NULL,
            PRIMARY KEY(run_id, class, sample_id)
          ) WITHOUT ROWID;
          """)
    }
    m.registerMigration("v2-eval-ignored-pixels") { db in
      try db.execute(sql: "ALTER TABLE eval_sample ADD COLUMN ignored INTEGER NOT NULL DEFAULT 0")
    }
    m.registerMigration("v3-eval-class-index") { db in
      try db.execute(sql: "CREATE INDEX IF NOT EXISTS eval_class_iou ON eval_class(run_id, class, iou)")
    }
    m.registerMigration("v4-eval-boundary") { db in
      try db.execute(sql: "ALTER TABLE eval_sample ADD COLUMN boundary BLOB")
    }
    m.registerMigration("v5-instances") { db in
      try db.execute(
        sql: """
          CREATE TABLE instance(
            id INTEGER PRIMARY KEY,
            sample_id INTEGER NOT NULL REFERENCES sample(id) ON DELETE CASCADE,
            field TEXT NOT NULL,
            source_id INTEGER,                 -- the annotation id in the source file
            category INTEGER NOT NULL,
            iscrowd INTEGER NOT NULL DEFAULT 0,
            score REAL,
            area REAL NOT NULL,                -- as COCOeval uses it (JSON area, or loadRes' rule)
            height INTEGER NOT NULL, width INTEGER NOT NULL,
            rle TEXT NOT NULL                  -- compressed COCO RLE
          );
          CREATE INDEX instance_sample ON instance(field, sample_id);
          CREATE TABLE instance_tag(instance_id INTEGER NOT NULL REFERENCES instance(id) ON DELETE CASCADE, tag TEXT NOT NULL, PRIMARY KEY(tag, instance_id)) WITHOUT ROWID;
          ALTER TABLE eval_run ADD COLUMN kind TEXT NOT NULL DEFAULT 'semantic';
          ALTER TABLE eval_run ADD COLUMN summary TEXT;
          """)
    }
    m.registerMigration("v6-field-decoding") { db in
      try db.execute(sql: "ALTER TABLE mask_field ADD COLUMN decoding TEXT NOT NULL DEFAULT 'identity'")
    }
    m.registerMigration("v7-flags-and-review") { db in
      try db.execute(
        sql: """
          CREATE TABLE flag(
            id INTEGER PRIMARY KEY,
            sample_id INTEGER NOT NULL REFERENCES sample(id) ON DELETE CASCADE,
            field TEXT NOT NULL DEFAULT 'ground_truth',
            kind TEXT NOT NULL,                -- mask | instance | component | rect
            instance_id INTEGER,               -- kind = instance
            x INTEGER, y INTEGER,              -- component: a pixel inside it; rect: top-left
            w INTEGER, h INTEGER,              -- rect size
            suggested_class INTEGER,
            note TEXT NOT NULL DEFAULT '',
            state TEXT NOT NULL DEFAULT 'open', -- open | fixed | rejected
            author TEXT NOT NULL,
            created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP
          );
          CREATE INDEX flag_sample ON flag(sample_id);
          CREATE TABLE review_queue(name TEXT PRIMARY KEY NOT NULL, expr TEXT NOT NULL, created_at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP);
          CREATE TABLE review_verdict(
            queue TEXT NOT NULL REFERENCES review_queue(name) ON DELETE CASCADE,
            sample_id INTEGER NOT NULL REFERENCES sample(id) ON DELETE CASCADE,
            verdict TEXT NOT NULL,             -- ok | needs-fix | skip
            author TEXT NOT NULL,
            at TEXT NOT NULL DEFAULT CURRENT_TIMESTAMP,
            PRIMARY KEY(queue, sample_id)
          ) WITHOUT ROWID;
          """)
    }
    m.registerMigration("v8-revisions-and-review-position") { db in
      try db.execute(
        sql: """
          ALTER TABLE mask ADD COLUMN decoding TEXT;   -- NULL: the field's decoding; revisions segscope wrote hold class ids
          ALTER TABLE mask ADD COLUMN author TEXT;
          ALTER TABLE mask ADD COLUMN created_at TEXT;
          ALTER TABLE mask ADD COLUMN note TEXT;
          ALTER TABLE mask ADD COLUMN diff TEXT;       -- MaskEdit.Diff.serialized, against the previous revision
          ALTER TABLE review_queue ADD COLUMN position INTEGER;  -- the sample the reviewer was last on
          ALTER TABLE flag ADD COLUMN updated_at TEXT;
          CREATE INDEX flag_state ON flag(state, sample_id);
          """)
    }
    m.registerMigration("v9-instance-matches") { db in
      try db.execute(
        sql: """
          ALTER TABLE eval_sample ADD COLUMN tp INTEGER;
          ALTER TABLE eval_sample ADD COLUMN fp INTEGER;
          ALTER TABLE eval_sample ADD COLUMN fn INTEGER;
          CREATE TABLE eval_instance(
            run_id INTEGER NOT NULL REFERENCES eval_run(id) ON DELETE CASCADE,
            side TEXT NOT NULL,                -- gt | pred
            instance_id INTEGER NOT NULL,      -- the annotation's id in its field
            sample_id INTEGER NOT NULL,
            category INTEGER NOT NULL,
            matched_id INTEGER,                -- the instance on the other side, if matched
            iou REAL NOT NULL,                 -- with the match; unmatched: the best with any
            outcome TEXT NOT NULL,             -- tp | fp | fn | ignored | beyondMaxDets
            PRIMARY KEY(run_id, side, instance_id)
          ) WITHOUT ROWID;
          CREATE INDEX eval_instance_sample ON eval_instance(run_id, sample_id);
          """)
    }
    m.registerMigration("v10-class-pixels-without-foreign-key") { db in
      // Samples are never deleted (vanished ones are marked absent), so the foreign key only cost a
      // parent lookup for each of the indexer's rows: about a third of its write time.
      try db.execute(
        sql: """
          CREATE TABLE class_pixels_new(
            sample_id INTEGER NOT NULL,
            field TEXT NOT NULL,
            value INTEGER NOT NULL,
            pixels INTEGER NOT NULL,
            PRIMARY KEY(field, value, sample_id)
          ) WITHOUT ROWID;
          INSERT INTO class_pixels_new SELECT sample_id, field, value, pixels FROM class_pixels;
          DROP TABLE class_pixels;
          ALTER TABLE class_pixels_new RENAME TO class_pixels;
          """)
    }
    m.registerMigration("v11-view-cache") { db in
      // The view columns (samples in path order, splits, class pixel counts) kept between sessions,
      // so that a cold `query` or a freshly opened app answers class and split views from a few
      // blobs. Each entry records the generations it was built from: `sample_gen` moves with every
      // change to a sample's path, split or presence (triggers), `class_gen` with every class
      // histogram written (DatasetStore.histogramsChanged, called by the indexer and by revisions).
      try db.execute(
        sql: """
          CREATE TABLE view_cache(key TEXT PRIMARY KEY NOT NULL, gen TEXT NOT NULL, data BLOB NOT NULL) WITHOUT ROWID;
          INSERT OR IGNORE INTO meta(key, value) VALUES ('sample_gen', '0'), ('class_gen', '0');
          CREATE TRIGGER sample_gen_insert AFTER INSERT ON sample BEGIN
            UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'sample_gen';
          END;
          CREATE TRIGGER sample_gen_update AFTER UPDATE OF path, split, present ON sample BEGIN
            UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'sample_gen';
          END;
          CREATE TRIGGER sample_gen_delete AFTER DELETE ON sample BEGIN
            UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'sample_gen';
          END;
          """)
    }
    m.registerMigration("v12-mask-histogram") { db in
      // One row per indexed mask with its whole class histogram (ClassHistogram), replacing one row
      // per (mask, class) and the separate "done" marks: the indexing pass writes ten times fewer rows.
      try db.execute(
        sql: "CREATE TABLE mask_histogram(field TEXT NOT NULL, sample_id INTEGER NOT NULL, hist BLOB NOT NULL, PRIMARY KEY(field, sample_id)) WITHOUT ROWID")
      let insert = try db.makeStatement(sql: "INSERT INTO mask_histogram(field, sample_id, hist) VALUES (?, ?, ?)")
      var current: (String, Int64)? = nil
      var entries: [(Int, Int)] = []
      func flush() throws {
        if let (f, sid) = current { try insert.execute(arguments: [f, sid, ClassHistogram.pack(entries)]) }
        entries = []
      }
      let rows = try Row.fetchCursor(db, sql: "SELECT field, sample_id, value, pixels FROM class_pixels ORDER BY field, sample_id")
      while let r = try rows.next() {
        let key: (String, Int64) = (r["field"], r["sample_id"])
        if current.map({ $0.0 != key.0 || $0.1 != key.1 }) ?? true {
          try flush()
          current = key
        }
        entries.append((r["value"], r["pixels"]))
      }
      try flush()
      // Masks indexed with no pixel at all (an empty mask) keep their mark as an empty histogram.
      try db.execute(sql: "INSERT OR IGNORE INTO mask_histogram(field, sample_id, hist) SELECT field, sample_id, x'' FROM histogram_done")
      try db.execute(sql: "DROP TABLE class_pixels; DROP TABLE histogram_done")
      try db.execute(sql: "UPDATE meta SET value = CAST(value AS INTEGER) + 1 WHERE key = 'class_gen'")
    }
    m.registerMigration("v13-mask-file-signature") { db in
      // Size and modification time of an imported mask file: a re-import that finds them changed
      // drops the mask's histogram so that the indexing pass reads the new content.
      try db.execute(sql: "ALTER TABLE mask ADD COLUMN file_sig TEXT")
    }
    m.registerMigration("v14-label-error-suspects") { db in
      // Label-error runs (segscope mistakes): per sample a score and the suspect regions; dismissed
      // regions ("the label is right") stay dismissed when the run is made again.
      try db.execute(
        sql: """
          CREATE TABLE suspect_run(key TEXT PRIMARY KEY, gt_field TEXT NOT NULL, pred_fields TEXT NOT NULL, evidence TEXT NOT NULL,
            created TEXT NOT NULL, version TEXT NOT NULL);
          CREATE TABLE suspect_sample(run_key TEXT NOT NULL REFERENCES suspect_run(key) ON DELETE CASCADE, sample_id INTEGER NOT NULL,
            gt_revision INTEGER NOT NULL, evidence TEXT NOT NULL, score REAL NOT NULL, quality REAL NOT NULL, regions INTEGER NOT NULL,
            PRIMARY KEY(run_key, sample_id)) WITHOUT ROWID;
          CREATE INDEX suspect_sample_score ON suspect_sample(run_key, score);
          CREATE TABLE suspect_region(run_key TEXT NOT NULL REFERENCES suspect_run(key) ON DELETE CASCADE, sample_id INTEGER NOT NULL,
            idx INTEGER NOT NULL, x INTEGER NOT NULL, y INTEGER NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL,
            pixels INTEGER NOT NULL, given INTEGER NOT NULL, predicted INTEGER NOT NULL, kind TEXT NOT NULL, score REAL NOT NULL,
            PRIMARY KEY(run_key, sample_id, idx)) WITHOUT ROWID;
          CREATE TABLE suspect_dismissal(sample_id INTEGER NOT NULL, given INTEGER NOT NULL, predicted INTEGER NOT NULL,
            x INTEGER NOT NULL, y INTEGER NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL, created TEXT NOT NULL,
            PRIMARY KEY(sample_id, given, predicted, x, y, width, height)) WITHOUT ROWID;
          """)
    }
    m.registerMigration("v15-curation") { db in
      // Image signatures (content hash, perceptual hashes, classical embedding; remade when the
      // image file changes or the recipe's version does), duplicate groups and pairs, uniqueness.
      try db.execute(
        sql: """
          CREATE TABLE image_signature(sample_id INTEGER PRIMARY KEY, file_sig TEXT NOT NULL, content_hash INTEGER NOT NULL,
            file_size INTEGER NOT NULL, phash INTEGER NOT NULL, dhash INTEGER NOT NULL, embedding BLOB NOT NULL, layout BLOB,
            version INTEGER NOT NULL);
          CREATE INDEX image_signature_hash ON image_signature(content_hash, file_size);
          CREATE TABLE duplicate_group(sample_id INTEGER PRIMARY KEY, group_id INTEGER NOT NULL, exact INTEGER NOT NULL, leak INTEGER NOT NULL);
          CREATE INDEX duplicate_group_id ON duplicate_group(group_id);
          CREATE TABLE duplicate_pair(a INTEGER NOT NULL, b INTEGER NOT NULL, kind TEXT NOT NULL, distance REAL NOT NULL,
            PRIMARY KEY(a, b)) WITHOUT ROWID;
          CREATE TABLE uniqueness(sample_id INTEGER PRIMARY KEY, value REAL NOT NULL);
          CREATE TABLE curation_state(name TEXT PRIMARY KEY, computed TEXT NOT NULL, samples INTEGER NOT NULL, parameter REAL);
          """)
    }
    m.registerMigration("v16-fiftyone-sample-fields") { db in
      // FiftyOne's per-sample accuracy, precision and recall (micro, class 0 left out), stored for
      // runs made with --dialect fiftyone.
      try db.execute(
        sql: """
          ALTER TABLE eval_sample ADD COLUMN acc_fo REAL;
          ALTER TABLE eval_sample ADD COLUMN precision_fo REAL;
          ALTER TABLE eval_sample ADD COLUMN recall_fo REAL;
          """)
    }
    m.registerMigration("v17-mask-layout") { db in
      // The ground truth's mask layout (curation's signature part), made by the indexing pass, which
      // decodes every mask anyway; a new revision's row has none until the next signature pass.
      try db.execute(sql: "ALTER TABLE mask_histogram ADD COLUMN layout BLOB")
    }
    m.registerMigration("v18-label-error-calibration") { db in
      // Calibrated label-error runs: each region keeps its raw score (this mask's evidence alone) and
      // size bin, each sample the ground-truth classes it holds and the revisions of the evidence it
      // read, and the run the parameters it was made with, so that an interrupted run resumes and
      // the calibration is recomputed from stored statistics without reading a mask again.
      try db.execute(
        sql: """
          ALTER TABLE suspect_region ADD COLUMN raw REAL;
          ALTER TABLE suspect_region ADD COLUMN size_bin INTEGER NOT NULL DEFAULT 0;
          ALTER TABLE suspect_sample ADD COLUMN classes TEXT;
          ALTER TABLE suspect_sample ADD COLUMN evidence_sig TEXT;
          ALTER TABLE suspect_run ADD COLUMN params TEXT;
          """)
    }
    m.registerMigration("v19-clusters") { db in
      // Brightness and contrast of each image (made with its signature, slice candidates), and the
      // clusters of the images' embeddings (`segscope clusters`): each sample's cluster and its
      // cosine distance to the cluster's centre.
      try db.execute(
        sql: """
          ALTER TABLE image_signature ADD COLUMN brightness REAL;
          ALTER TABLE image_signature ADD COLUMN contrast REAL;
          CREATE TABLE sample_cluster(sample_id INTEGER PRIMARY KEY, cluster INTEGER NOT NULL, distance REAL NOT NULL);
          CREATE INDEX sample_cluster_id ON sample_cluster(cluster);
          """)
    }
    return m
  }
}
