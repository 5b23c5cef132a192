import DemoScenes
import SegmentationCore
import Testing

@Suite("The demo's scenes and models")
struct DemoScenesTests {
  @Test("a seed gives the same scene every time; other seeds give other scenes; labels stay in the class map (or 255)")
  func deterministic() {
    let a = DemoScene.generate(seed: 7), b = DemoScene.generate(seed: 7), c = DemoScene.generate(seed: 8)
    #expect(a.image == b.image && a.groundTruth == b.groundTruth)
    #expect(a.image != c.image)
    #expect(a.image.width == 320 && a.image.height == 240 && a.groundTruth.width == 320)
    let values = Set(a.groundTruth.values16)
    #expect(values.allSatisfy { Int($0) < DemoClasses.table.count || $0 == 255 }, "\(values.sorted())")
    #expect(values.contains(UInt16(DemoClasses.road)) && values.contains(UInt16(DemoClasses.sky)))
  }

  @Test("a mislabeled scene differs from the truth only where its note says; each model errs, differently")
  func mistakes() throws {
    let s = DemoScene.generate(seed: 3, mislabel: true)
    if s.mislabelNote != nil { #expect(s.groundTruth != s.trueLabels) }
    let clean = DemoScene.generate(seed: 3)
    #expect(clean.mislabelNote == nil)
    var predictions: [LabelMask] = []
    for model in DemoModel.allCases {
      let p = model.predict(clean.trueLabels, seed: 3)
      let m = try ConfusionMatrix.of(gt: clean.trueLabels, pred: p, classCount: DemoClasses.table.count, ignore: [255])
      let miou = SemanticMetrics(matrix: m, dialect: .mmseg).mIoU
      #expect(miou > 0.2 && miou < 1, "\(model): mIoU \(miou)")
      predictions.append(p)
    }
    #expect(Set(predictions.map(\.values16)).count == predictions.count, "the models make different mistakes")
  }
}
