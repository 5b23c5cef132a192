import DatasetFixtures
import Workflows
import DatasetStore
import Evaluation
import Foundation
import SegmentationCore
import Testing

@Suite("FiftyOne's per-sample fields: stored with --dialect fiftyone, in views and exports", .serialized)
struct FiftyOneFieldsTests {
  @Test("acc_fo, precision_fo, recall_fo equal each sample's own micro numbers; views sort and filter by them; CSV and JSON carry them")
  func perSampleFields() throws {
    let f = try SessionFixture()
    defer { f.remove() }
    var req = EvaluationRunner.Request(key: "fo", predField: "model_b")
    req.dialect = .fiftyone
    let (run, _, _, _) = try EvaluationRunner(store: f.store).run(req, version: "test")
    let matrices = try f.store.sampleMatrices(run: run)
    let ids = Array(matrices.keys)
    let acc = try f.store.sampleColumn("acc_fo", run: "fo", ids: ids)
    let prec = try f.store.sampleColumn("precision_fo", run: "fo", ids: ids)
    let rec = try f.store.sampleColumn("recall_fo", run: "fo", ids: ids)
    #expect(acc.count == ids.count && ids.count == 6)
    for (id, m) in matrices {
      // FiftyOne's micro definitions, class 0 left out, written out here from the matrix.
      let k = m.classCount
      var tp: UInt64 = 0, rows: UInt64 = 0, cols: UInt64 = 0, total: UInt64 = 0
      for g in 0..<k {
        for p in 0..<k {
          total += m[g, p]
          if g > 0 && g == p { tp += m[g, p] }
          if g > 0 { rows += m[g, p] }
          if p > 0 { cols += m[g, p] }
        }
      }
      let expected = (Double(tp) / Double(total - m[0, 0]), Double(tp) / Double(cols), Double(tp) / Double(rows))
      #expect(abs((acc[id] ?? -1) - expected.0) < 1e-12 && abs((prec[id] ?? -1) - expected.1) < 1e-12 && abs((rec[id] ?? -1) - expected.2) < 1e-12)
    }
    let sorted = try f.store.sampleIds(ViewExpression.parse("sort:-recall_fo(fo)"))
    #expect(sorted.map { rec[$0] ?? -1 } == sorted.map { rec[$0] ?? -1 }.sorted(by: >))
    let cut = rec.values.sorted()[3]
    #expect(Set(try f.store.sampleIds(ViewExpression.parse("recall_fo(fo)<\(cut)"))) == Set(rec.filter { $0.value < cut }.map(\.key)))
    // A run of another dialect has no such fields: an error naming the way to make one.
    _ = try EvaluationRunner(store: f.store).run(.init(key: "mm", predField: "model_b"), version: "test")
    do {
      _ = try f.store.sampleIds(ViewExpression.parse("acc_fo(mm)<0.5"))
      Issue.record("acc_fo of an mmseg run should be refused")
    } catch {
      #expect("\(error)".contains("--dialect fiftyone"))
    }
    // Exports of the fiftyone run carry the fields; of the mmseg run, not.
    let csv = f.root + "/fo.csv", json = f.root + "/fo.json", plain = f.root + "/mm.csv"
    _ = try ViewExport(store: f.store, run: "fo").write(.csv, ids: ids, title: "", to: csv)
    _ = try ViewExport(store: f.store, run: "fo").write(.json, ids: ids, title: "", to: json)
    _ = try ViewExport(store: f.store, run: "mm").write(.csv, ids: ids, title: "", to: plain)
    let header = try String(contentsOfFile: csv, encoding: .utf8).split(separator: "\n")[0]
    #expect(header.hasSuffix(",run,acc_fo,precision_fo,recall_fo"))
    #expect(!(try String(contentsOfFile: plain, encoding: .utf8)).contains("acc_fo"))
    let doc = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
    let first = try #require((doc["samples"] as? [[String: Any]])?.first)
    #expect(first["acc_fo"] is Double && first["precision_fo"] is Double && first["recall_fo"] is Double)
  }
}
