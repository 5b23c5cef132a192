import Foundation
import TestSupport
import Testing

/// `segscope runs --compare A B` on the demo: the change reads B - A, and the list of samples that
/// got worse holds only samples whose mIoU dropped.
@Suite("segscope runs --compare")
struct RunsCompareTests {
  @Test("a run compared with itself: every change is +0.0 and none got worse; model_a -> model_b lists only drops, worst first")
  func worseMeansWorse() throws {
    let d = try triageDataset("compare", size: "64x48")
    defer { try? FileManager.default.removeItem(atPath: d) }
    try #require(try Shell.run([Binary.path, "eval", d, "--pred", "model_a", "--key", "again"]).status == 0)
    let same = String(decoding: try Shell.run([Binary.path, "runs", d, "--compare", "model_a", "again", "--iterations", "50"]).out, as: UTF8.self)
    #expect(same.contains("none of the 12 samples got worse in again"), "\(same)")
    #expect(!same.contains("got most worse"))
    let out = String(decoding: try Shell.run([Binary.path, "runs", d, "--compare", "model_a", "model_b", "--iterations", "50"]).out, as: UTF8.self)
    let listed = out.components(separatedBy: "got most worse in model_b").last?.split(separator: "\n").dropFirst().compactMap {
      Double($0.trimmingCharacters(in: .whitespaces).split(separator: " ").first ?? "")
    }
    let changes = try #require(listed)
    #expect(!changes.isEmpty && changes.allSatisfy { $0 < 0 }, "\(out)")
    #expect(changes == changes.sorted(), "worst first: \(changes)")
  }
}

@Suite("Standard output that cannot be written")
struct FullOutputTests {
  @Test("info into /dev/full exits 1 and says why; into a pipe read whole it exits 0")
  func devFull() throws {
    let d = try triageDataset("devfull", samples: 4, size: "64x48")
    defer { try? FileManager.default.removeItem(atPath: d) }
    let full = try Shell.run(["sh", "-c", "'\(Binary.path)' info '\(d)' > /dev/full"])
    #expect(full.status == 1 && full.err.contains("could not write to standard output"), "\(full.status) \(full.err)")
    let ok = try Shell.run(["sh", "-c", "'\(Binary.path)' info '\(d)' | cat > /dev/null"])
    #expect(ok.status == 0, "\(ok.err)")
  }
}
