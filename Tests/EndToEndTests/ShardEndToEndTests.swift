import Foundation
import TestSupport
import Testing

/// `segscope eval --shard auto` as cluster schedulers run it: a 4-task array on a real one-node Slurm
/// (Tests/Scripts/slurm-local.sh) with a dependent merge job, submitted through examples/slurm, and 4
/// processes with JOB_COMPLETION_INDEX as a Kubernetes Indexed Job gives them. The merged report must
/// equal a one-process `eval`, number for number.
@Suite("Sharded eval on a real Slurm, and as a Kubernetes Indexed Job", .serialized)
struct ShardEndToEndTests {
  static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

  static func tempDir(_ name: String) throws -> String {
    let d = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-" + UUID().uuidString).path
    try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
  }

  /// A semantic dataset (the demo's, two models).
  static func semanticDataset(_ dir: String) throws -> String {
    let d = dir + "/demo"
    let r = try Shell.run([Binary.path, "demo", "--dir", d, "--samples", "40", "--size", "160x120", "--print"])
    try #require(r.status == 0, "demo: \(r.err)")
    return d
  }

  /// A COCO dataset with a results file (the COCOeval conformance data), imported.
  static func instanceDataset(_ dir: String) throws -> String {
    let d = dir + "/coco"
    let r = try Shell.run(["python3", repo + "/Tests/Conformance/cocoeval_oracle.py", d, "3"])
    try #require(r.status == 0, "\(r.err)")
    try FileManager.default.createDirectory(atPath: d + "/data", withIntermediateDirectories: true)
    try FileManager.default.moveItem(atPath: d + "/gt.json", toPath: d + "/labels.json")
    let gt = try #require(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: d + "/labels.json"))) as? [String: Any])
    for im in try #require(gt["images"] as? [[String: Any]]) {
      let w = try #require(im["width"] as? Int), h = try #require(im["height"] as? Int)
      let name = try #require(im["file_name"] as? String)
      // A picture of the right size (ImageMagick), so the import finds every image.
      let c = try Shell.run(["convert", "-size", "\(w)x\(h)", "xc:gray", d + "/data/" + name])
      try #require(c.status == 0, "\(c.err)")
    }
    let i = try Shell.run([Binary.path, "import", d, "--pred", "model=\(d)/results.json"])
    try #require(i.status == 0, "import: \(i.err)")
    return d
  }

  /// The one-process report, with the run's name taken out.
  static func single(_ dataset: String, pred: String, key: String, extra: [String] = []) throws -> String {
    let r = try Shell.run([Binary.path, "eval", dataset, "--pred", pred, "--key", key, "--format", "json"] + extra)
    try #require(r.status == 0, "eval: \(r.err)")
    return String(decoding: r.out, as: UTF8.self).replacingOccurrences(of: key, with: "KEY")
  }

  @Test("Kubernetes: 4 processes with JOB_COMPLETION_INDEX, then merge: the report equals one process's")
  func kubernetesIndexedJob() throws {
    let dir = try Self.tempDir("k8s")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let ds = try Self.semanticDataset(dir)
    for (pred, extra) in [("model_a", [String]()), ("model_b", ["--boundary", "--dialect", "cityscapes"])] {
      let parts = (0..<4).map { "\(dir)/\(pred)-part-\($0).seg" }
      for i in 0..<4 {
        let r = try Shell.run(
          ["env", "JOB_COMPLETION_INDEX=\(i)", Binary.path, "eval", ds, "--pred", pred, "--shard", "auto", "--shards", "4", "--out", parts[i]] + extra)
        #expect(r.status == 0, "shard \(i): \(r.err)")
        #expect(String(decoding: r.out, as: UTF8.self).contains("shard \(i)/4"))
      }
      let m = try Shell.run([Binary.path, "merge", ds, "--key", "merged", "--format", "json"] + parts)
      #expect(m.status == 0, "merge: \(m.err)")
      let merged = String(decoding: m.out, as: UTF8.self).replacingOccurrences(of: "merged", with: "KEY")
      let one = try Self.single(ds, pred: pred, key: "single", extra: extra)
      #expect(merged == one, "\(pred): the merged report differs from one process's")
      #expect(merged.contains("\"mIoU\""))
      // The table too, and the stored run answers queries the same way.
      let q1 = try Shell.run([Binary.path, "query", ds, "sort:miou(merged)", "--json"])
      let q2 = try Shell.run([Binary.path, "query", ds, "sort:miou(single)", "--json"])
      #expect(q1.status == 0 && q1.out == q2.out)
    }
    // A part missing: refused with exit 1, and nothing stored under the key.
    let r = try Shell.run([Binary.path, "merge", ds, "--key", "half", "\(dir)/model_a-part-0.seg", "\(dir)/model_a-part-1.seg"])
    #expect(r.status == 1 && r.err.contains("missing shards: 2/4, 3/4"), "\(r.err)")
    let runs = try Shell.run([Binary.path, "runs", ds])
    #expect(!String(decoding: runs.out, as: UTF8.self).contains("half"))
  }

  /// Starts the cluster, runs `body`, and stops the daemons whatever happens.
  static func withSlurm(_ body: (String) throws -> Void) throws {
    let dir = try tempDir("slurm")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let up = try Shell.run(["bash", repo + "/Tests/Scripts/slurm-local.sh", "up", dir + "/cluster"], seconds: 600)
    defer { _ = try? Shell.run(["bash", repo + "/Tests/Scripts/slurm-local.sh", "down", dir + "/cluster"], seconds: 60) }
    try #require(up.status == 0, "slurm-local.sh up: \(up.err)")
    try body(dir)
  }

  /// Submits the example array + merge and waits (at most 5 minutes) for the merge job to finish.
  static func submitAndWait(_ dir: String, dataset: String, pred: String, key: String, extra: [String] = []) throws -> String {
    let conf = dir + "/cluster/slurm.conf"
    let parts = dir + "/parts-\(key)"
    let s = try Shell.run(
      ["env", "SLURM_CONF=\(conf)", "SEGSCOPE=\(Binary.path)", "bash", repo + "/examples/slurm/submit.sh", dataset, pred, key, parts, "4"] + extra)
    try #require(s.status == 0, "submit: \(s.err)")
    let job = String(decoding: s.out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    try #require(Int(job) != nil, "no job id: \(job)")
    let deadline = Date().addingTimeInterval(300)
    var state = ""
    while Date() < deadline {
      let q = try Shell.run(["env", "SLURM_CONF=\(conf)", "scontrol", "show", "job", job])
      state = String(decoding: q.out, as: UTF8.self).components(separatedBy: "JobState=").dropFirst().first?.split(separator: " ").first.map(String.init) ?? ""
      if ["COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "NODE_FAIL", "OUT_OF_MEMORY"].contains(state) { break }
      Thread.sleep(forTimeInterval: 0.5)
    }
    let logs = ((try? FileManager.default.contentsOfDirectory(atPath: parts)) ?? []).filter { $0.hasSuffix(".log") }
      .map { (try? String(contentsOfFile: parts + "/" + $0, encoding: .utf8)) ?? "" }.joined(separator: "\n")
    try #require(state == "COMPLETED", "merge job \(job) ended as '\(state)' (or timed out); logs: \(logs.suffix(3000))")
    // Each of the 4 array tasks wrote its part.
    #expect((0..<4).allSatisfy { FileManager.default.fileExists(atPath: "\(parts)/part-\($0).seg") })
    return try String(contentsOfFile: "\(parts)/\(key).json", encoding: .utf8).replacingOccurrences(of: key, with: "KEY")
  }

  @Test("Slurm: a 4-task array of eval --shard auto and a dependent merge equal one process, semantic field")
  func slurmSemantic() throws {
    try Self.withSlurm { dir in
      let ds = try Self.semanticDataset(dir)
      let merged = try Self.submitAndWait(dir, dataset: ds, pred: "model_b", key: "sharded", extra: ["--boundary"])
      let one = try Self.single(ds, pred: "model_b", key: "single", extra: ["--boundary"])
      #expect(merged == one, "the merged report differs from one process's:\n\(merged.prefix(600))\n---\n\(one.prefix(600))")
      #expect(merged.contains("\"mIoU\"") && merged.contains("boundary"))
    }
  }

  @Test("Slurm: the same for an instance field (COCO AP, per-class AP, per-image matches)")
  func slurmInstance() throws {
    try Self.withSlurm { dir in
      let ds = try Self.instanceDataset(dir)
      let merged = try Self.submitAndWait(dir, dataset: ds, pred: "model", key: "sharded")
      let one = try Self.single(ds, pred: "model", key: "single")
      #expect(merged == one, "the merged report differs from one process's")
      #expect(merged.contains("AP50"))
    }
  }
}
