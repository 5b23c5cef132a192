/// The pixels a suspect region stands for, so that it can be relabelled as the class the evidence
/// points to.
///
/// A stored region keeps its box, not its pixels, and the box holds the pixels outside the finder's
/// discounted edge band only. So the box is grown by `margin` pixels (the band, and one more), and
/// inside it a pixel belongs to the region when
/// the ground truth gives the region's class and more than half of the predictions say the suggested
/// one (the finder's own rule for several predictions; one prediction must simply say it). Pixels of
/// the discounted edge band count too: relabelling an object takes its outline with it. Of these
/// pixels the largest 4-connected group is the region; smaller groups in the same box belong to other
/// objects and are left alone.
public enum SuspectPixels {
  /// Row-major pixel indices (ascending) of the region in `groundTruth`. Empty when the masks no
  /// longer show it (the ground truth was corrected, or the predictions changed).
  public static func of(_ region: SuspectRegion, groundTruth gt: LabelMask, predictions: [LabelMask], margin: Int = 3) throws(LabelErrorInputError) -> [Int] {
    let w = gt.width, h = gt.height
    for p in predictions where p.width != w || p.height != h {
      throw LabelErrorInputError(description: "a \(p.width)x\(p.height) prediction for a \(w)x\(h) ground truth")
    }
    guard !predictions.isEmpty, region.given >= 0, region.predicted >= 0, region.given <= 65535, region.predicted <= 65535 else { return [] }
    let m = max(0, margin)
    let x0 = max(0, region.x - m), y0 = max(0, region.y - m)
    let x1 = min(w, region.x + region.width + m), y1 = min(h, region.y + region.height + m)
    guard x0 < x1, y0 < y1 else { return [] }
    let bw = x1 - x0, bh = y1 - y0
    let given = UInt16(region.given), suggested = UInt16(region.predicted)
    let g = gt.values16
    let preds = predictions.map(\.values16)
    // 1: a candidate not yet grouped; 0: not a candidate, or already grouped.
    var open = [UInt8](repeating: 0, count: bw * bh)
    for y in y0..<y1 {
      for x in x0..<x1 {
        let i = y * w + x
        guard g[i] == given else { continue }
        var votes = 0
        for p in preds where p[i] == suggested { votes += 1 }
        if 2 * votes > preds.count { open[(y - y0) * bw + (x - x0)] = 1 }
      }
    }
    var best: [Int] = []
    var stack: [Int] = []
    for start in open.indices where open[start] == 1 {
      var group: [Int] = []
      open[start] = 0
      stack.append(start)
      while let b = stack.popLast() {
        group.append(b)
        let bx = b % bw, by = b / bw
        if bx > 0, open[b - 1] == 1 { open[b - 1] = 0; stack.append(b - 1) }
        if bx + 1 < bw, open[b + 1] == 1 { open[b + 1] = 0; stack.append(b + 1) }
        if by > 0, open[b - bw] == 1 { open[b - bw] = 0; stack.append(b - bw) }
        if by + 1 < bh, open[b + bw] == 1 { open[b + bw] = 0; stack.append(b + bw) }
      }
      if group.count > best.count { best = group }
    }
    return best.map { (y0 + $0 / bw) * w + x0 + $0 % bw }.sorted()
  }
}
