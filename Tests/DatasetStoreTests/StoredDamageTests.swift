import DatasetImport
import DatasetStore
import Evaluation
import Foundation
import GRDB
import ImageCodec
import SegmentationCore
import Shards
import TestSupport
import Testing

/// `eval --shard` and `merge` below the command line: slices, parts, refusals, and the merged run equal
/// to a one-process run number for number.

/// A damaged or newer database: read as damage, never as another truth.
extension ShardedEvaluationTests {
  @Test("damaged stored counts never make a later read trap")
  func storedDamage() throws {
    let (root, store) = try Self.dataset()
    defer { try? FileManager.default.removeItem(atPath: root) }
    _ = try EvaluationRunner(store: store).run(EvaluationRunner.Request(key: "x", predField: "model"), version: "test")
    var big = Data()
    for v: UInt32 in [0, 1] {
      withUnsafeBytes(of: v.littleEndian) { big.append(contentsOf: $0) }
      withUnsafeBytes(of: UInt64(Int64.max).littleEndian) { big.append(contentsOf: $0) }
    }
    let hist = big
    try store.write { db in
      try db.execute(sql: "UPDATE mask_histogram SET hist = ?", arguments: [hist])
      try db.execute(sql: "UPDATE eval_sample SET ignored = -1000000 WHERE sample_id = (SELECT MIN(sample_id) FROM eval_sample)")
    }
    let totals = try HistogramIndexer(store: store).totals()
    #expect(totals["ground_truth"]?[0]?.pixels == 23 * Int(PixelCount.plausibleMax))
    let run = try #require(try store.runs().first { $0.key == "x" })
    let (_, evaluated, failed) = try store.matrix(run: run)
    #expect(failed >= 1 && evaluated <= 21, "\(evaluated) \(failed)")
    #expect(try store.sampleMatrices(run: run).count == evaluated)
  }

  @Test(
    "a stored word this segscope does not know is an error naming table, column and value, never a default",
    arguments: [
      ("UPDATE mask_field SET role = 'oracle' WHERE role = 'prediction'", "mask_field.role", "'oracle'"),
      ("UPDATE mask_field SET kind = 'hologram'", "mask_field.kind", "'hologram'"),
      ("UPDATE eval_run SET kind = 'quantum'", "eval_run.kind", "'quantum'"),
    ])
  func unknownStoredWords(sql: String, place: String, value: String) throws {
    let (root, store) = try Self.dataset()
    defer { try? FileManager.default.removeItem(atPath: root) }
    _ = try EvaluationRunner(store: store).run(EvaluationRunner.Request(key: "x", predField: "model"), version: "test")
    #expect(try store.fields().count == 2 && store.runs().count == 1, "readable before the damage")
    try store.write { db in try db.execute(sql: sql) }
    do {
      _ = try store.fields()
      _ = try store.runs()
      Issue.record("read \(place) = \(value) as something else")
    } catch {
      let text = "\(error)"
      #expect(text.contains(place) && text.contains(value), "\(text)")
    }
  }

  @Test("a run's dialect this segscope does not know is an error naming the run, not mmseg")
  func unknownDialect() throws {
    let (root, store) = try Self.dataset()
    defer { try? FileManager.default.removeItem(atPath: root) }
    _ = try EvaluationRunner(store: store).run(EvaluationRunner.Request(key: "x", predField: "model"), version: "test")
    #expect(try store.runs().first?.metricDialect() == .mmseg)
    try store.write { db in try db.execute(sql: "UPDATE eval_run SET dialect = 'klingon'") }
    do {
      _ = try store.runs().first?.metricDialect()
      Issue.record("read an unknown dialect")
    } catch {
      #expect("\(error)".contains("eval_run.dialect of run 'x'") && "\(error)".contains("'klingon'"), "\(error)")
    }
  }
}
