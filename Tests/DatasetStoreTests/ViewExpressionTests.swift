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

@Suite("View language written back")
struct ViewExpressionTextTests {
  @Test(
    "parse(text(v)) == v for every kind of term",
    arguments: [
      "split=val split!=train tag:hard not tag:reviewed has:model_a path~street_00 view:hard_cases",
      "class:car class:person>=500 class:car@model_b<10 class:'traffic sign'<168 not class:pole",
      "miou(model_b)<0.5 acc(model_a)>=0.9 iou(model_b,sidewalk)<0.3 suspect(model_a+model_b)>0.5 tp(inst)>2 fp(inst)=0 fn(inst)!=1",
      "acc_fo(fo)>0.25 precision_fo(fo)<=0.125 recall_fo(fo)>=0.5 width=320 height<240 pixels(car@model_b)>1",
      "flagged flagged:fixed flagged:any verdict:worst=needs-fix revised dismissed dup leak group:3 uniqueness<0.2",
      "cluster:2 brightness<0.2312 contrast>=0.0543 miou(\"it's\")<0.1 tag:'two words' sort:cluster limit:50 skip:100",
      "sort:-pixels(car) limit:3", "sort:-suspect(a+b)", "sort:brightness", "",
    ])
  func roundTrip(text: String) throws {
    let v = try ViewExpression.parse(text)
    #expect(try ViewExpression.parse(v.text) == v, "\(v.text)")
    #expect(v.text == text, "printed differently")
  }

  @Test("builders add a filter and replace the sort; numbers print without exponents and thresholds round as printed")
  func builders() throws {
    let v = try ViewExpression.parse("split=val sort:path").and(.cluster(4)).sorted(by: .miou(run: "m"), descending: true)
    #expect(v.text == "split=val cluster:4 sort:-miou(m)")
    #expect(ViewExpression.number(0.000_012_5) == "0.0000125" && ViewExpression.number(-3) == "-3" && ViewExpression.number(1e16) != "1e+16")
    #expect(ViewExpression.rounded(0.123_456) == 0.1235 && ViewExpression.number(ViewExpression.rounded(0.123_456)) == "0.1235")
  }
}
