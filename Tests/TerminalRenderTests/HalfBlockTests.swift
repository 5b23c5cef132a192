import SegmentationCore
import TerminalRender
import Testing

@Suite("Half-block rendering")
struct HalfBlockTests {
  let img = RGBImage(
    width: 2, height: 4,
    pixels: [
      255, 0, 0, 0, 0, 255,
      0, 255, 0, 0, 0, 255,
      10, 10, 10, 200, 200, 200,
      10, 10, 10, 250, 250, 250,
    ])

  @Test("truecolor: top pixel as foreground, bottom as background, equal halves as a space")
  func truecolor() {
    var b = Buffer(width: 2, height: 2, fill: Cell("x"))
    HalfBlockRenderer.draw(img, into: &b, at: (0, 0), mode: .truecolor)
    #expect(b[0, 0] == Cell("▀", style: Style(fg: RGB(255, 0, 0), bg: RGB(0, 255, 0))))
    #expect(b[1, 0] == Cell(" ", style: Style(bg: RGB(0, 0, 255))))
    #expect(b[0, 1] == Cell(" ", style: Style(bg: RGB(10, 10, 10))))
    #expect(b[1, 1] == Cell("▀", style: Style(fg: RGB(200, 200, 200), bg: RGB(250, 250, 250))))
  }

  @Test("256 colours reconstruct from the palette; no colour uses shading glyphs")
  func reduced() {
    var b = Buffer(width: 2, height: 2)
    HalfBlockRenderer.draw(img, into: &b, at: (0, 0), mode: .palette256)
    #expect(b[0, 0].style.fg == RGB(255, 0, 0))
    var n = Buffer(width: 2, height: 2)
    HalfBlockRenderer.draw(img, into: &n, at: (0, 0), mode: .none)
    #expect(n.textDump() == "░ \n █")
    #expect(n[0, 0].style == .plain)
  }

  @Test func ansiOutputOnlyChangesStyleWhenNeeded() {
    var b = Buffer(width: 3, height: 1)
    b.fill(Rect(x: 0, y: 0, width: 3, height: 1), style: Style(bg: RGB(1, 2, 3)))
    #expect(AnsiWriter.render(b, mode: .truecolor) == "\u{1B}[0;48;2;1;2;3m   \u{1B}[0m\n")
    #expect(AnsiWriter.render(b, mode: .none) == "   \n")
  }

  @Test("majority pooling never invents class ids")
  func majority() {
    let m = LabelMask(width: 4, height: 2, values: [1, 1, 2, 3, 1, 5, 3, 3])
    let s = Resample.majority(m, width: 2, height: 1)
    #expect(s.values16 == [1, 3])
    var rng = SplitMix64(seed: 1)
    let big = LabelMask(width: 37, height: 23, values: (0..<(37 * 23)).map { _ in UInt8([0, 4, 9, 255][rng.int(0, 3)]) })
    let small = Resample.majority(big, width: 7, height: 5)
    #expect(Set(small.values16).isSubset(of: [0, 4, 9, 255]))
    #expect(Resample.majority(LabelMask(width: 3, height: 3, values16: [40000, 40000, 1, 40000, 2, 2, 3, 3, 3]), width: 1, height: 1).values16 == [3])
  }

  @Test func areaFilterAverages() {
    let img = RGBImage(width: 2, height: 1, pixels: [0, 0, 0, 255, 255, 255])
    #expect(Resample.area(img, width: 1, height: 1).pixels == [128, 128, 128])
  }

  @Test func overlayAndErrorMap() {
    let image = RGBImage(width: 2, height: 1, fill: RGB(100, 100, 100))
    let mask = LabelMask(width: 2, height: 1, values: [1, 255])
    let pal = ClassPalette(colors: [1: RGB(200, 0, 0)])
    let o = MaskComposer.overlay(image, mask, palette: pal, options: .init(alpha: 0.5, outlines: false))
    #expect(o.image[x: 0, y: 0] == RGB(150, 50, 50))
    #expect(o.image[x: 1, y: 0] == RGB(100, 100, 100))
    let gt = LabelMask(width: 4, height: 1, values: [1, 1, 2, 255])
    let pr = LabelMask(width: 4, height: 1, values: [1, 2, 1, 1])
    let c = ErrorColors()
    let e = MaskComposer.errorMap(gt: gt, pred: pr, classId: 1)
    #expect(
      [e.image[x: 0, y: 0], e.image[x: 1, y: 0], e.image[x: 2, y: 0], e.image[x: 3, y: 0]] == [c.truePositive, c.falseNegative, c.falsePositive, c.ignored])
    #expect(ClassPalette.voc(1) == RGB(128, 0, 0) && ClassPalette.voc(15) == RGB(192, 128, 128) && ClassPalette.voc(255) == RGB(224, 224, 192))
  }
}
