import Testing

@testable import SegmentationCore

/// The finder's objects (row runs joined by union-find) against a plain flood fill on random masks.
@Suite("Ground-truth objects: runs joined across rows")
struct GroundTruthObjectsTests {
  /// The slow way: a 4-connected flood fill from pixel `start`, counting pixels, edge pixels and the
  /// values just outside (one step further across an ignored value).
  static func reference(_ g: [UInt16], width w: Int, height h: Int, start: Int, band: Int, ignore: [Bool]) -> (
    pixels: Set<Int>, core: Int, surrounding: UInt16?
  ) {
    let v = g[start]
    var seen: Set<Int> = [start]
    var todo = [start]
    var edges = 0
    var around: [UInt16: Int] = [:]
    while let i = todo.popLast() {
      let x = i % w, y = i / w
      var onEdge = false
      for (dx, dy) in [(-1, 0), (1, 0), (0, -1), (0, 1)] {
        let nx = x + dx, ny = y + dy
        guard nx >= 0, ny >= 0, nx < w, ny < h else { continue }
        let nb = ny * w + nx
        if g[nb] == v {
          if seen.insert(nb).inserted { todo.append(nb) }
          continue
        }
        onEdge = true
        if !ignore[Int(g[nb])] {
          around[g[nb], default: 0] += 1
        } else {
          let fx = x + 2 * dx, fy = y + 2 * dy
          if fx >= 0, fy >= 0, fx < w, fy < h, g[fy * w + fx] != v, !ignore[Int(g[fy * w + fx])] { around[g[fy * w + fx], default: 0] += 1 }
        }
      }
      if onEdge { edges += 1 }
    }
    let best = around.max { $0.value != $1.value ? $0.value < $1.value : $0.key > $1.key }
    return (seen, max(1, seen.count - edges * band), best?.key)
  }

  @Test("every pixel's object, its core and its surrounding value match a flood fill (U shapes, rings, void borders)")
  func matchesFloodFill() {
    var rng = SplitMix64(seed: 11)
    var ignore = [Bool](repeating: false, count: 65536)
    ignore[255] = true
    for (w, h) in [(1, 1), (1, 7), (7, 1), (13, 9), (31, 17)] {
      for trial in 0..<5 {
        var g = [UInt16](repeating: 0, count: w * h)
        for _ in 0..<(3 + trial * 2) {
          let x0 = Int(rng.next() % UInt64(w)), y0 = Int(rng.next() % UInt64(h))
          let x1 = min(w, x0 + 1 + Int(rng.next() % 7)), y1 = min(h, y0 + 1 + Int(rng.next() % 7))
          let v: UInt16 = rng.next() % 5 == 0 ? 255 : UInt16(rng.next() % 3)
          for y in y0..<y1 { for x in x0..<x1 { g[y * w + x] = v } }
        }
        let edges = g.withUnsafeBufferPointer { EdgeBand(labels: $0, width: w, height: h, limit: 2) }
        var objects = GroundTruthObjects(labels: g, width: w, height: h)
        var done = Set<Int>()
        for start in 0..<(w * h) where !done.contains(start) {
          let expected = Self.reference(g, width: w, height: h, start: start, band: 2, ignore: ignore)
          let id = objects.object(at: start)
          // One object per connected area: every pixel of it maps to the same id, no other does.
          for i in 0..<(w * h) { #expect((objects.object(at: i) == id) == expected.pixels.contains(i), "\(w)x\(h) trial \(trial) pixel \(i)") }
          #expect(objects.core(id, level: edges.level, band: 2) == expected.core, "\(w)x\(h) trial \(trial) start \(start)")
          #expect(objects.surrounding(id, level: edges.level, ignore: ignore) == expected.surrounding, "\(w)x\(h) trial \(trial) start \(start)")
          done.formUnion(expected.pixels)
        }
        var counts = [Int](repeating: 0, count: 256)
        for v in g { counts[Int(v)] += 1 }
        let top = counts.lastIndex { $0 > 0 }!
        #expect(objects.valueCounts() == Array(counts[0...top]))
      }
    }
  }
}
