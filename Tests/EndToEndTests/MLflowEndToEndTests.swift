import Foundation
import TestSupport
import Testing

/// `segscope runs PATH --mlflow URI` against a real `mlflow server` (SQLite backend, artifacts served),
/// read back through its REST API.
@Suite("MLflow: runs logged to a real tracking server", .serialized)
struct MLflowEndToEndTests {
  /// Starts `mlflow server` in its own session on a free port; stops its whole process group after.
  static func withServer(_ body: (String) throws -> Void) throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mlflow-" + UUID().uuidString).path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let port = Int.random(in: 21000...29000)
    let start = try Shell.run([
      "bash", "-c",
      // A watcher in the server's process group ends the group when this test process is gone, so a
      // crashed or killed test run (where the defer below never runs) leaves no server behind.
      "setsid bash -c 'mlflow server --host 127.0.0.1 --port \(port) --backend-store-uri sqlite:///\(dir)/mlflow.db --artifacts-destination \(dir)/artifacts --workers 1 >\(dir)/server.log 2>&1 & while kill -0 \(getpid()) 2>/dev/null; do sleep 1; done; kill -KILL 0' >/dev/null 2>&1 & echo $!",
    ])
    let pgid = String(decoding: start.out, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    defer {
      _ = try? Shell.run(["bash", "-c", "kill -TERM -- -\(pgid) 2>/dev/null; sleep 1; kill -KILL -- -\(pgid) 2>/dev/null; true"])
    }
    let url = "http://127.0.0.1:\(port)"
    var up = false
    for _ in 0..<120 {
      if (try? Shell.run(["curl", "-sf", url + "/health"], seconds: 5))?.status == 0 {
        up = true
        break
      }
      Thread.sleep(forTimeInterval: 0.5)
    }
    try #require(up, "mlflow server did not start: \((try? String(contentsOfFile: dir + "/server.log", encoding: .utf8))?.suffix(2000) ?? "")")
    try body(url)
  }

  static func post(_ url: String, _ path: String, _ json: String) throws -> [String: Any] {
    let r = try Shell.run(["curl", "-sf", "-X", "POST", url + path, "-H", "Content-Type: application/json", "-d", json])
    try #require(r.status == 0, "POST \(path) failed")
    return try #require(JSONSerialization.jsonObject(with: r.out) as? [String: Any])
  }

