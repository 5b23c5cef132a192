import AppCore
import SegmentationCore
import TerminalRender
import TestSupport
import Testing

/// Compares a rendered state, text and styles, with its golden file.
func checkScreen(_ s: AppState, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) {
  let f = AppView.render(s)
  let problem = Snapshot.mismatch(f.buffer.textDump() + "\n==\n" + f.buffer.styleDump(), named: name)
  #expect(problem == nil, "\(problem ?? "")", sourceLocation: sourceLocation)
}

@Suite("Screens at 80x24 and 40x12, as text and style grids (RECORD_SNAPSHOTS=1 re-records)")
struct ScreenSnapshotTests {
  func check(_ s: AppState, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) { checkScreen(s, name, sourceLocation: sourceLocation) }

  @Test func samples80x24() {
    var s = loadedState()
    _ = Reducer.reduce(&s, .imagesLoaded(sampleImages(11)))
    check(s, "samples-80x24")
  }

  @Test func classes80x24() {
    var s = loadedState()
    _ = press(&s, .char("2"))
    check(s, "classes-80x24")
  }

  @Test func confusion80x24() {
    var s = loadedState()
    _ = press(&s, .char("3"))
    check(s, "confusion-80x24")
  }

  @Test func sample80x24() {
    var s = loadedState()
    _ = press(&s, .enter)
    _ = Reducer.reduce(&s, .imagesLoaded(sampleImages(11)))
    check(s, "sample-80x24")
  }

  @Test func palette80x24() {
    var s = loadedState()
    _ = press(&s, .char(":"))
    type(&s, "class:c")
    check(s, "palette-80x24")
  }

  @Test("40x12 stays legible", arguments: ["1", "2", "3"])
  func small(screen: String) {
    var s = loadedState(width: 40, height: 12)
    _ = press(&s, .char(Character(screen)))
    check(s, "small-40x12-\(screen)")
    let text = AppView.render(s).buffer.textDump()
    let title = text.split(separator: "\n").first.map(String.init) ?? ""
    // The title keeps the sample count and the run, whatever else gives way.
    #expect(title.contains("segscope") && title.contains("5/5") && title.contains("run model_b"), "\(title)")
  }

  @Test("a long view title gives way in the middle at 80 columns; the sample count and the run stay")
  func titleKeepsCountAndRun() {
    var s = loadedState()
    _ = Reducer.reduce(
      &s, .viewLoaded(view: v(""), title: "class:car split=train sort:-miou(model_b) tag:night tag:rain has:model_a", ids: [11, 12], matrix: nil))
    let title = AppView.render(s).buffer.textDump().split(separator: "\n").first.map(String.init) ?? ""
    #expect(title.contains("2/5 samples") && title.contains("run: model_b (mmseg)") && title.contains("…"), "\(title)")
  }

  @Test("help lists each key once, with the screens it works on; A's two meanings each say where")
  func helpKeysOnce() {
    let flag = Keymap.defaults.bindings(for: .flagAdd)
    #expect(flag.count == 1 && flag[0].key == .char("F") && Set(flag[0].screens) == [.sample, .samples, .suspects])
    var s = loadedState(width: 140, height: 60)
    _ = press(&s, .char("?"))
    let lines = AppView.render(s).buffer.textDump().split(separator: "\n").map(String.init)
    let fLine = lines.first { $0.hasPrefix(" F ") }
    #expect(fLine?.contains("[sample, samples, suspects]") == true, "\(fLine ?? "no F line")")
    #expect(!lines.contains { $0.contains("F F") || $0.hasPrefix(" a a") })
    let aLines = lines.filter { $0.hasPrefix(" A ") }
    #expect(aLines.count == 2 && aLines.contains { $0.contains("[classes]") } && aLines.contains { $0.contains("[sample]") }, "\(aLines)")
  }

  @Test("sample names are shortened in the middle: the part that tells them apart stays")
  func middleEllipsis() {
    #expect(Buffer.middleEllipsis("train/street_000123.jpg", width: 12) == "tra…0123.jpg")
    #expect(Buffer.middleEllipsis("short.png", width: 12) == "short.png")
    #expect(Buffer.middleEllipsis("abc", width: 1) == "…" && Buffer.middleEllipsis("abc", width: 0) == "")
    var s = loadedState()
    _ = Reducer.reduce(
      &s,
      .datasetLoaded(
        name: "d", total: 2, fields: ["ground_truth"], classNames: ["a"], palette: s.palette, ignore: [255], runs: [], problems: []))
    _ = Reducer.reduce(&s, .viewLoaded(view: v(""), title: "", ids: [1, 2], matrix: nil))
    for id: Int64 in [1, 2] {
      _ = Reducer.reduce(
        &s,
        .rowsLoaded([
          SampleSummary(
            id: id, path: "data/very/long/folder/structure/of/a/dataset/street_scene_\(id == 1 ? "0001" : "0002").jpg", split: nil, width: 8, height: 8,
            miou: nil, tags: [])
        ]))
    }
    let text = AppView.render(s).buffer.textDump()
    #expect(text.contains("0001.jpg") && text.contains("0002.jpg"), "\(text)")
  }

