import Foundation
import SegmentationCore
import TestSupport
import Testing

/// The demo's dusk scenes, as `DemoDataset.isDusk` picks them (a hash of the index).
func duskStems(samples: Int, percent: Int) -> Set<String> {
  Set(
    (0..<samples).filter {
      var rng = SplitMix64(seed: UInt64($0) &+ 0xD05C)
      return Int(rng.next() % 100) < percent
    }.map {
      "street_" + String(repeating: "0", count: max(0, 4 - String($0).count)) + String($0)
    })
}

func stem(_ path: String) -> String { ((path as NSString).lastPathComponent as NSString).deletingPathExtension }

@Suite("Clusters and slices on demo sets with a hidden failure (dusk scenes no tag or split names)", .serialized)
struct SlicesEndToEndTests {
  func duskDataset(_ name: String, samples: Int, percent: Int) throws -> String {
    let d = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-slices-\(name)-\(getpid())").path
    try? FileManager.default.removeItem(atPath: d)
    let r = try Shell.run([Binary.path, "demo", "--dir", d, "--samples", String(samples), "--size", "160x120", "--dusk", String(percent), "--print"])
    guard r.status == 0 else { throw TmuxError(message: "demo failed: \(r.err)") }
    return d
  }

  /// The hidden slice comes first on three sets: 20% dusk of 200 scenes (the set the rules were
  /// first written against), 12% of 260 and 7% of 400 (each failed a first version of the rules:
  /// thresholds were then cut finer and a chain of cuts reduced to its best one). Sets that were not
  /// looked at before the rules were fixed (4% of 500, 15% of 1000) are measured in the README.
  @Test(
    "slices lists first a slice matching the dusk scenes (Jaccard >= 0.7); its definition selects exactly its samples",
    arguments: [(200, 20), (260, 12), (400, 7)])
  func hiddenSliceFirst(samples: Int, percent: Int) throws {
    let dir = try duskDataset("hidden-\(percent)", samples: samples, percent: percent)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let doc = try #require(try segscopeJSON(["slices", dir, "--run", "model_b", "--json"]) as? [String: Any])
    let slices = try #require(doc["slices"] as? [[String: Any]])
    let first = try #require(slices.first, "no slice listed")
    #expect(
      Set(first.keys) == ["name", "definition", "samples", "size", "miou", "rest_miou", "gap", "ci", "q", "p", "alternatives"])
    let members = Set(try #require(first["samples"] as? [String]).map(stem))
    let dusk = duskStems(samples: samples, percent: percent)
    let jaccard = Double(members.intersection(dusk).count) / Double(members.union(dusk).count)
    #expect(jaccard >= 0.7, "first slice \(first["name"] ?? "?") has Jaccard \(jaccard) with the \(dusk.count) dusk scenes")
    // Worst first, each gap positive with an interval above 0 and a q-value within the FDR.
    let gaps = slices.compactMap { $0["gap"] as? Double }
    #expect(gaps == gaps.sorted(by: >) && gaps.allSatisfy { $0 > 0 })
    for s in slices {
      let ci = try #require(s["ci"] as? [Double])
      #expect(ci.count == 2 && ci[0] > 0 && ci[0] <= ci[1])
      #expect((s["q"] as? Double ?? 1) <= 0.05)
      #expect(abs((s["rest_miou"] as? Double ?? 0) - (s["miou"] as? Double ?? 0) - (s["gap"] as? Double ?? 0)) < 1e-12)
    }
    // The definition is a view: query lists the slice's samples, and eval on it gives its mIoU.
    let definition = try #require(first["definition"] as? String)
    let rows = try #require(try segscopeJSON(["query", dir, definition, "--json"]) as? [[String: Any]])
    // (Plus any sample the run could not evaluate: the demo's broken label and wrong-size prediction.)
    let listed = Set(rows.compactMap { $0["path"] as? String }.map(stem))
    #expect(listed.isSuperset(of: members) && listed.subtracting(members).isSubset(of: ["street_0013", "street_0029"]))
    let eval = try #require(
      try segscopeJSON(["eval", dir, "--pred", "model_b", "--key", "slice_check", "--view", definition, "--format", "json"]) as? [String: Any])
    #expect(eval["mIoU"] as? Double == first["miou"] as? Double)
  }

  @Test("clusters: every sample in exactly one cluster; each cluster's miou equals eval --view cluster:N; the views cluster:N and sort:cluster")
  func clustersMatchEval() throws {
    let dir = try duskDataset("clusters", samples: 120, percent: 20)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let doc = try #require(try segscopeJSON(["clusters", dir, "--k", "3", "--run", "model_b", "--json"]) as? [String: Any])
    let clusters = try #require(doc["clusters"] as? [[String: Any]])
    #expect(clusters.count == 3 && doc["k"] as? Int == 3)
    var seen: [String] = []
    for c in clusters {
      #expect(Set(c.keys).isSuperset(of: ["id", "samples", "size", "miou", "ci", "exemplars", "classes"]))
      let samples = try #require(c["samples"] as? [String])
      #expect(c["size"] as? Int == samples.count)
      let exemplars = try #require(c["exemplars"] as? [String])
      #expect(exemplars == Array(samples.prefix(3)))
      seen += samples
      let id = try #require(c["id"] as? Int)
      let eval = try #require(
        try segscopeJSON(["eval", dir, "--pred", "model_b", "--key", "cluster_\(id)", "--view", "cluster:\(id)", "--format", "json"]) as? [String: Any])
      #expect(eval["mIoU"] as? Double == c["miou"] as? Double, "cluster \(id)")
      let ci = try #require(c["ci"] as? [Double])
      let m = try #require(c["miou"] as? Double)
      #expect(ci[0] <= m + 1e-9 && m <= ci[1] + 1e-9)
      let listed = try #require(try segscopeJSON(["query", dir, "cluster:\(id)", "--json"]) as? [[String: Any]])
      #expect(Set(listed.compactMap { $0["path"] as? String }) == Set(samples))
    }
    let all = try #require(try segscopeJSON(["query", dir, "--json"]) as? [[String: Any]])
    #expect(seen.count == Set(seen).count, "a sample is in two clusters")
    #expect(Set(seen) == Set(all.compactMap { $0["path"] as? String }), "every sample is in a cluster")
    // sort:cluster lists cluster 1's members first, nearest the centre first.
    let sorted = try #require(try segscopeJSON(["query", dir, "sort:cluster", "--json"]) as? [[String: Any]])
    let one = try #require(clusters.first { $0["id"] as? Int == 1 }?["samples"] as? [String])
    #expect(Array(sorted.compactMap { $0["path"] as? String }.prefix(one.count)) == one)
  }

  @Test("bad requests: an unknown run, an instance-free view without samples, --k 0, a view before clustering")
  func badRequests() throws {
    let dir = try duskDataset("bad", samples: 30, percent: 20)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let unknown = try Shell.run([Binary.path, "slices", dir, "--run", "nope"])
    #expect(unknown.status != 0 && unknown.err.contains("model_b"))
    let few = try Shell.run([Binary.path, "slices", dir, "--run", "model_b", "--view", "path~street_000"])
    #expect(few.status != 0 && few.err.contains("at least"))
    let k0 = try Shell.run([Binary.path, "clusters", dir, "--k", "0"])
    #expect(k0.status != 0)
    let before = try Shell.run([Binary.path, "query", dir, "cluster:1"])
    #expect(before.status != 0 && before.err.contains("segscope clusters"))
  }

  @Test("the app in tmux: :slices in the background ends on the Slices screen, Enter makes the dusk slice the view; c shows the stored clusters; 40x12")
  func appInTmux() throws {
    let dir = try duskDataset("app", samples: 120, percent: 20)
    defer { try? FileManager.default.removeItem(atPath: dir) }
    #expect(try Shell.run([Binary.path, "clusters", dir, "--k", "3"]).status == 0)
    let t = try TmuxSession(
      command: "\(Binary.path) open \(dir) --graphics halfblock; echo \"EXIT=$?\"", width: 100, height: 30, env: ["TERM": "xterm-256color"])
    defer { t.kill() }
    try t.waitFor { $0.contains("120/120 samples") }
    try t.send([":", "slices", "Enter"])
    var screen = try t.waitFor { $0.contains("Slices where the run does worse") && $0.contains("1. ") }
    #expect(screen.contains("significant at FDR 0.05"), "\(screen)")
    // The first slice: its name, then (under its strip of photos) its definition and numbers.
    let lines = screen.split(separator: "\n")
    let at = try #require(lines.firstIndex { $0.contains(" 1. ") })
    let numbers = try #require(lines[at...].first { $0.contains("samples") && $0.contains("gap") }, "\(screen)")
    #expect(numbers.contains("mIoU"), "\(numbers)")
    try t.send(["Enter"])
    screen = try t.waitFor { $0.contains("view: ") && !$0.contains("Slices where") }
    #expect(screen.contains("brightness<") || screen.contains("contrast<") || screen.contains("cluster:"), "\(screen)")
    try t.send(["9"])
    try t.waitFor { $0.contains("Slices where the run does worse") }
    try t.send(["c"])
    screen = try t.waitFor { $0.contains("Clusters of similar images") && $0.contains("3 stored clusters") }
    #expect(screen.contains("1. cluster") || screen.contains(". cluster"), "\(screen)")
    try t.resize(40, 12)
    screen = try t.waitFor { $0.contains("Clusters") && $0.contains("samples") }
    try t.send(["q"])
    try t.waitFor { $0.contains("EXIT=0") }
  }
}
