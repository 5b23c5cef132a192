/// The finder's per-pixel passes: for each kind of evidence, the pixels that disagree with the label
/// outside the edge band, with their evidence quantized to 1...255 (`e8`), the class they point to
/// (`alt`: several predictions only; one prediction points to its own label), and the histogram of
/// evidence the quality score is made from.
///
/// Each pass runs over plain buffers (no closures capturing state), so the common case of one 8-bit
/// prediction costs a few instructions per agreeing pixel.
extension LabelErrorFinder {
  /// One model's probabilities: every pixel's evidence against its label is 1 - p(label), and the
  /// pixels whose most probable class is another are the candidates. Every labelled pixel says how
  /// sure the model is of its label (cleanlab's self-confidence).
  static func probabilityEvidence(
    g: [UInt16], probabilities probs: ProbabilityMap, argmax: [UInt16], ignore: [Bool], level: [UInt8], coreLevel: UInt8,
    e8: inout [UInt8], histogram: inout [Int], hits: inout [Int32]
  ) {
    let n = g.count, k = probs.classes
    g.withUnsafeBufferPointer { gp in
      argmax.withUnsafeBufferPointer { ap in
        probs.values.withUnsafeBufferPointer { pv in
          ignore.withUnsafeBufferPointer { ig in
            level.withUnsafeBufferPointer { lv in
              e8.withUnsafeMutableBufferPointer { ep in
                histogram.withUnsafeMutableBufferPointer { hp in
                  for i in 0..<n {
                    let gv = gp[i]
                    if ig[Int(gv)] { continue }
                    let pg = Int(gv) < k ? Double(pv[Int(gv) * n + i]) : 0
                    let q = min(255, max(0, Int(((1 - pg) * 255).rounded())))
                    hp[q] += 1
                    let p = ap[i]
                    if p == gv || ig[Int(p)] || lv[i] < coreLevel { continue }
                    if q > 0 {
                      ep[i] = UInt8(q)
                      hits.append(Int32(i))
                    }
                  }
                }
              }
            }
          }
        }
      }
    }
  }

