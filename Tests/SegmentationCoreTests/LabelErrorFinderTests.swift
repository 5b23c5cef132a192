import Foundation
import SegmentationCore
import Testing

/// Small masks drawn by hand; every expected region was counted on the drawing.
@Suite("Label-error finder: regions on hand-checked masks")
struct LabelErrorFinderTests {
  /// A 16x12 mask of `background` with rectangles painted on it.
  static func mask(_ background: UInt8 = 0, _ rects: [(x: Int, y: Int, w: Int, h: Int, v: UInt8)] = []) -> LabelMask {
    var v = [UInt8](repeating: background, count: 16 * 12)
    for r in rects {
      for y in r.y..<(r.y + r.h) { for x in r.x..<(r.x + r.w) { v[y * 16 + x] = r.v } }
    }
    return LabelMask(width: 16, height: 12, values: v)
  }

  var finder: LabelErrorFinder {
    var f = LabelErrorFinder()
    f.band = 1
    f.minPixels = 4
    f.minFraction = 0
    return f
  }

  // A 6x6 object of class 1 at (4, 3) on class 0.
  let gt = Self.mask(0, [(4, 3, 6, 6, 1)])

  @Test("An object the prediction calls another class is a swap: its interior outside the 1-px band")
  func swap() throws {
    let r = try finder.analyze(groundTruth: gt, predictions: [PredictionEvidence(labels: Self.mask(0, [(4, 3, 6, 6, 2)]))])
    #expect(r.evidence == .hardPrediction)
    #expect(r.regions.count == 1)
    let region = try #require(r.regions.first)
    // The object's outer ring is the band; its 4x4 interior remains.
    #expect((region.x, region.y, region.width, region.height, region.pixels) == (5, 4, 4, 4, 16))
    #expect((region.given, region.predicted, region.kind) == (1, 2, .swap))
    #expect(region.score > 0 && region.score <= 0.8)
    #expect(r.score == region.score)
  }

  @Test("An object the prediction sees as its surroundings is spurious")
  func spurious() throws {
    let r = try finder.analyze(groundTruth: gt, predictions: [PredictionEvidence(labels: Self.mask(0))])
    let region = try #require(r.regions.first)
    #expect((region.given, region.predicted, region.kind, region.pixels) == (1, 0, .spurious, 16))
  }

  @Test("Across a void border the surroundings are still found")
  func spuriousBehindVoidBorder() throws {
    let voided = Self.mask(0, [(3, 2, 8, 8, 255), (4, 3, 6, 6, 1)])
    let r = try finder.analyze(groundTruth: voided, predictions: [PredictionEvidence(labels: Self.mask(0))])
    #expect(r.regions.map(\.kind) == [.spurious])
    #expect(r.regions.first?.pixels == 16)
  }

  @Test("An object inside a ground-truth region that lacks it is missed")
  func missed() throws {
    let r = try finder.analyze(groundTruth: Self.mask(0), predictions: [PredictionEvidence(labels: Self.mask(0, [(5, 2, 6, 6, 3)]))])
    let region = try #require(r.regions.first)
    // No ground-truth edge: nothing is discounted.
    #expect((region.x, region.y, region.width, region.height, region.pixels) == (5, 2, 6, 6, 36))
    #expect((region.given, region.predicted, region.kind) == (0, 3, .missed))
    // One hard prediction: scores are capped at 0.8, and a partial region counts 0.6 of that (the
    // size factor is saturated on a 192-pixel image).
    #expect(abs(region.score - 0.48) < 1e-6)
    let whole = try finder.analyze(groundTruth: gt, predictions: [PredictionEvidence(labels: Self.mask(0, [(4, 3, 6, 6, 2)]))])
    #expect(abs(whole.regions[0].score - 0.8) < 1e-6)
  }

