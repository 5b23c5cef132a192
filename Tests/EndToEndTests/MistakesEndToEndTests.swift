import DatasetStore
import Foundation
import SegmentationCore
import TestSupport
import Testing

@Suite("segscope mistakes: the demo's planted label errors, JSON, views, dismissals, recompute after a relabel", .serialized)
struct MistakesEndToEndTests {
  @Test("Two predictions find the three planted car-as-person masks first; the run is stored and queried; a relabel clears the sample")
  func findsPlantedErrors() throws {
    let dir = try triageDataset("mistakes", samples: 40, size: "160x120")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let planted = ["street_0005", "street_0022", "street_0039"]  // i % 17 == 5
    let doc = try #require(try segscopeJSON(["mistakes", dir, "--pred", "model_a", "--pred", "model_b", "--json"]) as? [String: Any])
    #expect(Set(doc.keys) == ["run", "evidence", "evidence_note", "samples", "regions"])
    #expect(doc["evidence"] as? String == "predictions")
    #expect(doc["run"] as? String == "model_a+model_b")
    let samples = try #require(doc["samples"] as? [[String: Any]])
    let regions = try #require(doc["regions"] as? [[String: Any]])
    // 40 samples, one with a truncated label file: 39 checked.
    #expect(samples.count == 39)
    for s in samples { #expect(Set(s.keys) == ["id", "path", "score", "quality", "evidence", "regions"]) }
    let scores = samples.compactMap { $0["score"] as? Double }
    #expect(scores == scores.sorted(by: >))
    #expect(scores.allSatisfy { (0...1).contains($0) })
    let top = samples.prefix(3).compactMap { ($0["path"] as? String).map { ($0 as NSString).lastPathComponent } }
    #expect(Set(top.map { String($0.prefix(11)) }) == Set(planted))
    #expect(scores[2] > 0.5 && scores[3] < 0.5)
    let best = try #require(regions.first)
    #expect(Set(best.keys) == ["id", "path", "x", "y", "width", "height", "pixels", "given", "predicted", "given_value", "predicted_value", "kind", "score"])
    #expect(best["kind"] as? String == "swap")
    #expect(best["given"] as? String == "person" && best["predicted"] as? String == "car")

    // Views: the stored run answers suspect(RUN).
    let listed = String(decoding: try Shell.run([Binary.path, "query", dir, "suspect(model_a+model_b)>0.5 sort:-suspect(model_a+model_b)"]).out, as: UTF8.self)
    #expect(listed.split(separator: "\n").count == 3)
    let unknown = try Shell.run([Binary.path, "query", dir, "suspect(nope)>0.5"])
    #expect(unknown.status != 0 && unknown.err.contains("no label-error run 'nope'") && unknown.err.contains("model_a+model_b"))

    // Relabel the suspect region to the suggested class, recompute that sample: it is clean now.
    let sid = try #require(best["id"] as? Int)
    let x = try #require(best["x"] as? Int) + (best["width"] as? Int ?? 0) / 2
    let y = try #require(best["y"] as? Int) + (best["height"] as? Int ?? 0) / 2
    let relabel = try Shell.run([Binary.path, "relabel", dir, String(sid), "--at", "\(x),\(y)", "--to", "car"])
    #expect(relabel.status == 0, "\(relabel.err)")
    let again = try #require(
      try segscopeJSON(["mistakes", dir, "--pred", "model_a", "--pred", "model_b", "--view", "path~\(best["path"] as? String ?? "?")", "--json"])
        as? [String: Any])
    let one = try #require((again["samples"] as? [[String: Any]])?.first)
    #expect(one["id"] as? Int == sid)
    #expect((one["score"] as? Double ?? 1) < 0.1)
    let after = String(decoding: try Shell.run([Binary.path, "query", dir, "suspect(model_a+model_b)>0.5"]).out, as: UTF8.self)
    #expect(after.split(separator: "\n").count == 2)
  }

  @Test("A dismissed region ('the label is right') does not come back when the run is made again")
  func dismissalSurvivesRecompute() throws {
    let dir = try triageDataset("dismiss", samples: 24, size: "160x120")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let doc = try #require(try segscopeJSON(["mistakes", dir, "--pred", "model_a", "--pred", "model_b", "--json"]) as? [String: Any])
    let first = try #require((doc["regions"] as? [[String: Any]])?.first)
    let sid = Int64(try #require(first["id"] as? Int))
    let store = try DatasetStore(databaseFile: dir + "/.segscope/dataset.sqlite")
    let stored = try #require(try store.suspects(run: "model_a+model_b").first { $0.sampleId == sid }?.regions.first)
    try store.dismissSuspect(sampleId: sid, region: stored)
    #expect(try store.suspects(run: "model_a+model_b").first { $0.sampleId == sid }?.regions.isEmpty == true)
    let again = try #require(try segscopeJSON(["mistakes", dir, "--pred", "model_a", "--pred", "model_b", "--json"]) as? [String: Any])
    let sample = try #require((again["samples"] as? [[String: Any]])?.first { $0["id"] as? Int == Int(sid) })
    #expect(sample["regions"] as? Int == 0)
    #expect(sample["score"] as? Double == 0)
  }

  @Test("Bad requests fail with a message: no such field, a confidence field as prediction, nothing to check")
  func badRequests() throws {
    let dir = try triageDataset("mistakes-bad", samples: 6, size: "96x64")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let missing = try Shell.run([Binary.path, "mistakes", dir, "--pred", "nope"])
    #expect(missing.status != 0 && missing.err.contains("no mask field 'nope'"))
    let conf = try Shell.run([Binary.path, "mistakes", dir, "--pred", "model_b.confidence"])
    #expect(conf.status != 0 && conf.err.contains("not class masks"))
    let empty = try Shell.run([Binary.path, "mistakes", dir, "--pred", "model_a", "--view", "split=nowhere"])
    #expect(empty.status != 0 && empty.err.contains("nothing to check"))
    let none = try Shell.run([Binary.path, "mistakes", dir])
    #expect(none.status != 0 && none.err.contains("--pred"))
  }
}