  @Test("names from a dataset never reach the screen with control characters")
  func sanitized() {
    var s = loadedState()
    _ = Reducer.reduce(
      &s, .rowsLoaded([SampleSummary(id: 11, path: "evil\u{1B}]0;pwned\u{07}.jpg", split: nil, width: 1, height: 1, miou: nil, tags: ["\u{1B}[31m"])]))
    let f = AppView.render(s)
    for c in f.buffer.cells {
      #expect(!c.symbol.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F })
    }
    #expect(f.buffer.textDump().contains("evil\\x1b]0;pwned\\x07.jpg"))
  }
}

@Suite("Image placements for sixel terminals")
struct PlacementTests {
  @Test("pictures stay inside their cells, off the last row, and within the terminal's maximum size")
  func placements() {
    var s = loadedState(width: 200, height: 60)
    s.graphics = .sixel
    s.cell = CellGeometry(width: 10, height: 20, maxImageWidth: 300, maxImageHeight: 200)
    _ = press(&s, .enter)
    _ = Reducer.reduce(&s, .imagesLoaded(sampleImages(11)))
    let f = AppView.render(s)
    #expect(!f.placements.isEmpty)
    for p in f.placements {
      #expect(p.image.image.width <= 300 && p.image.image.height <= 200)
      #expect(p.image.image.height % 6 == 0)
      #expect(p.rect.maxY <= s.height - 1)
      #expect(p.image.image.width <= p.rect.width * 10 && p.image.image.height <= p.rect.height * 20)
    }
  }
}

@Suite("Triage screens as text and style grids (RECORD_SNAPSHOTS=1 re-records)")
struct TriageSnapshotTests {
  func check(_ s: AppState, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) { checkScreen(s, name, sourceLocation: sourceLocation) }

  func flagged() -> AppState {
    var s = loadedState()
    _ = press(&s, .char("6"))
    _ = Reducer.reduce(
      &s,
      .triage(
        .flagsLoaded([
          FlagSummary(
            id: 1, sampleId: 12, path: "data/street_12.jpg", field: "ground_truth", region: "whole mask", suggestedClass: "car",
            note: "parked car labelled road",
            state: .open, author: "ana", createdAt: "2026-11-26 10:00:00"),
          FlagSummary(
            id: 2, sampleId: 14, path: "data/street_14.jpg", field: "ground_truth", region: "rect 10,4 20x8", suggestedClass: nil, note: "", state: .open,
            author: "bo", createdAt: "2026-11-26 10:01:00"),
        ])))
    return s
  }

  @Test func flags80x24() { check(flagged(), "flags-80x24") }
  @Test func flags40x12() {
    var s = flagged()
    _ = Reducer.reduce(&s, .terminalResized(width: 40, height: 12))
    check(s, "flags-40x12")
  }

  @Test("a sample in a review queue: verdict, revision, flags, progress")
  func review80x24() {
    var s = loadedState()
    _ = Reducer.reduce(
      &s, .triage(.reviewLoaded(queue: "worst", expression: v("sort:miou(model_b)"), ids: [11, 12, 13], verdicts: [11: .ok], position: 11, matrix: nil)))
    let img = sampleImages(12)
    _ = Reducer.reduce(
      &s,
      .imagesLoaded(
        SampleImages(
          id: 12, image: img.image, groundTruth: img.groundTruth, predictions: img.predictions, problems: [],
          revision: RevisionInfo(revision: 1, history: ["r1 by ana 2026-11-26 10:02:00: +120 car -120 road"], flags: ["#1 whole mask → car: parked car"]))))
    s.status = nil
    _ = press(&s, .char("i"), .char("b"), .right, .right)
    s.status = nil
    check(s, "review-80x24")
  }
}

@Suite("Pictures that do not change keep their placement")
struct StablePlacementTests {
  /// The sample view at 140x45 with sixel cells of 10x20.
  func sample() -> AppState {
    var s = loadedState(width: 140, height: 45)
    s.graphics = .sixel
    s.cell = CellGeometry(width: 10, height: 20)
    _ = press(&s, .enter)
    _ = Reducer.reduce(&s, .imagesLoaded(sampleImages(11)))
    return s
  }

  @Test("an inspector step changes the key of the first panel only; every rect stays")
  func inspectorStep() {
    var s = sample()
    _ = press(&s, .char("i"))
    let before = AppView.render(s).placements
    _ = press(&s, .right)
    let after = AppView.render(s).placements
    #expect(before.map(\.rect) == after.map(\.rect))
    #expect(zip(before, after).filter { $0.key != $1.key }.count == 1, "\(zip(before, after).map { "\($0.key) -> \($1.key)" })")
  }

  @Test("the palette over the pictures keeps them placed and names the popup as an occluder")
  func palette() {
    var s = sample()
    let before = AppView.render(s)
    _ = press(&s, .char(":"))
    let open = AppView.render(s)
    #expect(open.placements.map(\.key) == before.placements.map(\.key) && open.occluders.count == 1)
  }
}