  @Test("A shifted outline is a boundary strip; a one-pixel jitter is ambiguity and not reported")
  func boundary() throws {
    // The prediction extends the object 3 px to the right: columns 10-12, of which column 10 is band.
    let shifted = try finder.analyze(groundTruth: gt, predictions: [PredictionEvidence(labels: Self.mask(0, [(4, 3, 9, 6, 1)]))])
    let region = try #require(shifted.regions.first)
    #expect((region.x, region.y, region.width, region.height, region.pixels) == (11, 3, 2, 6, 12))
    #expect((region.given, region.predicted, region.kind) == (0, 1, .boundary))
    let jitter = try finder.analyze(groundTruth: gt, predictions: [PredictionEvidence(labels: Self.mask(0, [(4, 3, 7, 6, 1)]))])
    #expect(jitter.regions.isEmpty)
    #expect(jitter.score == 0)
    #expect(jitter.quality == 1)
    // Without the band the same jitter is a region.
    var strict = finder
    strict.band = 0
    #expect(try strict.analyze(groundTruth: gt, predictions: [PredictionEvidence(labels: Self.mask(0, [(4, 3, 7, 6, 1)]))]).regions.count == 1)
  }

  @Test("Two predictions agreeing against the label are evidence; two that disagree with each other are not")
  func votes() throws {
    let wrong = PredictionEvidence(labels: Self.mask(0, [(4, 3, 6, 6, 2)]))
    let other = PredictionEvidence(labels: Self.mask(0, [(4, 3, 6, 6, 3)]))
    let right = PredictionEvidence(labels: gt)
    let agree = try finder.analyze(groundTruth: gt, predictions: [wrong, wrong])
    #expect(agree.evidence == .predictions)
    #expect(agree.regions.map(\.kind) == [.swap])
    #expect(agree.regions.first?.predicted == 2)
    // One of two against the label, or two against it but for different classes: the models are unsure.
    let split = try finder.analyze(groundTruth: gt, predictions: [wrong, right])
    let scattered = try finder.analyze(groundTruth: gt, predictions: [wrong, other])
    #expect(split.regions.isEmpty && scattered.regions.isEmpty)
    // Two of three is a majority, at two thirds of the evidence: (2/3)^2 of the score.
    let majority = try finder.analyze(groundTruth: gt, predictions: [wrong, wrong, right])
    let a = try #require(agree.regions.first?.score), b = try #require(majority.regions.first?.score)
    #expect(abs(b / a - 4.0 / 9) < 0.01)
    // The share still lowers the quality: unanimous < split < clean.
    #expect(agree.quality < split.quality)
    #expect(split.quality < 1)
  }

  @Test("A confident wrong prediction is strong evidence; an unsure one is weak")
  func confidence() throws {
    let wrong = Self.mask(0, [(4, 3, 6, 6, 2)])
    let sure = try finder.analyze(
      groundTruth: gt, predictions: [PredictionEvidence(labels: wrong, confidence: Self.mask(255), confidenceScale: 255)])
    let unsure = try finder.analyze(
      groundTruth: gt, predictions: [PredictionEvidence(labels: wrong, confidence: Self.mask(51), confidenceScale: 255)])
    #expect(sure.evidence == .confidence)
    let a = try #require(sure.regions.first?.score), b = try #require(unsure.regions.first?.score)
    #expect(abs(b / a - 0.04) < 0.001)
    // Self-confidence p(given) <= 1 - p(pred): 0 on the wrong pixels pulls the softmin down.
    #expect(sure.quality < unsure.quality)
  }

  @Test("The sample score is the noisy-or of its regions, most suspicious first")
  func noisyOr() throws {
    let twoObjects = Self.mask(0, [(1, 1, 5, 5, 1), (8, 2, 7, 7, 2)])
    let pred = Self.mask(0, [(1, 1, 5, 5, 4), (8, 2, 7, 7, 5)])
    let r = try finder.analyze(groundTruth: twoObjects, predictions: [PredictionEvidence(labels: pred)])
    #expect(r.regions.count == 2)
    #expect(r.regions[0].pixels == 25 && r.regions[1].pixels == 9)
    #expect(r.regions[0].score > r.regions[1].score)
    #expect(abs(r.score - (1 - (1 - r.regions[0].score) * (1 - r.regions[1].score))) < 1e-12)
  }

