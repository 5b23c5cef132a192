import Foundation

/// What a sample's label-error suspicion rests on, strongest first.
public enum LabelEvidence: String, Sendable, Codable, CaseIterable, Comparable {
  /// One prediction with its full class probabilities: p(given) per pixel; the strongest.
  case probabilities
  /// Two or more predictions: they vote, and the share that agrees against the label is the evidence.
  case predictions
  /// One prediction with its confidence map: p(given) <= 1 - p(predicted) where they differ.
  case confidence
  /// One hard prediction: only whole disagreeing objects count; the weakest evidence.
  case hardPrediction = "hard-prediction"

  /// A line for reports.
  public var explanation: String {
    switch self {
    case .probabilities: return "one model's full class probabilities (strongest: p(given) at every pixel)"
    case .predictions: return "several predictions voting against the label (strong)"
    case .confidence: return "one prediction with its confidence map (p(given) <= 1 - p(predicted))"
    case .hardPrediction: return "one hard prediction: object-level disagreement only (weakest evidence; region scores capped at 0.8)"
    }
  }

  private var rank: Int {
    switch self {
    case .probabilities: return 0
    case .predictions: return 1
    case .confidence: return 2
    case .hardPrediction: return 3
    }
  }
  public static func < (a: LabelEvidence, b: LabelEvidence) -> Bool { a.rank < b.rank }
}

/// What seems to be wrong with a suspect region of the ground truth.
public enum SuspectKind: String, Sendable, Codable, CaseIterable {
  /// An object labelled with the wrong class.
  case swap
  /// An object the ground truth lacks (labelled as its surroundings).
  case missed
  /// A labelled object that is not there (the evidence sees its surroundings).
  case spurious
  /// A shifted outline: a strip along a region's edge.
  case boundary
}

extension LabelEvidence: CustomStringConvertible { public var description: String { rawValue } }
extension SuspectKind: CustomStringConvertible { public var description: String { rawValue } }

/// A connected area where the ground truth is probably wrong.
public struct SuspectRegion: Sendable, Equatable, Codable {
  public var x: Int
  public var y: Int
  public var width: Int
  public var height: Int
  /// Pixels of the region outside the discounted boundary band.
  public var pixels: Int
  /// The class the ground truth gives.
  public var given: Int
  /// The class the evidence points to.
  public var predicted: Int
  public var kind: SuspectKind
  /// In [0, 1]; 1 = surely mislabeled: the evidence's score after calibration against the run's
  /// systematic confusions (`LabelErrorCalibration`).
  public var score: Double
  /// The score from this mask's evidence alone, before calibration.
  public var raw: Double
  /// The region's size class, by its share of the image (`LabelErrorCalibration.sizeBin`).
  public var sizeBin: Int

  public init(
    x: Int, y: Int, width: Int, height: Int, pixels: Int, given: Int, predicted: Int, kind: SuspectKind, score: Double, raw: Double? = nil,
    sizeBin: Int = 0
  ) {
    self.x = x
    self.y = y
    self.width = width
    self.height = height
    self.pixels = pixels
    self.given = given
    self.predicted = predicted
    self.kind = kind
    self.score = score
    self.raw = raw ?? score
    self.sizeBin = sizeBin
  }

  /// Whether pixel (px, py) lies in the bounding box.
  public func contains(x px: Int, y py: Int) -> Bool { px >= x && py >= y && px < x + width && py < y + height }
}

/// One prediction used as evidence: its class mask and, when imported, its confidence map or its
/// full class probabilities.
public struct PredictionEvidence: Sendable {
  public var labels: LabelMask
  /// Confidence of the predicted class per pixel, `value / confidenceScale` in [0, 1].
  public var confidence: LabelMask?
  public var confidenceScale: Double
  /// The model's softmax output; `labels` is its argmax.
  public var probabilities: ProbabilityMap?

  public init(labels: LabelMask, confidence: LabelMask? = nil, confidenceScale: Double = 255) {
    self.labels = labels
    self.confidence = confidence
    self.confidenceScale = max(1, confidenceScale)
  }

  /// Evidence from class probabilities: the labels are their argmax, and the confidence of a
  /// pixel's predicted class is its probability.
  public init(probabilities: ProbabilityMap) {
    self.labels = probabilities.argmax()
    self.confidence = nil
    self.confidenceScale = 1
    self.probabilities = probabilities
  }
}

