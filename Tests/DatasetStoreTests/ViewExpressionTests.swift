import SegmentationCore
import Testing

@Suite("View language")
struct ViewExpressionTests {
  @Test func parsesEveryTerm() throws {
    let v = try ViewExpression.parse(
      "split=val not tag:ok has:model_b path~street class:car@model_b>=500 miou(model_b)<0.5 iou(model_b, sidewalk)<=0.3 sort:-miou(model_b) limit:20 skip:5")
    #expect(
      v.filters == [
        .split("val", equal: true), .not(.tag("ok")), .hasField("model_b"), .pathContains("street"),
        .classPixels(className: "car", field: "model_b", .ge, 500), .metric(.miou(run: "model_b"), .lt, 0.5),
        .metric(.classIoU(run: "model_b", className: "sidewalk"), .le, 0.3),
      ])
    #expect(v.sort == ViewExpression.Sort(metric: .miou(run: "model_b"), descending: true))
    #expect(v.limit == 20 && v.skip == 5)
    #expect(try ViewExpression.parse("class:'traffic sign'").filters == [.classPixels(className: "traffic sign", field: "ground_truth", .gt, 0)])
    #expect(try ViewExpression.parse("   ") == ViewExpression())
  }

  @Test(
    "syntax errors name the position and what was expected",
    arguments: [
      ("split:val", 6, "'='"), ("miou(a)<", 9, "a number"), ("sort:bogus", 6, "a metric"), ("limit:x", 7, "a whole number"),
      ("class:'car", 7, "a closing quote"), ("frobnicate", 1, "a filter"),
    ])
  func errors(text: String, position: Int, expected: String) {
    do {
      _ = try ViewExpression.parse(text)
      Issue.record("\(text) parsed")
    } catch {
      #expect(error.position == position, "\(text): \(error)")
      #expect(error.expected.hasPrefix(expected), "\(text): \(error)")
    }
  }
}
