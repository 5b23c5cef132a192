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
    // The ground truth is read as it is stored (8 or 16 bits): most masks are 8-bit, and every pass
    // over them then moves half the bytes.
    switch gt.storage {
    case .u8(let g): return analyze(g, groundTruth: gt, predictions: predictions, evidence: evidence)
    case .u16(let g): return analyze(g, groundTruth: gt, predictions: predictions, evidence: evidence)
    }
  }

  private func analyze<G: FixedWidthInteger & UnsignedInteger>(
    _ g: [G], groundTruth gt: LabelMask, predictions: [PredictionEvidence], evidence: LabelEvidence
  ) -> SampleSuspicion {
    let w = gt.width, h = gt.height, n = w * h
    let confs: [[UInt16]?] = predictions.map { $0.confidence?.values16 }
    let scales = predictions.map(\.confidenceScale)
    var ignoreFlags = [Bool](repeating: false, count: 65536)
    for v in ignore { ignoreFlags[Int(v)] = true }

    // Distances to the ground truth's edges, up to the band: pixels closer than `band` are ambiguity
    // (not evidence), and a region's contact with the band tells a shifted outline.
    let band = band
    let limit = min(max(0, band), 254)
    let edges = g.withUnsafeBufferPointer { EdgeBand(labels: $0, width: w, height: h, limit: limit) }
    // A pixel is evidence when it is at least `band` from every edge (all pixels when band is 0).
    let coreLevel = UInt8(limit)

    // Pixel evidence, quantized to 1...255 where some prediction disagrees (0: none).
    var e8 = [UInt8](repeating: 0, count: n)
    var histogram = [Int](repeating: 0, count: 256)
    let m = predictions.count
    // Non-ignored pixels where every prediction agrees with the label (evidence 0 in the quality score).
    var agreeing = 0
    // The disagreeing pixels outside the band, in order: regions start only from these.
    var hits: [Int32] = []
    // The ground truth's objects: what a region is named by, and the classes the mask holds.
    var objects = GroundTruthObjects(labels: g, width: w, height: h)
    var regions: [SuspectRegion]
    // The class each evidence pixel points to is the prediction's own label (one prediction), or
    // the vote (several).
    func regionsPointing<A: FixedWidthInteger>(to alt: [A]) -> [SuspectRegion] {
      self.regions(g: g, e8: &e8, alt: alt, hits: hits, edges: edges, objects: &objects, ignore: ignoreFlags, width: w, height: h, evidence: evidence)
    }
    if m == 1, let probs = predictions[0].probabilities {
      let argmax = predictions[0].labels.values16
      Self.probabilityEvidence(
        g: gt.values16, probabilities: probs, argmax: argmax, ignore: ignoreFlags, level: edges.level, coreLevel: coreLevel, e8: &e8,
        histogram: &histogram, hits: &hits)
      regions = regionsPointing(to: argmax)
    } else if m == 1 {
      let scale = Int(scales[0].rounded())
      let ignoreValues = ignore.sorted()
      switch predictions[0].labels.storage {
      case .u8(let v):
        agreeing = Self.predictionEvidence(
          g: g, prediction: v, confidence: confs[0], scale: scale, ignore: ignoreFlags, ignoreValues: ignoreValues, level: edges.level,
          coreLevel: coreLevel, e8: &e8, histogram: &histogram, hits: &hits)
        regions = regionsPointing(to: v)
      case .u16(let v):
        agreeing = Self.predictionEvidence(
          g: g, prediction: v, confidence: confs[0], scale: scale, ignore: ignoreFlags, ignoreValues: ignoreValues, level: edges.level,
          coreLevel: coreLevel, e8: &e8, histogram: &histogram, hits: &hits)
        regions = regionsPointing(to: v)
      }
    } else {
      var votes = [UInt16](repeating: 0, count: n)
      let ignoreValues = ignore.sorted()
      // The predictions as stored when all are 8-bit (the usual case), else widened.
      let bytes = predictions.compactMap { p -> [UInt8]? in
        if case .u8(let v) = p.labels.storage { return v }
        return nil
      }
      if bytes.count == m {
        agreeing = Self.voteEvidence(
          g: g, labels: bytes, predictions: predictions, confidences: confs, scales: scales, ignore: ignoreFlags, ignoreValues: ignoreValues,
          level: edges.level, coreLevel: coreLevel, e8: &e8, alt: &votes, histogram: &histogram, hits: &hits)
      } else {
        agreeing = Self.voteEvidence(
          g: g, labels: predictions.map(\.labels.values16), predictions: predictions, confidences: confs, scales: scales, ignore: ignoreFlags,
          ignoreValues: ignoreValues, level: edges.level, coreLevel: coreLevel, e8: &e8, alt: &votes, histogram: &histogram, hits: &hits)
      }
      regions = regionsPointing(to: votes)
    }
    histogram[0] += agreeing
    let quality = Self.softmin(histogram: histogram, temperature: temperature)
    regions.sort { $0.score != $1.score ? $0.score > $1.score : ($0.y, $0.x) < ($1.y, $1.x) }
    if regions.count > maxRegions { regions.removeLast(regions.count - maxRegions) }
    var clean = 1.0
    for r in regions { clean *= 1 - r.score }
    let minimum = max(minPixels, Int((minFraction * Double(n)).rounded(.up)))
    let counts = objects.valueCounts()
    let classes = counts.indices.filter { counts[$0] >= minimum && !ignoreFlags[$0] }
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

}