/// The finder's verdict on one sample.
public struct SampleSuspicion: Sendable, Equatable {
  public var evidence: LabelEvidence
  /// In [0, 1], 1 = surely mislabeled: the chance that at least one region is a label error
  /// (noisy-or of the region scores).
  public var score: Double
  /// cleanlab-style label quality in [0, 1] (1 = clean): the softmin (temperature 0.1) of the
  /// pixels' self-confidence outside the boundary band.
  public var quality: Double
  /// Most suspicious first.
  public var regions: [SuspectRegion]
  /// The ground-truth classes the mask holds (at least a region's minimum of pixels): what the
  /// calibration counts masks by.
  public var classes: [Int] = []
}

public struct LabelErrorInputError: Error, CustomStringConvertible, Equatable {
  public let description: String
  public init(description: String) { self.description = description }
}

/// Finds the regions of a ground-truth mask that the evidence says are wrong.
///
/// Pixel evidence e in [0, 1] that the label is wrong, with the class it points to:
/// - several predictions: the share voting for the most voted class other than the label (each
///   vote weighted by its confidence when a map exists), counted only where more than half of them
///   vote for it;
/// - one prediction with confidence: its confidence where it differs from the label;
/// - one hard prediction: 1 where it differs.
/// Pixels within `band` pixels of a ground-truth edge are ambiguity, not evidence: they are left out.
/// The remaining disagreeing pixels form 4-connected regions per (given, predicted) pair. A region's
/// score is (mean e)^2 times a size factor 1 - exp(-pixels / (sizeScale * image area)); for one hard
/// prediction, regions that cover less than half of their ground-truth object count 0.6 and every
/// score is multiplied by 0.8.
public struct LabelErrorFinder: Sendable {
  /// Changes when the finder's scores change: stored runs of another version are recomputed.
  public static let version = 2
  public var ignore: Set<UInt16>
  /// Pixels from a ground-truth edge that are discounted.
  public var band = 2
  /// Regions smaller than max(minPixels, minFraction * area) are dropped.
  public var minPixels = 12
  public var minFraction = 0.0002
  /// A region of sizeScale * area pixels has size factor 1 - 1/e.
  public var sizeScale = 0.002
  /// A partial region whose pixels per pixel of contact with the band is at most this is a shifted outline.
  public var boundaryThickness = 10.0
  /// Softmin temperature of the quality score.
  public var temperature = 0.1
  /// At most this many regions are kept per sample (the best).
  public var maxRegions = 64

  public init(ignore: Set<UInt16> = [255]) { self.ignore = ignore }

