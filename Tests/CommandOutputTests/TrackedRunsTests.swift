import CommandOutput
import SegmentationCore
import Testing

@Suite("A run as MLflow sees it: confusion matrix artifacts")
struct TrackedRunsTests {
  @Test("the confusion CSV: ground truth rows, prediction columns and the outside column, names quoted")
  func csv() {
    var m = ConfusionMatrix(classCount: 2)
    m[0, 0] = 5
    m[0, 1] = 2
    m[1, 2] = 3
    let text = TrackedRuns.confusionCSV(m, names: ["road", "say \"hi\", car"])
    #expect(text == "gt\\pred,\"road\",\"say \"\"hi\"\", car\",other\n\"road\",5,2,0\n\"say \"\"hi\"\", car\",0,0,3\n", "\(text)")
  }

  @Test("the heat map: 16 pixels a cell, white for nothing, darker for more of the row")
  func picture() {
    var m = ConfusionMatrix(classCount: 3)
    m[0, 0] = 10
    m[1, 0] = 1
    m[1, 1] = 3
    let img = TrackedRuns.confusionPicture(m)
    #expect(img.width == 48 && img.height == 48)
    #expect(img[x: 0, y: 0] == RGB(30, 60, 150), "a full cell is dark blue")
    #expect(img[x: 20, y: 0] == RGB(255, 255, 255), "an empty cell is white")
    #expect(img[x: 20, y: 20].r < img[x: 0, y: 20].r, "3 of 4 is darker than 1 of 4")
    #expect(img[x: 40, y: 40] == RGB(255, 255, 255), "a row with nothing stays white")
  }
}