  /// One prediction (with its confidence map when there is one), read as it is stored (8 or 16
  /// bits): evidence is the confidence where it differs from the label, else 255. Returns the
  /// non-ignored pixels where it agrees (a prediction of an ignored value counts as agreeing).
  ///
  /// Most pixels agree, so plain loops the compiler vectorizes find the ones that differ (into `e8`,
  /// as 0/1) and count the agreeing ones; only the differing pixels are then looked at one by one,
  /// found eight at a time. Blocks of 8192 pixels keep every step in the cache.
  static func predictionEvidence<G: FixedWidthInteger, P: FixedWidthInteger>(
    g: [G], prediction: [P], confidence: [UInt16]?, scale: Int, ignore: [Bool], ignoreValues: [UInt16], level: [UInt8], coreLevel: UInt8,
    e8: inout [UInt8], histogram: inout [Int], hits: inout [Int32]
  ) -> Int {
    let n = g.count
    guard n > 0 else { return 0 }
    let confidence = confidence ?? []
    let hasConfidence = !confidence.isEmpty
    var agreeing = 0
    // Ignored values the ground truth's type can hold (a wider one is never in it).
    let ignored = ignoreValues.filter { $0 <= UInt16(truncatingIfNeeded: G.max) }.map { G(truncatingIfNeeded: $0) }
    var differing: [Int32] = []
    g.withUnsafeBufferPointer { gb in
      prediction.withUnsafeBufferPointer { pb in
        e8.withUnsafeMutableBufferPointer { eb in
          confidence.withUnsafeBufferPointer { cp in
            ignore.withUnsafeBufferPointer { ig in
              level.withUnsafeBufferPointer { lv in
                histogram.withUnsafeMutableBufferPointer { hp in
                  let gp = gb.baseAddress!, pp = pb.baseAddress!, ep = eb.baseAddress!
                  // Blocks small enough to stay in the first-level cache through the three steps.
                  var start = 0
                  while start < n {
                    let end = min(n, start &+ 8192)
                    // 1. Which pixels differ, and how many agree (pixels with an ignored label are
                    // neither): plain loops the compiler vectorizes.
                    var equal: UInt32 = 0
                    if ignored.count == 1 {
                      let v = ignored[0]
                      for i in start..<end {
                        let same: UInt8 = UInt16(truncatingIfNeeded: pp[i]) == UInt16(truncatingIfNeeded: gp[i]) ? 1 : 0
                        let kept: UInt8 = gp[i] != v ? 1 : 0
                        ep[i] = (1 &- same) & kept
                        equal &+= UInt32(same & kept)
                      }
                    } else {
                      for i in start..<end {
                        let same: UInt8 = UInt16(truncatingIfNeeded: pp[i]) == UInt16(truncatingIfNeeded: gp[i]) ? 1 : 0
                        ep[i] = 1 &- same
                        equal &+= UInt32(same)
                      }
                      for v in ignored {
                        for i in start..<end {
                          let isIgnored: UInt8 = gp[i] == v ? 1 : 0
                          equal &-= UInt32(isIgnored & (1 &- ep[i]))
                          ep[i] &= 1 &- isIgnored
                        }
                      }
                    }
                    agreeing &+= Int(equal)
                    // 2. The differing pixels, found eight at a time.
                    differing.removeAll(keepingCapacity: true)
                    let raw = UnsafeRawPointer(ep)
                    var i8 = start
                    while i8 &+ 8 <= end {
                      // The lowest address is the lowest byte, on either byte order.
                      var word = UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: i8, as: UInt64.self))
                      while word != 0 {
                        let byte = word.trailingZeroBitCount / 8
                        differing.append(Int32(i8 &+ byte))
                        word &= ~(UInt64(0xFF) << UInt64(byte &* 8))
                      }
                      i8 &+= 8
                    }
                    for i in i8..<end where ep[i] != 0 { differing.append(Int32(i)) }
                    // 3. Each differing pixel: evidence, unless the prediction is ignored (agreeing)
                    // or the pixel is in the band.
                    for d in differing {
                      let i = Int(d)
                      ep[i] = 0
                      let p = UInt16(truncatingIfNeeded: pp[i])
                      if ig[Int(p)] {
                        agreeing &+= 1
                        continue
                      }
                      if lv[i] < coreLevel { continue }
                      let q = hasConfidence ? min(255, (Int(cp[i]) * 255 + scale / 2) / scale) : 255
                      hp[q] &+= 1
                      if q > 0 {
                        ep[i] = UInt8(q)
                        hits.append(d)
                      }
                    }
                    start = end
                  }
                }
              }
            }
          }
        }
      }
    }
    return agreeing
  }

  /// Several predictions vote: the evidence is the share voting for the most voted class other than
  /// the label (each vote weighted by the model's probability or confidence when it has one), and
  /// only a majority against the label is evidence: where they disagree with each other the models
  /// are unsure (the share still lowers the quality score). Returns the non-ignored pixels where all
  /// of them agree with the label.
  static func voteEvidence<G: FixedWidthInteger, P: FixedWidthInteger>(
    g: [G], labels preds: [[P]], predictions: [PredictionEvidence], confidences: [[UInt16]?], scales: [Double], ignore: [Bool],
    ignoreValues: [UInt16], level: [UInt8], coreLevel: UInt8, e8: inout [UInt8], alt: inout [UInt16], histogram: inout [Int], hits: inout [Int32]
  ) -> Int {
    let n = g.count, m = predictions.count
    guard n > 0 else { return 0 }
    let ignored = ignoreValues.filter { $0 <= UInt16(truncatingIfNeeded: G.max) }.map { G(truncatingIfNeeded: $0) }
    // First mark, in plain passes over cache-sized blocks, the pixels where any prediction differs
    // from a label that is not ignored; only those (outside the band) are looked at one by one.
    var candidates: [Int32] = []
    var agreeing = 0
    var differs = [UInt8](repeating: 0, count: min(n, 8192))
    g.withUnsafeBufferPointer { gb in
      differs.withUnsafeMutableBufferPointer { db in
        level.withUnsafeBufferPointer { lv in
          let gp = gb.baseAddress!, dp = db.baseAddress!
          var start = 0
          while start < n {
            let end = min(n, start &+ 8192), count = end &- start
            let gs = gp + start
            for i in 0..<count { dp[i] = 0 }
            for j in 0..<m {
              preds[j].withUnsafeBufferPointer { pb in
                let ps = pb.baseAddress! + start
                for i in 0..<count { dp[i] |= UInt16(truncatingIfNeeded: ps[i]) != UInt16(truncatingIfNeeded: gs[i]) ? 1 : 0 }
              }
            }
            var equal: UInt32 = 0
            for i in 0..<count { equal &+= UInt32(1 &- dp[i]) }
            for v in ignored {
              for i in 0..<count {
                let isIgnored: UInt8 = gs[i] == v ? 1 : 0
                equal &-= UInt32(isIgnored & (1 &- dp[i]))
                dp[i] &= 1 &- isIgnored
              }
            }
            agreeing &+= Int(equal)
            for i in 0..<count where dp[i] != 0 && lv[start &+ i] >= coreLevel { candidates.append(Int32(start &+ i)) }
            start = end
          }
        }
      }
    }
    var votes: [(UInt16, Double, Int)] = []
    votes.reserveCapacity(m)
    for candidate in candidates {
      let i = Int(candidate)
      let gv = UInt16(truncatingIfNeeded: g[i])
      var best: UInt16 = 0
      var strength = 0.0
      var bestCount = 0
      votes.removeAll(keepingCapacity: true)
      for j in 0..<m {
        let p = UInt16(truncatingIfNeeded: preds[j][i])
        if p == gv || ignore[Int(p)] { continue }
        let weight =
          predictions[j].probabilities.map { Double($0.values[Int(p) * n + i]) } ?? confidences[j].map { min(1, Double($0[i]) / scales[j]) } ?? 1
        if let k = votes.firstIndex(where: { $0.0 == p }) {
          votes[k].1 += weight
          votes[k].2 += 1
        } else {
          votes.append((p, weight, 1))
        }
      }
      for (p, v, c) in votes where v > strength {
        strength = v
        best = p
        bestCount = c
      }
      strength /= Double(m)
      let q = Int((strength * 255).rounded())
      histogram[q] += 1
      if strength > 0 && 2 * bestCount > m {
        e8[i] = UInt8(max(1, q))
        alt[i] = best
        hits.append(Int32(i))
      }
    }
    return agreeing
  }
}
