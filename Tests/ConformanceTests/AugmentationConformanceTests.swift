import Augmentation
import Foundation
import SegmentationCore
import Testing

/// segscope's augmentation transforms on masks against Albumentations 2.0.8 itself
/// (Tests/Conformance/augment_oracle.py): flips, quarter turns, fixed and centre crops, nearest resizes
/// down and up, and constant padding with fill_mask, pixel for pixel.
@Suite("Augmentation: masks equal Albumentations' pixel for pixel")
struct AugmentationConformanceTests {
  @Test func deterministicTransforms() throws {
    let dir = try OracleRunner.run("augment_oracle.py")
    defer { try? FileManager.default.removeItem(at: dir) }
    let cases = try #require(OracleRunner.json(dir.appendingPathComponent("cases.json")) as? [[String: Any]])
    #expect(cases.count >= 60)
    func load(_ name: String, _ w: Int, _ h: Int) throws -> [UInt16] {
      let d = try Data(contentsOf: dir.appendingPathComponent(name))
      return d.withUnsafeBytes { b in (0..<(w * h)).map { UInt16(littleEndian: b.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)) } }
    }
    var kinds = Set<String>()
    for c in cases {
      let name = c["name"] as? String ?? "?"
      let w = try #require(c["w"] as? Int), h = try #require(c["h"] as? Int), ow = try #require(c["ow"] as? Int), oh = try #require(c["oh"] as? Int)
      let input = LabelMask(width: w, height: h, values16: try load(try #require(c["in"] as? String), w, h))
      let expected = try load(try #require(c["out"] as? String), ow, oh)
      let ours: LabelMask
      if let k = c["rot90"] as? Int {
        ours = Ops.rot90(input, k: k)
        kinds.insert("rot90")
      } else {
        let pipeline = try Pipeline.parse("[[transform]]\n" + (try #require(c["toml"] as? String)))
        let step = try #require(pipeline.steps.first)
        ours = Ops.deterministic(step.transform, mask: input, fillMask: step.fillMask)
        kinds.insert(String(name.split(separator: " ")[0]).filter(\.isLetter))
      }
      #expect(ours.width == ow && ours.height == oh, "\(name): \(ours.width)x\(ours.height), Albumentations \(ow)x\(oh)")
      #expect(ours.values16 == expected, "\(name): the mask differs from Albumentations'")
    }
    #expect(kinds.isSuperset(of: ["hflip", "vflip", "rot90", "crop", "centercrop", "resizex", "padx"]), "\(kinds)")
  }
}