  @Test("Ignored pixels are neither evidence nor regions; agreement gives nothing")
  func ignoredAndClean() throws {
    let clean = try finder.analyze(groundTruth: gt, predictions: [PredictionEvidence(labels: gt), PredictionEvidence(labels: gt)])
    #expect(clean.regions.isEmpty && clean.score == 0 && clean.quality == 1)
    let voidGT = Self.mask(255)
    let r = try finder.analyze(groundTruth: voidGT, predictions: [PredictionEvidence(labels: Self.mask(3))])
    #expect(r.regions.isEmpty)
  }

  @Test("Masks of another size are refused with the sizes named")
  func sizes() {
    let small = LabelMask(width: 4, height: 4, fill: 0)
    #expect(throws: LabelErrorInputError(description: "prediction 1 is 4x4, the ground truth 16x12")) {
      try finder.analyze(groundTruth: gt, predictions: [PredictionEvidence(labels: small)])
    }
    #expect(throws: LabelErrorInputError.self) {
      try finder.analyze(groundTruth: gt, predictions: [PredictionEvidence(labels: gt, confidence: small)])
    }
  }

  @Test("At most maxRegions regions are kept, the best ones")
  func regionCap() throws {
    var rects: [(x: Int, y: Int, w: Int, h: Int, v: UInt8)] = []
    for i in 0..<6 { rects.append((x: (i % 3) * 5, y: (i / 3) * 6, w: 2 + i / 2, h: 2 + i / 2, v: 7)) }
    var f = finder
    f.maxRegions = 2
    f.band = 0
    f.minPixels = 1
    let r = try f.analyze(groundTruth: Self.mask(0), predictions: [PredictionEvidence(labels: Self.mask(0, rects))])
    #expect(r.regions.count == 2)
    #expect(r.regions.allSatisfy { $0.pixels == 16 })
  }

  @Test("A suspect region's pixels: the whole object with its edge, not a second object in the grown box, by majority vote")
  func regionPixels() throws {
    // Class 1 objects: a 6x6 one at (4, 3) and a 2x2 one at (12, 3), close enough to fall inside the
    // grown box. Both predictions call the big one class 2; only one calls the small one 2.
    let gt = Self.mask(0, [(4, 3, 6, 6, 1), (12, 3, 2, 2, 1)])
    let a = Self.mask(0, [(4, 3, 6, 6, 2), (12, 3, 2, 2, 2)])
    let b = Self.mask(0, [(4, 3, 6, 6, 2)])
    let r = try finder.analyze(groundTruth: gt, predictions: [PredictionEvidence(labels: a), PredictionEvidence(labels: b)])
    let region = try #require(r.regions.first { $0.given == 1 && $0.predicted == 2 })
    // The stored box is the interior outside the 1-px band: (5, 4) 4x4.
    #expect((region.x, region.y, region.width, region.height) == (5, 4, 4, 4))
    let pixels = try SuspectPixels.of(region, groundTruth: gt, predictions: [a, b], margin: 2)
    let expected = (3..<9).flatMap { y in (4..<10).map { y * 16 + $0 } }
    #expect(pixels == expected)
    // With one prediction, a 2x2 object of its own also qualifies, but it is a smaller group: left alone.
    let lone = SuspectRegion(x: 5, y: 4, width: 8, height: 4, pixels: 16, given: 1, predicted: 2, kind: .swap, score: 0.9)
    #expect(try SuspectPixels.of(lone, groundTruth: gt, predictions: [a], margin: 2) == expected)
    // Two of three predictions are a majority; one of three is not.
    let c = Self.mask(0)
    #expect(try SuspectPixels.of(region, groundTruth: gt, predictions: [a, b, c], margin: 2) == expected)
    #expect(try SuspectPixels.of(region, groundTruth: gt, predictions: [a, c, c], margin: 2).isEmpty)
    // A corrected ground truth no longer shows it.
    #expect(try SuspectPixels.of(region, groundTruth: b, predictions: [a, b], margin: 2).isEmpty)
    // A prediction of another size is an error, not a crash.
    #expect(throws: LabelErrorInputError.self) {
      try SuspectPixels.of(region, groundTruth: gt, predictions: [LabelMask(width: 8, height: 12, values: [UInt8](repeating: 2, count: 96))])
    }
  }
}
