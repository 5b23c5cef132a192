import Foundation
import TestSupport
import Testing

/// The command line as a user runs it: from another directory, a prediction folder elsewhere on
/// disk, stray 16-bit values; the numbers equal mmseg's (numpy transcription).
@Suite("Prediction folders anywhere, evaluated as mmseg evaluates them")
struct LayoutConformanceTests {
  /// Runs segscope in `cwd`.
  func segscope(_ args: [String], in cwd: String) throws -> (status: Int32, out: String, err: String) {
    let quoted = args.map { "'" + $0.replacingOccurrences(of: "'", with: "'\\''") + "'" }.joined(separator: " ")
    let r = try Shell.run(["timeout", "120", "sh", "-c", "cd '\(cwd)' && exec '\(Binary.path)' \(quoted)"])
    return (r.status, String(decoding: r.out, as: UTF8.self), r.err)
  }

  @Test("--pred m=../elsewhere/preds from another directory and an absolute path give the same field; eval equals the oracle")
  func relativeAndAbsolute() throws {
    let dir = try OracleRunner.run("layout_oracle.py")
    defer { try? FileManager.default.removeItem(at: dir) }
    let root = dir.path
    let expected = try #require(OracleRunner.json(dir.appendingPathComponent("expected.json")) as? [String: Any])

    // Relative to the current directory (work/sub), not to the dataset folder.
    let rel = try segscope(["import", "../ds", "--pred", "m=../../elsewhere/preds"], in: root + "/work/sub")
    #expect(rel.status == 0, "\(rel.err)")
    #expect(rel.out.contains("fields: ground_truth, m"), "\(rel.out)")
    // Absolute, from yet another directory.
    let abs = try segscope(["import", root + "/work/ds", "--pred", "a=" + root + "/elsewhere/preds"], in: "/")
    #expect(abs.status == 0, "\(abs.err)")

    for field in ["m", "a"] {
      // Evaluated from a third directory: the stored references do not depend on where it started.
      let r = try segscope(["eval", root + "/work/ds", "--pred", field, "--format", "json"], in: root + "/elsewhere")
      #expect(r.status == 0, "\(r.err)")
      let json = try #require(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any], "\(r.out)")
      #expect(
        agrees((json["mIoU"] as? Double) ?? .nan, expected["mIoU"]),
        "\(field) mIoU \(String(describing: json["mIoU"])) vs \(String(describing: expected["mIoU"]))")
      #expect(agrees((json["aAcc"] as? Double) ?? .nan, expected["aAcc"]), "\(field) aAcc")
      let classes = try #require(json["classes"] as? [[String: Any]])
      let iou = try #require(expected["iou"] as? [Any])
      let predPixels = try #require(expected["pred_pixels"] as? [Double])
      #expect(classes.count == 6)
      for (i, c) in classes.enumerated() {
        #expect(agrees((c["iou"] as? Double) ?? .nan, iou[i]), "\(field) iou[\(i)]")
        #expect(Double(c["pred_pixels"] as? Int ?? -1) == predPixels[i], "\(field) pred_pixels[\(i)]")
      }
      // The stray values are reported with file, value and pixel count (stderr keeps JSON clean).
      #expect(r.err.contains("masks/img_002.png: ground truth has values outside the class map (0-5): 40000 (1 px), 65535 (1 px)"), "\(r.err)")
      #expect(r.err.contains("preds/img_002.png: prediction has values outside the class map (0-5): 40000 (1 px), 65535 (1 px)"), "\(r.err)")
    }

    // What was asked for and not found: exit 1, the folder named; the rest is kept.
    let missing = try segscope(["import", "ds", "--pred", "x=/no/such/folder"], in: root + "/work")
    #expect(missing.status == 1)
    #expect(missing.err.contains("--pred x=/no/such/folder: no such folder"), "\(missing.err)")
    let info = try segscope(["info", "ds", "--json"], in: root + "/work")
    #expect(info.out.contains("\"name\":\"m\"") && info.out.contains("\"name\":\"a\""))
  }
}
