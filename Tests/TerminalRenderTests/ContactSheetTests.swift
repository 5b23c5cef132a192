import SegmentationCore
import TerminalRender
import Testing

/// The contact sheet follows the app's background rule: a class 0 named background is not painted.
@Suite("Contact sheet: one background rule with the app")
struct ContactSheetTests {
  /// A mid-grey photo whose ground truth is VOC's class 0 (background, black) everywhere but one
  /// person square (class 15).
  static func tile() -> ContactSheet.Tile {
    let photo = RGBImage(width: 64, height: 48, fill: RGB(160, 160, 160))
    var gt = [UInt8](repeating: 0, count: 64 * 48)
    for y in 16..<32 { for x in 24..<40 { gt[y * 64 + x] = 15 } }
    return ContactSheet.Tile(image: photo, groundTruth: LabelMask(width: 64, height: 48, values: gt), prediction: nil, caption: ["2007_000001"])
  }

  /// The sheet's pixel at a picture point of the single tile (picture at x 8, y 8 + glyph height + 10).
  static func pixel(_ sheet: RGBImage, _ x: Int, _ y: Int) -> RGB {
    let px = 8 + x, py = BitmapFont.glyphHeight + 10 + y
    let i = (py * sheet.width + px) * 3
    return RGB(sheet.pixels[i], sheet.pixels[i + 1], sheet.pixels[i + 2])
  }

  @Test("a VOC sample's background keeps the photo's brightness; its objects are still painted")
  func backgroundStaysTransparent() {
    var o = ContactSheet.Options()
    o.pictureWidth = 64
    o.palette = ClassPalette(colors: [0: RGB(0, 0, 0), 15: RGB(192, 128, 128)])
    o.hidden = BackgroundClass.value(names: ["background", "aeroplane"]).map { [$0] } ?? []
    #expect(o.hidden == [0])
    let sheet = ContactSheet.render([Self.tile()], title: "voc", options: o)
    #expect(Self.pixel(sheet, 4, 4) == RGB(160, 160, 160), "background at photo brightness")
    #expect(Self.pixel(sheet, 32, 24) != RGB(160, 160, 160), "the person is painted")
    // Painting class 0 (what the sheet did before) halves the photo there.
    o.hidden = []
    let painted = ContactSheet.render([Self.tile()], title: "voc", options: o)
    #expect(Self.pixel(painted, 4, 4) == RGB(80, 80, 80))
  }

  @Test("only a class 0 whose name says background is the background")
  func rule() {
    #expect(BackgroundClass.value(names: ["_background_"]) == 0 && BackgroundClass.value(names: ["Unlabeled"]) == 0)
    #expect(BackgroundClass.value(names: ["road", "background"]) == nil && BackgroundClass.value(names: []) == nil)
  }
}
