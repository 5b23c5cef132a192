import Foundation
import TestSupport
import Testing

@Suite("Curation commands on the demo: duplicates and leaks, next, uncertainty", .serialized)
struct CurationEndToEndTests {
  @Test("duplicates --json finds the demo's three near-duplicate pairs (one across splits); the views name them")
  func demoDuplicates() throws {
    let dir = try triageDataset("curation-dups", samples: 60, size: "160x120")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let doc = try #require(try segscopeJSON(["duplicates", dir, "--json"]) as? [String: Any])
    #expect(Set(doc.keys) == ["exact", "near", "leaks", "groups", "threshold"])
    let near = try #require(doc["near"] as? [[String: Any]])
    let pairs = Set(
      near.compactMap { n -> String? in
        guard let a = n["a"] as? String, let b = n["b"] as? String else { return nil }
        return [a, b].map { ($0 as NSString).lastPathComponent }.sorted().joined(separator: "+")
      })
    // i % 23 == 7: the previous scene, brighter and shifted by 3 pixels.
    #expect(pairs == ["street_0006.jpg+street_0007.jpg", "street_0029.jpg+street_0030.jpg", "street_0052.jpg+street_0053.jpg"])
    for n in near { #expect(Set(n.keys) == ["a", "b", "distance"]) }
    let leaks = try #require(doc["leaks"] as? [[String: Any]])
    #expect(leaks.count == 1 && Set(leaks[0].keys) == ["a", "b", "split_a", "split_b", "distance"])
    #expect(Set([leaks[0]["split_a"] as? String, leaks[0]["split_b"] as? String]) == ["train", "val"])
    let listed = String(decoding: try Shell.run([Binary.path, "query", dir, "leak"]).out, as: UTF8.self)
    #expect(listed.split(separator: "\n").count == 2)
    // The map as a PNG: a 960x720 picture.
    let png = dir + "/map.png"
    let exported = try Shell.run([Binary.path, "export", dir, "--format", "map", "--out", png])
    #expect(exported.status == 0, "\(exported.err)")
    let info = try #require(try segscopeJSON(["file", png, "--json"]) as? [String: Any])
    #expect(info["width"] as? Int == 960 && info["height"] as? Int == 720 && info["format"] as? String == "PNG")
    let similar = try #require(try segscopeJSON(["similar", dir, "street_0007", "--limit", "3", "--json"]) as? [String: Any])
    let first = try #require((similar["samples"] as? [[String: Any]])?.first)
    #expect((first["path"] as? String)?.hasSuffix("street_0006.jpg") == true)
  }

  @Test("next picks less confident samples than the dataset's mean, none two within the duplicate distance, and tags them")
  func next() throws {
    let dir = try triageDataset("curation-next", samples: 60, size: "160x120")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let all = try #require((try segscopeJSON(["uncertainty", dir, "--pred", "model_b", "--json"]) as? [String: Any])?["samples"] as? [[String: Any]])
    let mean = all.compactMap { $0["least_confidence"] as? Double }.reduce(0, +) / Double(all.count)
    let picks = try #require(
      (try segscopeJSON(["next", dir, "--budget", "8", "--pred", "model_b", "--tag", "annotate", "--json"]) as? [String: Any])?["samples"] as? [[String: Any]])
    #expect(picks.count == 8)
    let picked = picks.compactMap { $0["least_confidence"] as? Double }
    #expect(picked.reduce(0, +) / Double(picked.count) > mean)
    // Pairwise: every other pick is farther than the duplicate threshold.
    let paths = picks.compactMap { $0["path"] as? String }
    for p in paths {
      let near = try #require((try segscopeJSON(["similar", dir, p, "--limit", "60", "--json"]) as? [String: Any])?["samples"] as? [[String: Any]])
      for n in near where paths.contains(n["path"] as? String ?? "") { #expect((n["distance"] as? Double ?? 0) > 0.04, "\(p) and \(n)") }
    }
    let tagged = String(decoding: try Shell.run([Binary.path, "query", dir, "tag:annotate"]).out, as: UTF8.self)
    #expect(tagged.split(separator: "\n").count == 8)
    // One hard prediction gives no uncertainty: a clear error, exit 1.
    let hard = try Shell.run([Binary.path, "uncertainty", dir, "--pred", "model_a"])
    #expect(hard.status != 0 && hard.err.contains("import its confidence maps"))
  }

  @Test("the map in tmux: 8 draws the demo's samples, c recolours, v twice makes a selection the view, Enter opens a sample")
  func mapInTmux() throws {
    let dir = try triageDataset("curation-map", samples: 40, size: "160x120")
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let t = try TmuxSession(
      command: "\(Binary.path) open \(dir) --graphics halfblock; echo \"EXIT=$?\"", width: 100, height: 30, env: ["TERM": "xterm-256color"])
    defer { t.kill() }
    try t.waitFor { $0.contains("40/40 samples") }
    try t.send(["8"])
    var screen = try t.waitFor { $0.contains("map of 40 samples") && $0.contains("◉") }
    // The legend: colour swatches, or shapes when the terminal has no colour (NO_COLOR).
    #expect((screen.contains("■ train") && screen.contains("■ val")) || (screen.contains("● train") && screen.contains("○ val")), "\(screen)")
    // The cursor's sample is named under the map.
    screen = try t.waitFor { $0.contains("data/") && $0.contains("split ") }
    try t.send(["c"])
    try t.waitFor { $0.contains("map coloured by mIoU of the active run") }
    try t.send(["v"])
    try t.waitFor { $0.contains("selection from this point") }
    try t.send(["Right", "Right", "Up"])
    try t.send(["v"])
    screen = try t.waitFor { $0.contains("view: tag:map") }
    let count = try #require(screen.split(separator: "\n").first { $0.contains("view: tag:map") }?.split(separator: "│").first { $0.contains("samples") })
    #expect(!count.contains(" 0/40"))
    try t.send(["8"])
    try t.waitFor { $0.contains("map of") && $0.contains("◉") }
    try t.send(["Enter"])
    try t.waitFor { $0.contains("errors") }
    try t.send(["q"])
    try t.waitFor { $0.contains("EXIT=0") }
  }
}
