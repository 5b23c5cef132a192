import SegmentationCore
import Testing

/// Calibration on masks drawn by hand: a pair the models confuse in every mask is a habit, one they
/// confuse once is news.
@Suite("Label-error calibration against the run's systematic confusions")
struct LabelErrorCalibrationTests {
  static func mask(_ rects: [(x: Int, y: Int, w: Int, h: Int, v: UInt8)]) -> LabelMask { LabelErrorFinderTests.mask(0, rects) }
  var finder: LabelErrorFinder { LabelErrorFinderTests().finder }

  /// Twelve masks with a bus (1) that both models call a train (2); the seventh also has a car (3)
  /// that both call a person (4). The raw evidence is the same for both kinds of region.
  func run() throws -> [SampleSuspicion] {
    var out: [SampleSuspicion] = []
    for i in 0..<12 {
      var gt: [(x: Int, y: Int, w: Int, h: Int, v: UInt8)] = [(1, 1, 6, 6, 1)]
      var pred: [(x: Int, y: Int, w: Int, h: Int, v: UInt8)] = [(1, 1, 6, 6, 2)]
      if i == 6 {
        gt.append((9, 4, 6, 6, 3))
        pred.append((9, 4, 6, 6, 4))
      }
      let p = PredictionEvidence(labels: Self.mask(pred))
      out.append(try finder.analyze(groundTruth: Self.mask(gt), predictions: [p, p]))
    }
    return out
  }

  @Test("a pair confused in every mask scores below a pair confused once; raw scores were equal")
  func habitBelowRare() throws {
    let samples = try run()
    let calibration = LabelErrorCalibration(samples: samples.map { LabelErrorCalibration.Sample(classes: $0.classes, regions: $0.regions) })
    let rare = try #require(samples[6].regions.first { $0.given == 3 })
    let habit = try #require(samples[6].regions.first { $0.given == 1 })
    #expect(rare.raw == habit.raw && rare.raw > 0.3)
    #expect(calibration.factor(rare) == 1)
    #expect(calibration.factor(habit) < 0.2)
    let (score, regions) = calibration.apply(samples[6].regions)
    #expect(regions.first?.given == 3, "the rare swap leads the sample's regions")
    #expect(regions[0].score > 5 * regions[1].score)
    // The sample with the rare error outranks every mask that only shows the habit.
    for (i, s) in samples.enumerated() where i != 6 { #expect(calibration.apply(s.regions).score < score / 3) }
    #expect(samples[0].classes == [0, 1] && samples[6].classes == [0, 1, 3])
  }

  @Test("without other masks nothing is calibrated away; one other occurrence halves at most")
  func smallSets() throws {
    let samples = try run()
    let alone = LabelErrorCalibration(samples: [LabelErrorCalibration.Sample(classes: samples[0].classes, regions: samples[0].regions)])
    #expect(alone.factor(samples[0].regions[0]) == 1)
    let two = LabelErrorCalibration(samples: samples.prefix(2).map { LabelErrorCalibration.Sample(classes: $0.classes, regions: $0.regions) })
    let f = two.factor(samples[0].regions[0])
    #expect(f >= 0.5 && f < 1)
  }

  @Test("size bins: the other bins count a quarter per bin beyond the next")
  func sizeBins() {
    #expect(LabelErrorCalibration.sizeBin(pixels: 10, area: 1_000_000) == 0)
    #expect(LabelErrorCalibration.sizeBin(pixels: 300, area: 1_000_000) == 1)
    #expect(LabelErrorCalibration.sizeBin(pixels: 250_000, area: 1_000_000) == 6)
    #expect(LabelErrorCalibration.sizeWeight(3, 4) == 1 && LabelErrorCalibration.sizeWeight(3, 5) == 0.25 && LabelErrorCalibration.sizeWeight(0, 6) < 0.001)
  }

  @Test("a sample's score is the noisy-or of its two strongest regions")
  func combine() {
    #expect(LabelErrorCalibration.combine([]) == 0)
    #expect(abs(LabelErrorCalibration.combine([0.5, 0.5, 0.9]) - 0.95) < 1e-12)
  }

  @Test("probabilities: 1 - p(label) is the evidence, the label quality is cleanlab's softmin of p(label)")
  func probabilities() throws {
    // Two classes on a 16x12 image; a 6x6 object of 1 that the model is sure is 0.
    let gt = Self.mask([(5, 3, 6, 6, 1)])
    var values = [Float](repeating: 0, count: 2 * 192)
    for i in 0..<192 {
      values[i] = 0.97
      values[192 + i] = 0.03
    }
    let map = ProbabilityMap(classes: 2, width: 16, height: 12, values: values)
    let r = try finder.analyze(groundTruth: gt, predictions: [PredictionEvidence(probabilities: map)])
    #expect(r.evidence == .probabilities)
    let region = try #require(r.regions.first)
    #expect((region.given, region.predicted, region.kind, region.pixels) == (1, 0, .spurious, 16))
    #expect(r.quality < 0.1)
  }
}
