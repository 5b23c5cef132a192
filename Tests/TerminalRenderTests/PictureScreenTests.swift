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

  @Test("a new picture over a gone one: the cells it does not wholly paint (its last, partial row) are blanked, the rest is not")
  func newOverGone() {
    let screen = Self.sixelScreen()
    // 5 rows of 20-pixel cells: the old picture fills them; the new one is 84 pixels high (whole bands),
    // so its fifth row is painted only 4 pixels deep.
    _ = screen.update([PicturePlacement(rect: Rect(x: 0, y: 0, width: 10, height: 5), key: "a", image: Self.picture(100, 100))])
    let next = screen.update([PicturePlacement(rect: Rect(x: 0, y: 0, width: 10, height: 5), key: "b", image: Self.picture(100, 84, seed: 3))])
    let before = String(decoding: next.before, as: UTF8.self)
    #expect(next.pictures == 1)
    #expect(before.contains("\u{1B}[5;1H\u{1B}[0m          "), "the partial row is blanked")
    for row in 1...4 { #expect(!before.contains("\u{1B}[\(row);1H"), "row \(row) is painted whole by the new picture") }
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

  @Test("kitty: beyond the memory budget the images shown longest ago give their ids to new ones (which replace them), never one on screen")
  func kittyBudget() {
    let screen = PictureScreen(.kitty(compress: nil), cellWidth: 10, cellHeight: 20, kittyBudget: 200 * 150 * 3 * 2)
    let rect = Rect(x: 0, y: 0, width: 20, height: 8)
    var ids: [String] = []
    for i in 0..<5 {
      let out = Self.commands(screen.update([PicturePlacement(rect: rect, key: "k\(i)", image: Self.picture(200, 150, seed: i))]).after)
      ids += out.filter { $0.hasPrefix("a=t") }.compactMap { $0.split(separator: ",").first { $0.hasPrefix("i=") }.map(String.init) }
      // Kitty 0.26 frees every image without a placement on d=I: it is never sent.
      #expect(!out.contains { $0.hasPrefix("a=d,d=I") })
    }
    #expect(ids == ["i=1", "i=2", "i=3", "i=1", "i=2"], "\(ids)")
    #expect(screen.uploaded.count == 2 && screen.uploaded["k4"] != nil && screen.uploaded["k3"] != nil)
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
    #expect(text.contains(",z=2") && !text.contains("a=d,d=i,i=1"))
    let again = String(decoding: screen.update([PicturePlacement(rect: rect, key: "c", image: Self.picture(400, 300, mark: (120, 100)))]).after, as: UTF8.self)
    #expect(again.contains("a=d,d=i,i=2,q=2"), "the earlier patch is taken off")
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

extension PictureScreenTests {
  /// A photo at `key` with a translucent class layer over its left `cover` columns.
  static func layered(_ w: Int, _ h: Int, baseKey: String, cover: Int, color: RGB = RGB(200, 30, 30)) -> ComposedImage {
    let photo = picture(w, h).image
    var values = [UInt8](repeating: 0, count: w * h)
    for y in 0..<h { for x in 0..<cover { values[y * w + x] = 1 } }
    let mask = LabelMask(width: w, height: h, values: values)
    let palette = ClassPalette(colors: [1: color])
    return MaskComposer.overlay(photo, mask, palette: palette, options: .init(alpha: 0.5, outlines: false, ignore: [0]), baseKey: baseKey)
  }

  static func commands(_ bytes: [UInt8]) -> [String] {
    String(decoding: bytes, as: UTF8.self).components(separatedBy: "\u{1B}_G").dropFirst().map { String($0.prefix(while: { $0 != ";" && $0 != "\u{1B}" })) }
  }

  @Test("kitty: panels over one photo transmit the photo once and each panel only its translucent layer, placed above it")
  func kittyLayers() {
    let screen = PictureScreen(.kitty(compress: nil), cellWidth: 10, cellHeight: 20)
    let left = PicturePlacement(rect: Rect(x: 0, y: 0, width: 20, height: 8), key: "gt", image: Self.layered(200, 150, baseKey: "photo", cover: 100))
    let right = PicturePlacement(rect: Rect(x: 21, y: 0, width: 20, height: 8), key: "pred", image: Self.layered(200, 150, baseKey: "photo", cover: 50))
    let plain = PicturePlacement(
      rect: Rect(x: 0, y: 9, width: 20, height: 8), key: "image", image: ComposedImage.photo(Self.picture(200, 150).image, baseKey: "photo"))
    let out = screen.update([left, right, plain])
    let cmds = Self.commands(out.after)
    #expect(cmds.filter { $0.hasPrefix("a=t,f=24") }.count == 1, "the photo goes once: \(cmds)")
    #expect(cmds.filter { $0.hasPrefix("a=t,f=32") }.count == 2, "one layer per overlay panel")
    #expect(out.pictures == 3)
    let places = cmds.filter { $0.hasPrefix("a=p") }
    #expect(places.filter { $0.contains("i=1,") }.count == 3, "the photo is placed under all three panels: \(places)")
    #expect(places.filter { $0.contains(",z=1") }.count == 2)
    // A layer with nothing visible leaves the photo alone.
    let empty = PicturePlacement(rect: Rect(x: 21, y: 9, width: 20, height: 8), key: "empty", image: Self.layered(200, 150, baseKey: "photo", cover: 0))
    let more = screen.update([left, right, plain, empty])
    #expect(more.pictures == 0 && Self.commands(more.after) == ["a=p,i=1,p=\((9 * 4099 + 21) | 1),C=1,q=2"])
    // Another panel replaces the layer: the old layer's placement goes, the photo stays placed.
    let other = PicturePlacement(rect: left.rect, key: "gt2", image: Self.layered(200, 150, baseKey: "photo", cover: 150, color: RGB(30, 200, 30)))
    let changed = Self.commands(screen.update([other, right, plain, empty]).after)
    #expect(changed.contains { $0.hasPrefix("a=d,d=i,i=2,") } && !changed.contains { $0.hasPrefix("a=d,d=i,i=1,") }, "\(changed)")
    // Gone: both placements are taken off.
    let gone = Self.commands(screen.update([right, plain, empty]).after)
    #expect(gone.filter { $0.hasPrefix("a=d,d=i") }.count == 2, "\(gone)")
  }

  @Test("a layered overlay blends back to its picture; marks paint the layer opaque; padding pads the layers")
  func layersAgree() {
    let c = Self.layered(40, 30, baseKey: "p", cover: 25)
    guard let l = c.layers, let o = l.overlay else {
      Issue.record("no layers")
      return
    }
    var worst = 0
    for i in 0..<(40 * 30) {
      let a = Double(o[i * 4 + 3]) / 255
      for ch in 0..<3 {
        let blended = Int((Double(l.base.pixels[i * 3 + ch]) * (1 - a) + Double(o[i * 4 + ch]) * a).rounded())
        worst = max(worst, abs(blended - Int(c.image.pixels[i * 3 + ch])))
      }
    }
    #expect(worst <= 1, "blend differs by \(worst)")
    #expect(o[3] == 128 && o[(40 - 1) * 4 + 3] == 0)
    #expect(Self.layered(40, 30, baseKey: "p", cover: 0).layers?.overlay == nil, "a layer with nothing drawn is no layer")
    var marked = c
    marked.paint(x: 39, y: 0, RGB(255, 255, 255))
    #expect(Array(marked.layers!.overlay![(39 * 4)..<(40 * 4)]) == [255, 255, 255, 255] && marked.exact[39])
    let padded = marked.padded(toHeight: 36)
    #expect(padded.layers?.base.height == 36 && padded.layers?.overlay?.count == 40 * 36 * 4 && padded.layers?.baseKey != "p")
    #expect(Array(padded.layers!.overlay![(35 * 40 * 4)..<(36 * 40 * 4)]) == Array(o[(29 * 40 * 4)..<(30 * 40 * 4)]))
  }
}

extension PictureScreenTests {
  @Test("kitty: a photo smaller than its picture goes at its own resolution, padded to the cells' proportions and stretched over them")
  func kittyScaledBase() {
    // A 320x240 photo shown at 520x390 in 52x20 cells of 10x20 pixels (a box of 520x400).
    let photo = Self.picture(320, 240).image
    var c = Self.layered(520, 390, baseKey: "photo", cover: 100)
    c.layers?.base = photo
    guard let size = PictureScreen.scaledBaseSize(photo, picture: c.image, box: (520, 400)) else {
      Issue.record("not scaled")
      return
    }
    let scaled = (rgba: PictureScreen.padded(photo, to: size), width: size.width, height: size.height)
    // Stretched over 520x400 pixels, the padded photo's 320x240 land on 520x390 (within a pixel).
    #expect(scaled.width == 320 && scaled.height == 246)
    #expect(abs(240.0 * 400 / Double(scaled.height) - 390) < 1)
    #expect(scaled.rgba[(245 * 320 + 10) * 4 + 3] == 0 && scaled.rgba[(239 * 320 + 319) * 4 + 3] == 255)
    #expect(scaled.rgba[0..<3] == photo.pixels[0..<3])
    let screen = PictureScreen(.kitty(compress: nil), cellWidth: 10, cellHeight: 20)
    let out = Self.commands(screen.update([PicturePlacement(rect: Rect(x: 0, y: 0, width: 52, height: 20), key: "gt", image: c)]).after)
    #expect(out.contains { $0.hasPrefix("a=t,f=32,s=320,v=246") }, "\(out)")
    #expect(out.contains { $0.hasPrefix("a=t,f=32,s=520,v=390") }, "the layer goes at the picture's size: \(out)")
    #expect(out.contains { $0.hasPrefix("a=p,i=1,") && $0.contains(",c=52,r=20") } && out.contains { $0.contains(",z=1") && !$0.contains(",c=") })
    #expect(PictureScreen.scaledBaseSize(c.image, picture: c.image, box: (520, 400)) == nil, "a base of the picture's size is placed 1:1")
  }
}

extension PictureScreenTests {
  @Test("kitty: a placement in damaged rows, or one whose deletion was not written, is still deleted when its picture goes")
  func kittyNothingLeftBehind() {
    let screen = PictureScreen(.kitty(compress: nil), cellWidth: 10, cellHeight: 20)
    let a = PicturePlacement(rect: Rect(x: 60, y: 3, width: 20, height: 8), key: "preview", image: Self.picture(200, 150))
    let b = PicturePlacement(rect: Rect(x: 0, y: 3, width: 20, height: 8), key: "panel", image: Self.picture(200, 150, seed: 2))
    _ = screen.update([a])
    // The view changes: every row's text changed, and the preview is gone.
    let changed = Self.commands(screen.update([b], damagedRows: Set(0..<45)).after)
    #expect(changed.contains { $0.hasPrefix("a=d,d=i,i=1,") }, "the preview is taken off: \(changed)")
    // Damaged rows with the same picture: placed again, not forgotten.
    let again = Self.commands(screen.update([b], damagedRows: [4]).after)
    #expect(again.count == 1 && again[0].hasPrefix("a=p,i=2,"), "\(again)")
    // A deletion left unwritten (a key waited) goes with the next frame.
    let gone = screen.update([])
    screen.abandon(gone.units[...])
    let retried = Self.commands(screen.update([]).after)
    #expect(retried.contains { $0.hasPrefix("a=d,d=i,i=2,") }, "\(retried)")
    // After invalidate (a clear or resize), placements are deleted before pictures go again.
    _ = screen.update([a])
    screen.invalidate()
    let redrawn = Self.commands(screen.update([b]).after)
    #expect(redrawn.first?.hasPrefix("a=d,d=i,i=1,") == true && redrawn.contains { $0.hasPrefix("a=p,i=2,") }, "\(redrawn)")
  }
}
