import SegmentationCore

/// Median-cut colour quantization on a 5-5-5 histogram. Does no I/O.
enum MedianCut {
  struct Box {
    var bins: [Int]  // histogram bin indices (15-bit colours) with a count > 0
    var lo: (Int, Int, Int)
    var hi: (Int, Int, Int)
    var population: Int
  }

  /// Up to `count` representative colours of the histogram (`hist[r5 << 10 | g5 << 5 | b5]`).
  static func palette(histogram hist: [Int], count: Int) -> [RGB] {
    let bins = (0..<hist.count).filter { hist[$0] > 0 }
    guard !bins.isEmpty, count > 0 else { return [] }
    var boxes = [makeBox(bins, hist)]
    while boxes.count < count {
      // Split the box with the largest (range x population) that can be split.
      var pick = -1
      var score = 0
      for (i, b) in boxes.enumerated() where b.bins.count > 1 {
        let range = max(b.hi.0 - b.lo.0, b.hi.1 - b.lo.1, b.hi.2 - b.lo.2)
        let s = range * max(1, b.population)
        if s > score || pick < 0 {
          score = s
          pick = i
        }
      }
      if pick < 0 { break }
      let b = boxes[pick]
      let rR = b.hi.0 - b.lo.0, rG = b.hi.1 - b.lo.1, rB = b.hi.2 - b.lo.2
      let channel = rG >= rR && rG >= rB ? 1 : (rR >= rB ? 0 : 2)
      let sorted = b.bins.sorted { component($0, channel) < component($1, channel) }
      var acc = 0
      var cut = 1
      for (i, bin) in sorted.enumerated() {
        acc += hist[bin]
        if acc * 2 >= b.population {
          cut = max(1, min(sorted.count - 1, i + 1))
          break
        }
      }
      boxes[pick] = makeBox(Array(sorted[..<cut]), hist)
      boxes.append(makeBox(Array(sorted[cut...]), hist))
    }
    return boxes.map { b in
      var r = 0, g = 0, bl = 0, n = 0
      for bin in b.bins {
        let c = hist[bin]
        r += c * expand(component(bin, 0))
        g += c * expand(component(bin, 1))
        bl += c * expand(component(bin, 2))
        n += c
      }
      return RGB(UInt8(r / max(1, n)), UInt8(g / max(1, n)), UInt8(bl / max(1, n)))
    }
  }

  @inline(__always) static func component(_ bin: Int, _ ch: Int) -> Int { (bin >> (10 - 5 * ch)) & 31 }
  @inline(__always) static func expand(_ v5: Int) -> Int { (v5 << 3) | (v5 >> 2) }

  static func makeBox(_ bins: [Int], _ hist: [Int]) -> Box {
    var lo = (31, 31, 31), hi = (0, 0, 0), pop = 0
    for bin in bins {
      let r = component(bin, 0), g = component(bin, 1), b = component(bin, 2)
      lo = (min(lo.0, r), min(lo.1, g), min(lo.2, b))
      hi = (max(hi.0, r), max(hi.1, g), max(hi.2, b))
      pop += hist[bin]
    }
    return Box(bins: bins, lo: lo, hi: hi, population: pop)
  }
}
