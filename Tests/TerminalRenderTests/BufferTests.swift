import SegmentationCore
import TerminalRender
import Testing

@Suite("Cell buffer")
struct BufferTests {
  @Test("text is clipped, wide characters take two cells, control characters never pass")
  func put() {
    var b = Buffer(width: 8, height: 2, fill: Cell("x"))
    b.put("ab街c", x: 1, y: 0)
    b.put("\u{1B}[2Jz", x: 0, y: 1, maxWidth: 6)
    #expect(b.textDump() == "xab街cxx\n?[2Jzxxx")
    #expect(b[3, 0].symbol == "街" && b[4, 0].isContinuation)
  }

  @Test func putPaddedTruncatesWithEllipsis() {
    var b = Buffer(width: 10, height: 2, fill: Cell("x"))
    b.putPadded("a long class name", x: 0, y: 0, width: 8)
    b.putPadded("42", x: 0, y: 1, width: 6, alignRight: true)
    #expect(b.textDump() == "a long …xx\n    42xxxx")
  }

  @Test("diff yields only changed cells")
  func diff() {
    var a = Buffer(width: 4, height: 2)
    a.put("abcd", x: 0, y: 0)
    var b = a
    b.put("X", x: 2, y: 1, style: Style(fg: RGB(1, 2, 3)))
    let d = b.diff(from: a)
    #expect(d.count == 1 && d[0].x == 2 && d[0].y == 1 && d[0].cell.symbol == "X")
    #expect(b.diff(from: nil).count == 8)
    #expect(b.diff(from: Buffer(width: 3, height: 2)).count == 8)
  }

  @Test func styleDumpNamesStyles() {
    var b = Buffer(width: 3, height: 1)
    b.put("a", x: 1, y: 0, style: Style(fg: RGB(255, 0, 0), attributes: .bold))
    #expect(b.styleDump() == "010\n--\n0: fg=- bg=- attr=0\n1: fg=#ff0000 bg=- attr=1")
  }

  @Test func charWidths() {
    #expect(CharWidth.of("abc") == 3)
    #expect(CharWidth.of("街道") == 4)
    #expect(CharWidth.of("e\u{301}") == 1)
    #expect(CharWidth.of(Character("🚗")) == 2)
  }
}

@Suite("Colour reduction")
struct ColorQuantizerTests {
  @Test("256-colour mapping uses only indices 16-255")
  func only16to255() {
    var rng = SplitMix64(seed: 5)
    for _ in 0..<2000 {
      let c = RGB(UInt8(rng.int(0, 255)), UInt8(rng.int(0, 255)), UInt8(rng.int(0, 255)))
      #expect(ColorQuantizer.index256(c) >= 16)
    }
    #expect(ColorQuantizer.index256(RGB(255, 0, 0)) == 196)
    #expect(ColorQuantizer.index256(RGB(0, 0, 0)) == 16)
    #expect(ColorQuantizer.index256(RGB(128, 128, 128)) == 244)
    #expect(ColorQuantizer.rgb(of: 244) == RGB(128, 128, 128))
    #expect(ColorQuantizer.rgb(of: 196) == RGB(255, 0, 0))
  }

  @Test func ansi16() {
    #expect(ColorQuantizer.index16(RGB(250, 5, 5)) == 9)
    #expect(ColorQuantizer.index16(RGB(0, 0, 0)) == 0)
  }
}
