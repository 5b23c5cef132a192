import AppCore
import SegmentationCore
import TerminalRender
import TestSupport
import Testing

@Suite("Screens at 80x24 and 40x12, as text and style grids (RECORD_SNAPSHOTS=1 re-records)")
struct ScreenSnapshotTests {
  func check(_ s: AppState, _ name: String) {
    let f = AppView.render(s)
    let problem = Snapshot.mismatch(f.buffer.textDump() + "\n==\n" + f.buffer.styleDump(), named: name)
    #expect(problem == nil, "\(problem ?? "")")
  }

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
    #expect(text.contains("segscope"))
  }

  @Test("names from a dataset never reach the screen with control characters")
  func sanitized() {
    var s = loadedState()
    _ = Reducer.reduce(&s, .rowsLoaded([SampleSummary(id: 11, path: "evil\u{1B}]0;pwned\u{07}.jpg", split: nil, width: 1, height: 1, miou: nil, tags: ["\u{1B}[31m"])]))
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
