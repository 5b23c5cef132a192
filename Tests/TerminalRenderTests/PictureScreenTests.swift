import SegmentationCore
import Testing

@testable import TerminalRender

/// The pictures a terminal shows, brought to the next frame with the least output.
@Suite("Pictures sent once: sixel tiles, kitty ids")
struct PictureScreenTests {
  /// A photo-like picture of `w` x `h` pixels (many colours), with a cross at `mark`.
  static func picture(_ w: Int, _ h: Int, mark: (Int, Int)? = nil, seed: Int = 0) -> ComposedImage {
    var img = RGBImage(width: w, height: h)
    for y in 0..<h {
      for x in 0..<w { img[x: x, y: y] = RGB(UInt8((x * 3 + seed) % 256), UInt8((y * 5 + x) % 256), UInt8((x * y + seed * 7) % 256)) }
    }
    var c = ComposedImage(image: img)
    if let (mx, my) = mark {
      for d in -8...8 {
        for (x, y) in [(mx + d, my), (mx, my + d)] where x >= 0 && y >= 0 && x < w && y < h {
          c.image[x: x, y: y] = RGB(255, 255, 255)
          c.exact[y * w + x] = true
        }
      }
    }
    return c
  }

  static func sixelScreen() -> PictureScreen { PictureScreen(.sixel(SixelEncoder(registers: 256)), cellWidth: 10, cellHeight: 20) }

  @Test("an unchanged frame writes nothing; a moved mark writes a tile of the cells it touched, far smaller than the picture")
  func movedMark() {
    let screen = Self.sixelScreen()
    let rect = Rect(x: 2, y: 3, width: 40, height: 15)
    let first = screen.update([PicturePlacement(rect: rect, key: "a", image: Self.picture(400, 300, mark: (100, 100)))])
    #expect(first.pictures == 1 && first.after.count > 50_000)
    #expect(screen.update([PicturePlacement(rect: rect, key: "a", image: Self.picture(400, 300, mark: (100, 100)))]).after.isEmpty)
    let moved = screen.update([PicturePlacement(rect: rect, key: "b", image: Self.picture(400, 300, mark: (106, 100)))])
    #expect(moved.pictures == 0 && moved.tiles >= 1)
    #expect(moved.after.count < 8 * 1024, "\(moved.after.count) bytes for a moved mark")
    #expect(moved.after.count * 10 < first.after.count)
  }

  @Test("a popup over a picture: nothing is sent when it opens; only the cells it covered when it closes")
  func popup() {
    let screen = Self.sixelScreen()
    let rect = Rect(x: 0, y: 1, width: 40, height: 15)
    let pic = PicturePlacement(rect: rect, key: "a", image: Self.picture(400, 300))
    let first = screen.update([pic])
    let pop = Rect(x: 10, y: 4, width: 20, height: 5)
    let open = screen.update([pic], occluders: [pop])
    #expect(open.after.isEmpty && open.before.isEmpty)
    let closed = screen.update([pic])
    #expect(closed.pictures == 0 && closed.tiles >= 1 && closed.after.count < first.after.count / 2, "\(closed.after.count) of \(first.after.count)")
    #expect(screen.update([pic]).after.isEmpty)
  }

  @Test("a picture that goes away is blanked before the text; one at other cells is sent whole")
  func goneAndMoved() {
    let screen = Self.sixelScreen()
    _ = screen.update([PicturePlacement(rect: Rect(x: 0, y: 0, width: 10, height: 5), key: "a", image: Self.picture(100, 96))])
    let gone = screen.update([])
    #expect(!gone.before.isEmpty && gone.after.isEmpty)
    #expect(String(decoding: gone.before, as: UTF8.self).contains("\u{1B}[5;1H\u{1B}[0m          "))
    let moved = screen.update([PicturePlacement(rect: Rect(x: 20, y: 0, width: 10, height: 5), key: "a", image: Self.picture(100, 96))])
    #expect(moved.pictures == 1)
  }

  @Test("tiles group the wanted cells in rectangles: rows whose spans overlap go together")
  func tileGrouping() {
    var want = [Bool](repeating: false, count: 10 * 6)
    for (x, y) in [(2, 1), (3, 1), (3, 2), (4, 2), (8, 5)] { want[y * 10 + x] = true }
    #expect(PictureScreen.tiles(want, width: 10, height: 6) == [Rect(x: 2, y: 1, width: 3, height: 2), Rect(x: 8, y: 5, width: 1, height: 1)])
  }

  @Test("a tile's pixels are the picture's own registers: drawn over the picture it changes only the cells that differ")
  func tilesMatchPicture() {
    let screen = Self.sixelScreen()
    let rect = Rect(x: 0, y: 0, width: 40, height: 15)
    _ = screen.update([PicturePlacement(rect: rect, key: "a", image: Self.picture(400, 300, mark: (50, 50)))])
    let before = screen.shown[0].indexed
    _ = screen.update([PicturePlacement(rect: rect, key: "b", image: Self.picture(400, 300, mark: (60, 50)))])
    let after = screen.shown[0].indexed
    // Away from both marks every pixel keeps its register.
    var same = 0, total = 0
    for y in 0..<300 {
      for x in 0..<400 where abs(x - 55) > 20 || abs(y - 50) > 20 {
        total += 1
        if before.indices[y * 400 + x] == after.indices[y * 400 + x] { same += 1 }
      }
    }
    #expect(same == total)
    #expect(after.palette[Int(after.indices[50 * 400 + 60])] == RGB(255, 255, 255))
  }