  @Test("each run becomes an MLflow run with params, metrics, tags and artifacts; a re-log updates it")
  func roundTrip() throws {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mlflow-ds-" + UUID().uuidString).path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let demo = try Shell.run([Binary.path, "demo", "--dir", dir, "--samples", "10", "--size", "96x72", "--print"])
    try #require(demo.status == 0)
    let eval = try Shell.run([Binary.path, "eval", dir, "--pred", "model_a", "--key", "model_a", "--format", "json"])
    let report = try #require(JSONSerialization.jsonObject(with: eval.out) as? [String: Any])
    try Self.withServer { url in
      let r = try Shell.run([Binary.path, "runs", dir, "--mlflow", url, "--experiment", "segscope-test"])
      #expect(r.status == 0, "\(r.err)")
      let out = String(decoding: r.out, as: UTF8.self)
      #expect(out.contains("model_a: logged MLflow run") && out.contains("model_b: logged MLflow run"), "\(out)")
      let exp = try Shell.run(["curl", "-sf", url + "/api/2.0/mlflow/experiments/get-by-name?experiment_name=segscope-test"])
      let expId = try #require(((JSONSerialization.jsonObject(with: exp.out) as? [String: Any])?["experiment"] as? [String: Any])?["experiment_id"] as? String)
      func runs() throws -> [[String: Any]] {
        (try Self.post(url, "/api/2.0/mlflow/runs/search", "{\"experiment_ids\":[\"\(expId)\"]}")["runs"] as? [[String: Any]]) ?? []
      }
      var found = try runs()
      #expect(found.count == 2)
      let a = try #require(found.first { (($0["info"] as? [String: Any])?["run_name"] as? String) == "model_a" })
      let data = try #require(a["data"] as? [String: Any])
      let metrics = Dictionary(
        uniqueKeysWithValues: ((data["metrics"] as? [[String: Any]]) ?? []).map { ($0["key"] as! String, ($0["value"] as! NSNumber).doubleValue) })
      #expect(metrics["mIoU"] == (report["mIoU"] as? Double))
      #expect(metrics["aAcc"] == (report["aAcc"] as? Double) && metrics["fwIoU"] == (report["fwIoU"] as? Double))
      for c in (report["classes"] as? [[String: Any]]) ?? [] where (c["gt_pixels"] as? Int ?? 0) > 0 {
        let name = c["name"] as? String ?? ""
        #expect(metrics["iou/" + name] == (c["iou"] as? Double), "iou/\(name)")
      }
      let params = Dictionary(uniqueKeysWithValues: ((data["params"] as? [[String: Any]]) ?? []).map { ($0["key"] as! String, $0["value"] as! String) })
      #expect(params["prediction_field"] == "model_a" && params["ground_truth_field"] == "ground_truth" && params["dialect"] == "mmseg")
      let tags = Dictionary(uniqueKeysWithValues: ((data["tags"] as? [[String: Any]]) ?? []).map { ($0["key"] as! String, $0["value"] as! String) })
      #expect(tags["segscope_version"] != nil && tags["dataset"]?.hasSuffix((dir as NSString).lastPathComponent) == true)
      let runId = try #require((a["info"] as? [String: Any])?["run_id"] as? String)
      let list = try Shell.run(["curl", "-sf", url + "/api/2.0/mlflow/artifacts/list?run_id=\(runId)"])
      let files = (((try? JSONSerialization.jsonObject(with: list.out)) as? [String: Any])?["files"] as? [[String: Any]] ?? []).compactMap {
        $0["path"] as? String
      }
      #expect(Set(files) == ["per_class.csv", "confusion_matrix.csv", "confusion_matrix.png"], "\(files)")
      // Evaluated again with another dialect, then logged again: the same MLflow run, updated.
      _ = try Shell.run([Binary.path, "eval", dir, "--pred", "model_a", "--key", "model_a", "--dialect", "cityscapes"])
      let again = try Shell.run([Binary.path, "runs", dir, "--mlflow", url, "--experiment", "segscope-test", "--key", "model_a"])
      #expect(again.status == 0 && String(decoding: again.out, as: UTF8.self).contains("model_a: updated MLflow run \(runId)"), "\(again.err)")
      found = try runs()
      #expect(found.count == 2)
      // An unknown server is an error, exit 1.
      let bad = try Shell.run([Binary.path, "runs", dir, "--mlflow", "http://127.0.0.1:9", "--key", "model_a"])
      #expect(bad.status == 1 && bad.err.contains("127.0.0.1:9"), "\(bad.err)")
    }
  }

  @Test("a server that accepts connections and never answers costs one deadline, not one per request and run, and the message names it")
  func silentServer() throws {
    // A listening socket that never accepts: the kernel completes the connection, nothing replies.
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    try #require(fd >= 0)
    defer { close(fd) }
    var addr = sockaddr_in()
    addr.sin_family = sa_family_t(AF_INET)
    addr.sin_addr.s_addr = inet_addr("127.0.0.1")
    addr.sin_port = 0
    var len = socklen_t(MemoryLayout<sockaddr_in>.size)
    try #require(withUnsafePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } } == 0)
    try #require(listen(fd, 16) == 0)
    _ = withUnsafeMutablePointer(to: &addr) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &len) } }
    let url = "http://127.0.0.1:\(UInt16(bigEndian: addr.sin_port))"
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("mlflow-silent-\(UUID().uuidString)").path
    defer { try? FileManager.default.removeItem(atPath: dir) }
    #expect(try Shell.run([Binary.path, "demo", "--dir", dir, "--samples", "4", "--size", "64x48", "--print"]).status == 0)
    let start = Date()
    let r = try Shell.run(["timeout", "120", Binary.path, "runs", dir, "--mlflow", url, "--mlflow-timeout", "3"])
    let took = Date().timeIntervalSince(start)
    #expect(r.status == 1, "\(r.err)")
    #expect(took < 20, "took \(took) s for 2 runs against a silent server")
    let lines = r.err.split(separator: "\n").filter { $0.contains("error") }
    #expect(lines.count == 2 && lines.allSatisfy { $0.contains("MLflow server \(url): no answer to") && $0.contains("within 3 s") }, "\(r.err)")
    #expect(!r.err.contains("NSURLErrorDomain"))
  }
}
