/// Why a ground-truth / prediction pair cannot be compared.
public enum AccumulateError: Error, Sendable, Equatable, CustomStringConvertible {
  case sizeMismatch(gt: (Int, Int), pred: (Int, Int))

  public static func == (a: AccumulateError, b: AccumulateError) -> Bool {
    switch (a, b) {
    case (.sizeMismatch(let g1, let p1), .sizeMismatch(let g2, let p2)):
      return g1 == g2 && p1 == p2
    }
  }

  public var description: String {
    switch self {
    case .sizeMismatch(let g, let p):
      return "prediction is \(p.0)x\(p.1) but the ground truth is \(g.0)x\(g.1) (use --resize-pred to resize it, nearest neighbour)"
    }
  }
}

extension ConfusionMatrix {
  /// Counts every pixel of a ground-truth / prediction pair of the same size.
  ///
  /// Pixels whose ground truth is in `ignore` are dropped. The 8-bit path histograms (gt, pred) pairs
  /// into a 64K table first and folds it into the matrix once, so the per-pixel loop has no branches.
  public mutating func accumulate(gt: LabelMask, pred: LabelMask, ignore: Set<UInt16> = [255]) throws(AccumulateError) {
    guard gt.width == pred.width, gt.height == pred.height else {
      throw .sizeMismatch(gt: (gt.width, gt.height), pred: (pred.width, pred.height))
    }
    switch (gt.storage, pred.storage) {
    case (.u8(let g), .u8(let p)):
      accumulate8(g, p, ignore: ignore)
    default:
      accumulate16(gt.values16, pred.values16, ignore: ignore)
    }
  }

  /// A fresh matrix for one pair.
  public static func of(gt: LabelMask, pred: LabelMask, classCount: Int, ignore: Set<UInt16> = [255]) throws(AccumulateError) -> ConfusionMatrix {
    var m = ConfusionMatrix(classCount: classCount)
    try m.accumulate(gt: gt, pred: pred, ignore: ignore)
    return m
  }

  private mutating func accumulate8(_ g: [UInt8], _ p: [UInt8], ignore: Set<UInt16>) {
    var hist = [UInt32](repeating: 0, count: 65536)
    let n = g.count
    // UInt32 bins cannot overflow for chunks under 4G pixels; fold per chunk to be safe anyway.
    let chunk = 1 << 30
    var start = 0
    while start < n {
      let end = min(n, start + chunk)
      hist.withUnsafeMutableBufferPointer { h in
        g.withUnsafeBufferPointer { gp in
          p.withUnsafeBufferPointer { pp in
            // Masks are made of long runs of one (gt, pred) pair: count runs in a register and
            // touch the table once per run, which avoids a store-to-load chain on one bin. Inside a
            // run, 8 pixels are checked at once with one 64-bit compare per mask.
            let ones: UInt64 = 0x0101_0101_0101_0101
            let graw = UnsafeRawPointer(gp.baseAddress!), praw = UnsafeRawPointer(pp.baseAddress!)
            var prev = Int(gp[start]) &<< 8 | Int(pp[start])
            var wordG = UInt64(gp[start]) &* ones, wordP = UInt64(pp[start]) &* ones
            var run: UInt32 = 0
            var i = start
            while i < end {
              if i &+ 8 <= end
                && graw.loadUnaligned(fromByteOffset: i, as: UInt64.self) == wordG
                && praw.loadUnaligned(fromByteOffset: i, as: UInt64.self) == wordP
              {
                run &+= 8
                i &+= 8
                continue
              }
              let key = Int(gp[i]) &<< 8 | Int(pp[i])
              if key == prev {
                run &+= 1
              } else {
                h[prev] &+= run
                prev = key
                run = 1
                wordG = UInt64(gp[i]) &* ones
                wordP = UInt64(pp[i]) &* ones
              }
              i &+= 1
            }
            h[prev] &+= run
          }
        }
      }
      fold(hist, ignore: ignore)
      if end < n { hist = [UInt32](repeating: 0, count: 65536) }
      start = end
    }
  }

  private mutating func fold(_ hist: [UInt32], ignore: Set<UInt16>) {
    let k = classCount
    for gv in 0..<256 {
      let base = gv << 8
      var rowTotal: UInt64 = 0
      for pv in 0..<256 { rowTotal &+= UInt64(hist[base | pv]) }
      if rowTotal == 0 { continue }
      if ignore.contains(UInt16(gv)) {
        ignoredPixels &+= rowTotal
        continue
      }
      if gv >= k {
        unknownGroundTruth[UInt16(gv), default: 0] &+= rowTotal
        for pv in 0..<256 where hist[base | pv] != 0 { outside[pv < k ? pv : k, default: 0] &+= UInt64(hist[base | pv]) }
        continue
      }
      let row = gv * (k + 1)
      var valid: UInt64 = 0
      for pv in 0..<min(256, k) {
        let c = UInt64(hist[base | pv])
        add(key: row + pv, c)
        valid &+= c
      }
      add(key: row + k, rowTotal - valid)
    }
  }

  private mutating func accumulate16(_ g: [UInt16], _ p: [UInt16], ignore: Set<UInt16>) {
    let k = classCount
    var ignoreTable = [Bool](repeating: false, count: 65536)
    for v in ignore { ignoreTable[Int(v)] = true }
    var unknown: [UInt16: UInt64] = [:]
    var outsideRuns: [Int: UInt64] = [:]
    var ignored: UInt64 = 0
    if isDense {
      dense.withUnsafeMutableBufferPointer { c in
        g.withUnsafeBufferPointer { gp in
          p.withUnsafeBufferPointer { pp in
            for i in 0..<gp.count {
              let gv = Int(gp[i])
              if ignoreTable[gv] {
                ignored &+= 1
                continue
              }
              let pv = Int(pp[i])
              if gv >= k {
                unknown[UInt16(gv), default: 0] &+= 1
                outsideRuns[pv < k ? pv : k, default: 0] &+= 1
                continue
              }
              c[gv * (k + 1) + (pv < k ? pv : k)] &+= 1
            }
          }
        }
      }
    } else {
      // Sparse: count runs of one (gt, pred) pair and touch the dictionary once per run.
      var prevG = -1, prevP = -1
      var run: UInt64 = 0
      func flush() {
        guard run > 0 else { return }
        if ignoreTable[prevG] {
          ignored &+= run
        } else if prevG >= k {
          unknown[UInt16(prevG), default: 0] &+= run
          outsideRuns[prevP < k ? prevP : k, default: 0] &+= run
        } else {
          cells[prevG * (k + 1) + (prevP < k ? prevP : k), default: 0] &+= run
        }
      }
      for i in 0..<g.count {
        let gv = Int(g[i]), pv = Int(p[i])
        if gv == prevG && pv == prevP {
          run &+= 1
        } else {
          flush()
          prevG = gv
          prevP = pv
          run = 1
        }
      }
      flush()
    }
    ignoredPixels &+= ignored
    for (v, n) in unknown { unknownGroundTruth[v, default: 0] &+= n }
    for (c, n) in outsideRuns { outside[c, default: 0] &+= n }
  }
}
