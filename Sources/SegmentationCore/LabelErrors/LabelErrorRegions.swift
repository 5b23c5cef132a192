import Foundation

/// The finder's regions: 4-connected disagreeing pixels with one (given, predicted) pair, each
/// scored and named by how it sits in its ground-truth object.
///
/// The flood fill runs over plain pointers with (x, y) on the stack (no division per pixel); an
/// object is described only when a region large enough to keep lies in it.
extension LabelErrorFinder {
  /// A pixel on a flood fill's stack.
  private struct Pixel {
    var x: Int32
    var y: Int32
  }

  /// The regions of one mask, unsorted. `e8` is the pixel evidence (1...255, 0 = none); it doubles
  /// as the visited mark, so it is consumed.
  func regions<G: FixedWidthInteger & UnsignedInteger, A: FixedWidthInteger>(
    g gArray: [G], e8 e8Array: inout [UInt8], alt altArray: [A], hits: [Int32], edges: EdgeBand, objects: inout GroundTruthObjects<G>,
    ignore: [Bool], width w: Int, height h: Int, evidence: LabelEvidence
  ) -> [SuspectRegion] {
    let n = w * h
    guard n > 0, !hits.isEmpty else { return [] }
    let area = Double(n)
    let minimum = max(minPixels, Int((minFraction * area).rounded(.up)))
    let scale = max(1, sizeScale * area)
    let band = band, thickness = boundaryThickness
    var out: [SuspectRegion] = []
    gArray.withUnsafeBufferPointer { gb in
      altArray.withUnsafeBufferPointer { ab in
        e8Array.withUnsafeMutableBufferPointer { eb in
          edges.level.withUnsafeBufferPointer { lb in
            let g = gb.baseAddress!, alt = ab.baseAddress!, e8 = eb.baseAddress!, level = lb.baseAddress!
            var described: [Int: Int] = [:]
            var surroundings: [Int: UInt16?] = [:]
            var stack: [Pixel] = []
            for hit in hits where e8[Int(hit)] > 0 {
              let start = Int(hit)
              let gv = g[start], av = alt[start]
              var count = 0, sum = Int(e8[start])
              // Pixels touching the band (within `band` of an edge): a thin strip along it is a shifted outline.
              var contact = 0
              var x0 = w, y0 = h, x1 = -1, y1 = -1
              e8[start] = 0
              stack.append(Pixel(x: Int32(start % w), y: Int32(start / w)))
              // Takes neighbour i into the region when it has evidence for the same pair: its evidence, or 0.
              @inline(__always) func take(_ i: Int) -> Int {
                let e = e8[i]
                guard e > 0 && g[i] == gv && alt[i] == av else { return 0 }
                e8[i] = 0
                return Int(e)
              }
              while let p = stack.popLast() {
                let x = Int(p.x), y = Int(p.y), i = y &* w &+ x
                count &+= 1
                contact &+= Int(level[i]) <= band ? 1 : 0
                x0 = min(x0, x)
                x1 = max(x1, x)
                y0 = min(y0, y)
                y1 = max(y1, y)
                if x > 0, case let e = take(i &- 1), e > 0 {
                  sum &+= e
                  stack.append(Pixel(x: p.x &- 1, y: p.y))
                }
                if x &+ 1 < w, case let e = take(i &+ 1), e > 0 {
                  sum &+= e
                  stack.append(Pixel(x: p.x &+ 1, y: p.y))
                }
                if y > 0, case let e = take(i &- w), e > 0 {
                  sum &+= e
                  stack.append(Pixel(x: p.x, y: p.y &- 1))
                }
                if y &+ 1 < h, case let e = take(i &+ w), e > 0 {
                  sum &+= e
                  stack.append(Pixel(x: p.x, y: p.y &+ 1))
                }
              }
              if count < minimum { continue }
              let id = objects.object(at: start)
              if described[id] == nil { described[id] = objects.core(id, level: edges.level, band: band) }
              let core = described[id]!
              let coverage = Double(count) / Double(max(1, core))
              let kind: SuspectKind
              if coverage >= 0.5 {
                // What surrounds the object is looked at only for a region that covers most of it.
                if surroundings[id] == nil { surroundings[id] = .some(objects.surrounding(id, level: edges.level, ignore: ignore)) }
                kind = surroundings[id]!.map(Int.init) == Int(av) ? .spurious : .swap
              } else if contact > 0 && Double(count) / Double(contact) <= thickness {
                kind = .boundary
              } else {
                kind = .missed
              }
              let mean = Double(sum) / Double(count) / 255
              var score = mean * mean * (1 - exp(-Double(count) / scale))
              if evidence == .hardPrediction { score *= (coverage >= 0.5 ? 1 : 0.6) * 0.8 }
              let clamped = min(1, max(0, score))
              out.append(
                SuspectRegion(
                  x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1, pixels: count, given: Int(gv), predicted: Int(av), kind: kind,
                  score: clamped, raw: clamped, sizeBin: LabelErrorCalibration.sizeBin(pixels: count, area: n)))
            }
          }
        }
      }
    }
    return out
  }
}
