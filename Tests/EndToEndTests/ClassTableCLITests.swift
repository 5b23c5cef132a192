import Foundation
import ImageCodec
import SegmentationCore
import TestSupport
import Testing

@Suite("segscope eval lists the classes present; the JSON keeps every class")
struct ClassTableCLITests {
  @Test("21 VOC classes, 6 present: 6 rows and the hidden-count line; --all-classes lists 21; JSON has 21")
  func hiddenClasses() throws {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("voc21-\(getpid())").path
    try? FileManager.default.removeItem(atPath: root)
    defer { try? FileManager.default.removeItem(atPath: root) }
    for d in ["images", "masks", "preds"] { try FileManager.default.createDirectory(atPath: root + "/" + d, withIntermediateDirectories: true) }
    let voc = [
      "background", "aeroplane", "bicycle", "bird", "boat", "bottle", "bus", "car", "cat", "chair", "cow", "diningtable", "dog", "horse", "motorbike",
      "person", "pottedplant", "sheep", "sofa", "train", "tvmonitor",
    ]
    try voc.joined(separator: "\n").write(toFile: root + "/classes.txt", atomically: true, encoding: .utf8)
    let present: [UInt8] = [0, 1, 5, 7, 12, 15]
    for i in 0..<4 {
      var gt = [UInt8](repeating: 0, count: 24 * 16), pred = gt
      for (k, v) in present.enumerated() {
        for y in 0..<16 { for x in (k * 4)..<(k * 4 + 4) { gt[y * 24 + x] = v } }
      }
      for y in 0..<8 { for x in 0..<24 { pred[y * 24 + x] = gt[y * 24 + x] } }
      for y in 8..<16 { for x in 0..<24 { pred[y * 24 + x] = present[(x / 4 + i) % present.count] } }
      try FileBytes.writeAtomically(PNGEncoder.encode(RGBImage(width: 24, height: 16)), to: "\(root)/images/s\(i).png")
      try FileBytes.writeAtomically(PNGEncoder.encode(LabelMask(width: 24, height: 16, values: gt)), to: "\(root)/masks/s\(i).png")
      try FileBytes.writeAtomically(PNGEncoder.encode(LabelMask(width: 24, height: 16, values: pred)), to: "\(root)/preds/s\(i).png")
    }
    let imported = try Shell.run([Binary.path, "import", root, "--pred", "p=\(root)/preds"])
    #expect(imported.status == 0, "\(imported.err)")
    let table = String(decoding: try Shell.run([Binary.path, "eval", root, "--pred", "p"]).out, as: UTF8.self)
    let rows = table.split(separator: "\n").filter { line in voc.contains { line.hasPrefix("  " + $0 + " ") } }
    #expect(rows.count == 6, "\(table)")
    #expect(table.contains("15 classes absent from both ground truth and prediction are not listed (--all-classes lists them)"))
    let all = String(decoding: try Shell.run([Binary.path, "eval", root, "--pred", "p", "--all-classes"]).out, as: UTF8.self)
    #expect(all.split(separator: "\n").filter { line in voc.contains { line.hasPrefix("  " + $0 + " ") } }.count == 21)
    #expect(!all.contains("not listed"))
    let json = try #require(try segscopeJSON(["eval", root, "--pred", "p", "--format", "json"]) as? [String: Any])
    #expect((json["classes"] as? [Any])?.count == 21)
  }
}
