import DatasetImport
import DatasetStore
import Foundation
import ImageCodec
import LabelErrors
import SegmentationCore
import Testing

@Suite("The label-error finder over a dataset")
struct MistakesRunnerTests {
  /// Twelve scenes of four classes in bands; two models agree with the ground truth except for
  /// their own small noise, and sample 7's ground truth labels a block of "person" as "road".
  static func dataset() throws -> (String, DatasetStore) {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("mistakes-" + UUID().uuidString).path
    for d in ["data", "labels", "a", "b"] { try FileManager.default.createDirectory(atPath: root + "/" + d, withIntermediateDirectories: true) }
    try "road\ncar\nperson\nsky\n".write(toFile: root + "/classes.txt", atomically: true, encoding: .utf8)
    var rng = SplitMix64(seed: 11)
    for i in 0..<12 {
      let w = 64, h = 48
      var truth = [UInt8](repeating: 0, count: w * h)
      for y in 0..<h {
        for x in 0..<w {
          let band: Int = (x / 16 + i) % 3
          truth[y * w + x] = y < 12 ? 3 : UInt8(band)
        }
      }
      var gt = truth
      // Sample 7: a block of its middle band (class 2 there) labelled road.
      if i == 7 { for y in 20..<40 { for x in 16..<32 { gt[y * w + x] = (truth[y * w + x] + 1) % 3 } } }
      for (dir, noise) in [("a", 40), ("b", 50)] {
        var p = truth
        for j in 0..<(w * h) where Int(rng.next() % UInt64(noise)) == 0 { p[j] = UInt8((Int(p[j]) + 1) % 4) }
        try FileBytes.writeAtomically(PNGEncoder.encode(LabelMask(width: w, height: h, values: p)), to: "\(root)/\(dir)/s\(i).png")
      }
      try FileBytes.writeAtomically(PNGEncoder.encode(RGBImage(width: w, height: h)), to: "\(root)/data/s\(i).png")
      try FileBytes.writeAtomically(PNGEncoder.encode(LabelMask(width: w, height: h, values: gt)), to: "\(root)/labels/s\(i).png")
    }
    let store = try DatasetStore(root: root)
    _ = try ImgSegImporter(root: root, predictions: [("a", "a"), ("b", "b")]).run(into: store)
    return (root, store)
  }

  @Test("the planted mislabel is the most suspicious sample, its region names the classes, and the run is stored")
  func plantedFirst() throws {
    let (root, store) = try Self.dataset()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let out = try MistakesRunner(store: store).run(MistakesRunner.Request(key: "x", predFields: ["a", "b"]), version: "test")
    #expect(out.problems.isEmpty, "\(out.problems)")
    let first = try #require(out.samples.first)
    let path = try #require(try store.samples(ids: [first.sampleId]).first?.path)
    #expect(path.hasSuffix("s7.png"), "most suspicious: \(path)")
    let region = try #require(first.regions.first)
    #expect(region.given == 0 && region.predicted == 2, "given \(region.given), suggested \(region.predicted)")
    #expect(region.x >= 12 && region.x <= 20 && region.y >= 16 && region.y <= 24, "at \(region.x),\(region.y)")
    #expect(try store.suspectRuns().map(\.key) == ["x"])
    #expect(out.samples.dropFirst().allSatisfy { $0.score < first.score })
  }

  @Test("a prediction field that does not exist, or one given twice, is an error naming it")
  func badRequests() throws {
    let (root, store) = try Self.dataset()
    defer { try? FileManager.default.removeItem(atPath: root) }
    #expect(throws: (any Error).self) { try MistakesRunner(store: store).run(MistakesRunner.Request(key: "x", predFields: ["nope"]), version: "t") }
    do {
      _ = try MistakesRunner(store: store).run(MistakesRunner.Request(key: "x", predFields: ["a", "a"]), version: "t")
      Issue.record("accepted a field twice")
    } catch {
      #expect("\(error)".contains("twice"))
    }
  }
}