  @Test("kitty: a picture is transmitted once, compressed and in 4096-byte chunks; shown again by placement; gone placements deleted")
  func kitty() {
    let screen = PictureScreen(.kitty(compress: { Array($0.prefix(1000)) }), cellWidth: 10, cellHeight: 20)
    let a = PicturePlacement(rect: Rect(x: 0, y: 0, width: 20, height: 8), key: "a", image: Self.picture(200, 150))
    let b = PicturePlacement(rect: Rect(x: 0, y: 0, width: 20, height: 8), key: "b", image: Self.picture(200, 150, seed: 3))
    let first = String(decoding: screen.update([a]).after, as: UTF8.self)
    #expect(first.contains("a=t,f=24,s=200,v=150,i=1,q=2,o=z") && first.contains("a=p,i=1"))
    #expect(first.components(separatedBy: "\u{1B}_G").allSatisfy { $0.count <= 4096 + 64 })
    #expect(screen.update([a]).after.isEmpty)
    let toB = String(decoding: screen.update([b]).after, as: UTF8.self)
    #expect(toB.contains("i=2") && toB.contains("a=d,d=i,i=1"))
    let back = screen.update([a])
    #expect(back.pictures == 0 && back.after.count < 200, "\(back.after.count) bytes to show a picture again")
    let none = String(decoding: screen.update([]).after, as: UTF8.self)
    #expect(none.contains("a=d,d=i,i=1"))
  }

  @Test("kitty: beyond the memory budget the images shown longest ago are freed, never one on screen")
  func kittyBudget() {
    let screen = PictureScreen(.kitty(compress: nil), cellWidth: 10, cellHeight: 20, kittyBudget: 200 * 150 * 3 * 2)
    let rect = Rect(x: 0, y: 0, width: 20, height: 8)
    var freed: [String] = []
    for i in 0..<5 {
      let out = String(decoding: screen.update([PicturePlacement(rect: rect, key: "k\(i)", image: Self.picture(200, 150, seed: i))]).after, as: UTF8.self)
      freed += out.components(separatedBy: "\u{1B}_G").filter { $0.hasPrefix("a=d,d=I") }
    }
    #expect(freed.count == 3 && screen.uploaded.count == 2 && screen.uploaded["k4"] != nil)
  }
}

extension PictureScreenTests {
  @Test("kitty: a picture like the one placed (a moved mark) goes as small patches over it, and they go when the picture changes")
  func kittyPatches() {
    let screen = PictureScreen(.kitty(compress: nil), cellWidth: 10, cellHeight: 20)
    let rect = Rect(x: 0, y: 0, width: 40, height: 15)
    let first = screen.update([PicturePlacement(rect: rect, key: "a", image: Self.picture(400, 300, mark: (100, 100)))])
    let moved = screen.update([PicturePlacement(rect: rect, key: "b", image: Self.picture(400, 300, mark: (110, 100)))])
    #expect(moved.pictures == 0 && moved.tiles >= 1 && moved.after.count * 20 < first.after.count, "\(moved.after.count) of \(first.after.count)")
    let text = String(decoding: moved.after, as: UTF8.self)
    #expect(text.contains(",z=1") && !text.contains("a=d,d=i,i=1"))
    let again = String(decoding: screen.update([PicturePlacement(rect: rect, key: "c", image: Self.picture(400, 300, mark: (120, 100)))]).after, as: UTF8.self)
    #expect(again.contains("a=d,d=I,i=2"), "the earlier patch is freed")
    let other = screen.update([PicturePlacement(rect: rect, key: "d", image: Self.picture(400, 300, seed: 9))])
    #expect(other.pictures == 1)
  }

  @Test("units not written (a newer key waits) are sent by the next frame")
  func abandoned() {
    let screen = Self.sixelScreen()
    let a = PicturePlacement(rect: Rect(x: 0, y: 0, width: 20, height: 8), key: "a", image: Self.picture(200, 150))
    let b = PicturePlacement(rect: Rect(x: 21, y: 0, width: 20, height: 8), key: "b", image: Self.picture(200, 150, seed: 4))
    let first = screen.update([a, b])
    #expect(first.units.count == 2)
    screen.abandon(first.units[1...])
    let next = screen.update([a, b])
    #expect(next.pictures == 1 && next.after.count == first.units[1].bytes.count)
    #expect(screen.update([a, b]).after.isEmpty)
  }
}

@Suite("When a terminal library could move lines")
struct MayMoveLinesTests {
  func screen(_ rows: [String]) -> Buffer {
    var b = Buffer(width: 12, height: rows.count)
    for (y, r) in rows.enumerated() { b.put(r, x: 0, y: y) }
    return b
  }

  @Test("a changed row whose new text was another row's old text could be moved there; new text could not")
  func moves() {
    let old = screen(["title", "caption A", "", "caption B", "status"])
    let shifted = screen(["title", "caption A", "caption B", "", "status"])
    #expect(shifted.mayMoveLines(from: old, changedRows: [2, 3]))
    let popup = screen(["title", "caption A", "| palette |", "caption B", "status"])
    #expect(!popup.mayMoveLines(from: old, changedRows: [2]))
    #expect(!popup.mayMoveLines(from: old, changedRows: []))
    #expect(popup.mayMoveLines(from: nil, changedRows: [1, 2]))
    // A blank line is on many rows: it anchors nothing.
    let blanks = screen(["title", "", "", "", "status"])
    #expect(!blanks.mayMoveLines(from: screen(["title", "", "x", "", "status"]), changedRows: [2]))
  }
}
