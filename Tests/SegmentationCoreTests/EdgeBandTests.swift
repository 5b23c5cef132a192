import Testing

@testable import SegmentationCore

/// The finder's band map against its definition, computed the slow way: the chessboard distance from
/// each pixel to the nearest pixel that has a 4-neighbour of another value.
@Suite("Edge band: distances to ground-truth edges")
struct EdgeBandTests {
  static func bruteForce(_ g: [UInt16], width w: Int, height h: Int, limit: Int) -> [UInt8] {
    func isEdge(_ x: Int, _ y: Int) -> Bool {
      let v = g[y * w + x]
      return (x > 0 && g[y * w + x - 1] != v) || (x + 1 < w && g[y * w + x + 1] != v) || (y > 0 && g[(y - 1) * w + x] != v)
        || (y + 1 < h && g[(y + 1) * w + x] != v)
    }
    var out = [UInt8](repeating: EdgeBand.far, count: w * h)
    for y in 0..<h {
      for x in 0..<w {
        var best = Int.max
        for yy in max(0, y - limit)...min(h - 1, y + limit) {
          for xx in max(0, x - limit)...min(w - 1, x + limit) where isEdge(xx, yy) {
            best = min(best, max(abs(xx - x), abs(yy - y)))
          }
        }
        if best <= limit { out[y * w + x] = UInt8(best) }
      }
    }
    return out
  }

  @Test("random blobs, thin lines, one-pixel-wide and one-pixel-high images, limits 0 to 4")
  func matchesDefinition() {
    var rng = SplitMix64(seed: 7)
    let shapes = [(1, 1), (1, 9), (9, 1), (2, 2), (17, 11), (40, 23)]
    for (w, h) in shapes {
      for trial in 0..<6 {
        var g = [UInt16](repeating: 0, count: w * h)
        // A few rectangles of other values, and sometimes a one-pixel line.
        for _ in 0..<(trial + 1) {
          let x0 = Int(rng.next() % UInt64(w)), y0 = Int(rng.next() % UInt64(h))
          let x1 = min(w, x0 + 1 + Int(rng.next() % 6)), y1 = min(h, y0 + 1 + Int(rng.next() % 6))
          let v = UInt16(rng.next() % 4)
          for y in y0..<y1 { for x in x0..<x1 { g[y * w + x] = v } }
        }
        for limit in 0...4 {
          let band = g.withUnsafeBufferPointer { EdgeBand(labels: $0, width: w, height: h, limit: limit) }
          let expected = Self.bruteForce(g, width: w, height: h, limit: limit)
          #expect(band.level == expected, "\(w)x\(h) trial \(trial) limit \(limit)")
        }
      }
    }
  }

  @Test("a uniform mask has no edge: every pixel is far")
  func uniform() {
    let g = [UInt16](repeating: 3, count: 12 * 5)
    let band = g.withUnsafeBufferPointer { EdgeBand(labels: $0, width: 12, height: 5, limit: 3) }
    #expect(band.level.allSatisfy { $0 == EdgeBand.far })
    #expect(!band.near(0, radius: 3))
  }
}