  public func analyze(groundTruth gt: LabelMask, predictions: [PredictionEvidence]) throws -> SampleSuspicion {
    guard !predictions.isEmpty else { throw LabelErrorInputError(description: "no prediction to compare the ground truth with") }
    let w = gt.width, h = gt.height, n = w * h
    for (j, p) in predictions.enumerated() {
      if let q = p.probabilities, q.width != w || q.height != h {
        throw LabelErrorInputError(description: "probabilities \(j + 1) are \(q.width)x\(q.height), the ground truth \(w)x\(h)")
      }
      guard p.labels.width == w, p.labels.height == h else {
        throw LabelErrorInputError(description: "prediction \(j + 1) is \(p.labels.width)x\(p.labels.height), the ground truth \(w)x\(h)")
      }
      if let c = p.confidence, c.width != w || c.height != h {
        throw LabelErrorInputError(description: "confidence map \(j + 1) is \(c.width)x\(c.height), the ground truth \(w)x\(h)")
      }
    }
    let evidence: LabelEvidence =
      predictions.count >= 2
      ? .predictions : predictions[0].probabilities != nil ? .probabilities : (predictions[0].confidence != nil ? .confidence : .hardPrediction)
    guard n > 0 else { return SampleSuspicion(evidence: evidence, score: 0, quality: 1, regions: [], classes: []) }
    let g = gt.values16
    let confs: [[UInt16]?] = predictions.map { $0.confidence?.values16 }
    let scales = predictions.map(\.confidenceScale)
    var ignoreFlags = [Bool](repeating: false, count: 65536)
    for v in ignore { ignoreFlags[Int(v)] = true }

    // Only disagreeing pixels are tested for the band (most pixels agree), by looking around them.
    let edges = EdgeProbe(g: g, width: w, height: h)
    let band = band
    func isCore(_ i: Int) -> Bool { band == 0 || !edges.near(i, radius: band - 1) }

    // Pixel evidence, quantized to 1...255 where some prediction disagrees (0: none).
    var e8 = [UInt8](repeating: 0, count: n)
    var alt = [UInt16](repeating: 0, count: n)
    var histogram = [Int](repeating: 0, count: 256)
    let m = predictions.count
    var votes: [(UInt16, Double, Int)] = []
    votes.reserveCapacity(m)
    // Non-ignored pixels where every prediction agrees with the label (evidence 0 in the quality score).
    var agreeing = 0
    // The disagreeing pixels outside the band, in order: regions start only from these.
    var hits: [Int32] = []
    if m == 1, let probs = predictions[0].probabilities {
      // One model's probabilities: every pixel's evidence against its label is 1 - p(label), and the
      // pixels whose most probable class is another are the candidates.
      let planeSize = n
      let k = probs.classes
      let argmax = predictions[0].labels.values16
      probs.values.withUnsafeBufferPointer { pv in
        for i in 0..<n {
          let gv = g[i]
          if ignoreFlags[Int(gv)] { continue }
          let pg = Int(gv) < k ? Double(pv[Int(gv) * planeSize + i]) : 0
          let q = min(255, max(0, Int(((1 - pg) * 255).rounded())))
          // Every labelled pixel says how sure the model is of its label (cleanlab's self-confidence).
          histogram[q] += 1
          let p = argmax[i]
          if p == gv || ignoreFlags[Int(p)] || !isCore(i) { continue }
          if q > 0 {
            e8[i] = UInt8(q)
            alt[i] = p
            hits.append(Int32(i))
          }
        }
      }
    } else if m == 1 {
      // One prediction: the common case, in integer arithmetic over plain pointers, reading the
      // prediction as it is stored (8 or 16 bits).
      let scale = Int(scales[0].rounded())
      let conf = confs[0]
      func pass<P: FixedWidthInteger>(_ pp: UnsafeBufferPointer<P>) {
        g.withUnsafeBufferPointer { gp in
          ignoreFlags.withUnsafeBufferPointer { ig in
            for i in 0..<n {
              let gv = gp[i]
              let p = UInt16(truncatingIfNeeded: pp[i])
              if p == gv {
                if !ig[Int(gv)] { agreeing += 1 }
                continue
              }
              if ig[Int(gv)] { continue }
              if ig[Int(p)] {
                agreeing += 1
                continue
              }
              if !isCore(i) { continue }
              let q = conf.map { min(255, (Int($0[i]) * 255 + scale / 2) / scale) } ?? 255
              histogram[q] += 1
              if q > 0 {
                e8[i] = UInt8(q)
                alt[i] = p
                hits.append(Int32(i))
              }
            }
          }
        }
      }
      switch predictions[0].labels.storage {
      case .u8(let v): v.withUnsafeBufferPointer { pass($0) }
      case .u16(let v): v.withUnsafeBufferPointer { pass($0) }
      }
    }
    let preds = m > 1 ? predictions.map { $0.labels.values16 } : []
    // Several predictions: first mark, in plain passes, the pixels where any of them differs from the
    // label; only those are looked at one by one.
    var differs = [UInt8](repeating: 0, count: m > 1 ? n : 0)
    var candidates: [Int32] = []
    if m > 1 {
      differs.withUnsafeMutableBufferPointer { dp in
        g.withUnsafeBufferPointer { gp in
          for j in 0..<m {
            preds[j].withUnsafeBufferPointer { pp in
              for i in 0..<n { dp[i] |= pp[i] != gp[i] ? 1 : 0 }
            }
          }
          ignoreFlags.withUnsafeBufferPointer { ig in
            for i in 0..<n where !ig[Int(gp[i])] {
              if dp[i] == 0 { agreeing += 1 } else { candidates.append(Int32(i)) }
            }
          }
        }
      }
    }
    for candidate in candidates {
      let i = Int(candidate)
      let gv = g[i]
      if !isCore(i) { continue }
      var best: UInt16 = 0
      var strength = 0.0
      var bestCount = 0
      votes.removeAll(keepingCapacity: true)
      for j in 0..<m {
        let p = preds[j][i]
        if p == gv || ignoreFlags[Int(p)] { continue }
        let weight =
          predictions[j].probabilities.map { Double($0.values[Int(p) * n + i]) } ?? confs[j].map { min(1, Double($0[i]) / scales[j]) } ?? 1
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
      // With several predictions only a majority against the label is evidence: where they disagree
      // with each other the models are unsure (the share still lowers the quality score).
      if strength > 0 && 2 * bestCount > m {
        e8[i] = UInt8(max(1, q))
        alt[i] = best
        hits.append(Int32(i))
      }
    }
    histogram[0] += agreeing
    let quality = Self.softmin(histogram: histogram, temperature: temperature)

    // Regions: 4-connected disagreeing pixels with one (given, predicted) pair.
    // e8 doubles as the visited mark (a pixel's evidence is taken and zeroed when it joins a region);
    // the object map is made only when a region needs it.
    var objectOf: [Int32] = []
    var objects: [(core: Int, surrounding: UInt16?)] = []
    var stack: [Int32] = []
    // A region's pixels: its contact with the band is counted only when its kind depends on it.
    var members: [Int32] = []
    var regions: [SuspectRegion] = []
    let area = Double(n)
    let minimum = max(minPixels, Int((minFraction * area).rounded(.up)))
    let scale = max(1, sizeScale * area)
    for hit in hits where e8[Int(hit)] > 0 {
      let start = Int(hit)
      let gv = g[start], av = alt[start]
      var count = 0, sum = Int(e8[start])
      members.removeAll(keepingCapacity: true)
      var x0 = w, y0 = h, x1 = -1, y1 = -1
      e8[start] = 0
      stack.append(Int32(start))
      while let top = stack.popLast() {
        let i = Int(top)
        let x = i % w, y = i / w
        count += 1
        members.append(top)
        x0 = min(x0, x)
        x1 = max(x1, x)
        y0 = min(y0, y)
        y1 = max(y1, y)
        for k in 0..<4 {
          let nb: Int
          switch k {
          case 0: nb = x > 0 ? i - 1 : -1
          case 1: nb = x + 1 < w ? i + 1 : -1
          case 2: nb = y > 0 ? i - w : -1
          default: nb = y + 1 < h ? i + w : -1
          }
          if nb >= 0 && e8[nb] > 0 && g[nb] == gv && alt[nb] == av {
            sum += Int(e8[nb])
            e8[nb] = 0
            stack.append(Int32(nb))
          }
        }
      }
      if count < minimum { continue }
      if objectOf.isEmpty { objectOf = [Int32](repeating: -1, count: n) }
      if objectOf[start] < 0 {
        objects.append(
          Self.object(from: start, g: g, band: band, width: w, height: h, id: Int32(objects.count), into: &objectOf, ignore: ignoreFlags))
      }
      let object = objects[Int(objectOf[start])]
      let coverage = Double(count) / Double(max(1, object.core))
      let kind: SuspectKind
      if coverage >= 0.5 {
        kind = object.surrounding == av ? .spurious : .swap
      } else if case let contact = members.reduce(0, { $0 + (edges.near(Int($1), radius: band) ? 1 : 0) }),
        contact > 0 && Double(count) / Double(contact) <= boundaryThickness
      {
        kind = .boundary
      } else {
        kind = .missed
      }
      let mean = Double(sum) / Double(count) / 255
      var score = mean * mean * (1 - exp(-Double(count) / scale))
      if evidence == .hardPrediction { score *= (coverage >= 0.5 ? 1 : 0.6) * 0.8 }
      let clamped = min(1, max(0, score))
      regions.append(
        SuspectRegion(
          x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1, pixels: count, given: Int(gv), predicted: Int(av), kind: kind,
          score: clamped, raw: clamped, sizeBin: LabelErrorCalibration.sizeBin(pixels: count, area: n)))
    }
    regions.sort { $0.score != $1.score ? $0.score > $1.score : ($0.y, $0.x) < ($1.y, $1.x) }
    if regions.count > maxRegions { regions.removeLast(regions.count - maxRegions) }
    var clean = 1.0
    for r in regions { clean *= 1 - r.score }
    var counts = [Int32](repeating: 0, count: 65536)
    g.withUnsafeBufferPointer { gp in for i in 0..<n { counts[Int(gp[i])] &+= 1 } }
    let classes = counts.indices.filter { counts[$0] >= Int32(clamping: minimum) && !ignoreFlags[$0] }
    return SampleSuspicion(evidence: evidence, score: min(1, max(0, 1 - clean)), quality: quality, regions: regions, classes: classes)
  }

  /// cleanlab's softmin over pixel self-confidences s = 1 - e (given as a 256-bin histogram of e):
  /// sum s * exp((1 - s) / T) / sum exp((1 - s) / T). 1 when there are no pixels.
  static func softmin(histogram: [Int], temperature: Double) -> Double {
    var num = 0.0, den = 0.0
    let t = max(1e-6, temperature)
    // Weights relative to the largest one (e = 1) keep exp() in range for any temperature.
    for (q, c) in histogram.enumerated() where c > 0 {
      let e = Double(q) / 255
      let weight = Double(c) * exp((e - 1) / t)
      num += weight * (1 - e)
      den += weight
    }
    return den > 0 ? num / den : 1
  }

  /// The ground-truth object (4-connected, one value) containing `start`: an estimate of its pixels
  /// outside the band (pixels minus band times its edge pixels), and the most common non-ignored
  /// value just outside it (one step further across a void border).
  static func object(
    from start: Int, g: [UInt16], band: Int, width w: Int, height h: Int, id: Int32, into objectOf: inout [Int32], ignore: [Bool]
  ) -> (core: Int, surrounding: UInt16?) {
    let v = g[start]
    var stack = [Int32(start)]
    objectOf[start] = id
    var pixels = 0, edgePixels = 0
    // The values just outside the object, with counts: few, so a short list beats a dictionary.
    var aroundValues: [UInt16] = []
    var aroundCounts: [Int] = []
    func note(_ value: UInt16) {
      if let k = aroundValues.firstIndex(of: value) {
        aroundCounts[k] += 1
      } else {
        aroundValues.append(value)
        aroundCounts.append(1)
      }
    }
    while let top = stack.popLast() {
      let i = Int(top)
      let x = i % w, y = i / w
      pixels += 1
      var onEdge = false
      for k in 0..<4 {
        let step: Int
        let ok: Bool
        switch k {
        case 0: (step, ok) = (-1, x > 0)
        case 1: (step, ok) = (1, x + 1 < w)
        case 2: (step, ok) = (-w, y > 0)
        default: (step, ok) = (w, y + 1 < h)
        }
        if !ok { continue }
        let nb = i + step
        let nv = g[nb]
        if nv == v {
          if objectOf[nb] < 0 {
            objectOf[nb] = id
            stack.append(Int32(nb))
          }
          continue
        }
        onEdge = true
        if !ignore[Int(nv)] {
          note(nv)
        } else {
          let (fx, fy) = (x + 2 * (step == -1 ? -1 : step == 1 ? 1 : 0), y + 2 * (step == -w ? -1 : step == w ? 1 : 0))
          if fx >= 0 && fy >= 0 && fx < w && fy < h {
            let fv = g[fy * w + fx]
            if fv != v && !ignore[Int(fv)] { note(fv) }
          }
        }
      }
      if onEdge { edgePixels += 1 }
    }
    var surrounding: UInt16? = nil
    var best = 0
    for (k, value) in aroundValues.enumerated() where aroundCounts[k] > best || (aroundCounts[k] == best && surrounding.map { value < $0 } ?? true) {
      best = aroundCounts[k]
      surrounding = value
    }
    return (max(1, pixels - edgePixels * band), surrounding)
  }

}

/// Answers "is there a ground-truth edge pixel (one with a 4-neighbour of another value) within
/// chessboard distance r of pixel i?" by looking around i: that holds exactly when a pixel within r
/// has another value than i, or a pixel on the four sides (not the corners) of the ring at r + 1 does.
struct EdgeProbe {
  let g: [UInt16]
  let width: Int
  let height: Int

  func near(_ i: Int, radius r: Int) -> Bool {
    let w = width, h = height
    let x = i % w, y = i / w, v = g[i]
    let x0 = max(0, x - r), x1 = min(w - 1, x + r), y0 = max(0, y - r), y1 = min(h - 1, y + r)
    for yy in y0...y1 {
      let row = yy * w
      for xx in x0...x1 where g[row + xx] != v { return true }
    }
    if x - r - 1 >= 0 { for yy in y0...y1 where g[yy * w + x - r - 1] != v { return true } }
    if x + r + 1 < w { for yy in y0...y1 where g[yy * w + x + r + 1] != v { return true } }
    if y - r - 1 >= 0 { for xx in x0...x1 where g[(y - r - 1) * w + xx] != v { return true } }
    if y + r + 1 < h { for xx in x0...x1 where g[(y + r + 1) * w + xx] != v { return true } }
    return false
  }
}
