import Foundation
import SegmentationCore
import Testing

@Suite("COCO RLE and polygon rasterization equal pycocotools bit for bit")
struct CocoConformanceTests {
  @Test func polygonsAndMasks() throws {
    let dir = try OracleRunner.run("coco_oracle.py", args: ["5"])
    defer { try? FileManager.default.removeItem(at: dir) }
    let root = try #require(OracleRunner.json(dir.appendingPathComponent("cases.json")) as? [String: Any])
    let polys = try #require(root["polygons"] as? [[String: Any]])
    #expect(polys.count == 200)
    var mismatches = 0
    for p in polys {
      let h = try #require(p["h"] as? Int), w = try #require(p["w"] as? Int)
      let parts = try #require(p["parts"] as? [[Double]])
      let rle = CocoRLE.polygons(parts, height: h, width: w)
      let expected = try #require(p["counts"] as? String)
      if rle.compressed != expected { mismatches += 1 }
      #expect(rle.compressed == expected, "polygon \(h)x\(w) \(parts)")
      #expect(rle.area == p["area"] as? Int)
      if mismatches > 3 { break }
    }
    let masks = try #require(root["masks"] as? [[String: Any]])
    for m in masks {
      let h = try #require(m["h"] as? Int), w = try #require(m["w"] as? Int)
      let file = try #require(m["file"] as? String)
      let bytes = try Data(contentsOf: dir.appendingPathComponent(file))
      let mask = bytes.map { $0 != 0 }
      let rle = CocoRLE(height: h, width: w, rowMajor: mask)
      #expect(rle.compressed == m["counts"] as? String)
      #expect(rle.counts.map(Int.init) == m["uncompressed"] as? [Int])
      #expect(rle.area == m["area"] as? Int)
      let converted = try #require(m["from_uncompressed"] as? String)
      let parsed = try #require(CocoRLE(compressed: converted, height: h, width: w))
      #expect(parsed.decode() == mask)
    }
  }

  @Test("the worked examples of metrics.md")
  func examples() {
    // 3x3, lower-right 2x2 set.
    var m = [Bool](repeating: false, count: 9)
    for (x, y) in [(1, 1), (2, 1), (1, 2), (2, 2)] { m[y * 3 + x] = true }
    let a = CocoRLE(height: 3, width: 3, rowMajor: m)
    #expect(a.counts == [4, 2, 1, 2] && a.compressed == "4210")
    // 4x5 (h=4, w=5), only (0,0).
    var n = [Bool](repeating: false, count: 20)
    n[0] = true
    let b = CocoRLE(height: 4, width: 5, rowMajor: n)
    #expect(b.counts == [0, 1, 19] && b.compressed == "01c0")
    #expect(CocoRLE(compressed: "01c0", height: 4, width: 5) == b)
    #expect(CocoRLE(compressed: "\u{7F}", height: 1, width: 1) == nil)
    #expect(CocoRLE.merge([a, a], intersect: true) == a)
  }
}
