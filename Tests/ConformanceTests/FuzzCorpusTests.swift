import Foundation
import TestSupport
import Testing

/// Every input in Fuzz/corpus (seeds, and each crash the fuzzers ever found) goes through its target
/// in the ordinary build: a fixed crash stays fixed. `./run.sh test` also fuzzes each target briefly.
@Suite("The fuzz corpus replays without a crash")
struct FuzzCorpusTests {
  static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fuzz/corpus").path

  @Test("each target replays its whole corpus", arguments: ["png", "pngfast", "jpeg", "tiff", "coco", "labelmap", "view", "toml", "part", "augment"])
  func replay(target: String) throws {
    let replayer = URL(fileURLWithPath: Binary.path).deletingLastPathComponent().appendingPathComponent("segscope-fuzz").path
    try #require(FileManager.default.isExecutableFile(atPath: replayer), "build segscope-fuzz (swift build builds every product)")
    let dir = Self.corpus + "/" + target
    let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { !$0.hasPrefix(".") }
    #expect(files.count >= 2, "the \(target) corpus needs seeds")
    let r = try Shell.run(["timeout", "120", replayer, target, dir])
    #expect(r.status == 0, "\(target): exit \(r.status) \(r.err.suffix(2000))")
    #expect(String(decoding: r.out, as: UTF8.self).contains("\(target): \(files.count) inputs replayed"))
  }
}
