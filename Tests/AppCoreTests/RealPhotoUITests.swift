import AppCore
import SegmentationCore
import TerminalRender
import Testing

@Suite("What users see on real photos: background, panels, absent classes, grid width, confusion names")
struct RealPhotoUITests {
  @Test("class 0 named background is left transparent in overlays; B paints it; other class maps paint every class")
  func background() {
    var s = loadedState()
    #expect(s.backgroundClass == nil && s.overlayHidden.isEmpty)
    var names = s.classNames
    names[0] = "_background_"
    _ = Reducer.reduce(
      &s, .datasetLoaded(name: "voc", total: 5, fields: s.fields, classNames: names, palette: s.palette, ignore: [255], runs: s.runs, problems: []))
    #expect(s.backgroundClass == 0 && s.overlayHidden == [0])
    _ = press(&s, .enter)
    _ = Reducer.reduce(&s, .imagesLoaded(sampleImages(11)))
    s.colors = .truecolor
    let transparent = AppView.render(s).buffer.styleDump()
    checkScreen(s, "background-transparent-80x24")
    _ = press(&s, .char("B"))
    #expect(s.paintBackground && s.overlayHidden.isEmpty && s.status?.contains("painting _background_") == true)
    #expect(AppView.render(s).buffer.styleDump() != transparent)
    #expect(AppState.backgroundClass(["Unlabeled", "car"]) == 0 && AppState.backgroundClass(["road", "background"]) == nil)
    // The same at 140x45, and the grid's thumbnails leave it transparent too.
    var wide = loadedState(width: 140, height: 45)
    _ = Reducer.reduce(
      &wide, .datasetLoaded(name: "voc", total: 5, fields: wide.fields, classNames: names, palette: wide.palette, ignore: [255], runs: wide.runs, problems: []))
    _ = press(&wide, .enter)
    _ = Reducer.reduce(&wide, .imagesLoaded(sampleImages(11)))
    wide.colors = .truecolor
    checkScreen(wide, "background-transparent-140x45")
  }

  @Test("three panels fill the fourth quarter with the photo; at 140x45 too")
  func fourthPanel() {
    var s = loadedState(width: 140, height: 45)
    _ = press(&s, .enter)
    _ = Reducer.reduce(&s, .imagesLoaded(sampleImages(11)))
    let text = AppView.render(s).buffer.textDump()
    #expect(text.contains("ground truth") && text.contains("model_b") && text.contains("errors") && text.contains("image"))
    checkScreen(s, "sample-140x45")
  }

  @Test("the class table hides classes absent from both sides, says how many, A shows them")
  func absentClasses() {
    for (w, h) in [(80, 24), (140, 45)] {
      var s = loadedState(width: w, height: h)
      var m = ConfusionMatrix(classCount: 10)
      for c in [0, 1, 2, 5, 6, 9] { m[c, c] = UInt64(1000 * (c + 1)) }
      m[1, 0] = 700
      _ = Reducer.reduce(&s, .viewLoaded(view: v(""), title: "", ids: [11, 12, 13, 14, 15], matrix: m))
      _ = press(&s, .char("2"))
      var text = AppView.render(s).buffer.textDump()
      #expect(text.contains("4 classes absent from ground truth and prediction are hidden (A shows them)"))
      #expect(!text.contains("traffic sign") && text.contains("terrain"))
      checkScreen(s, "classes-hidden-\(w)x\(h)")
      _ = press(&s, .char("A"))
      text = AppView.render(s).buffer.textDump()
      #expect(text.contains("traffic sign") && !text.contains("hidden (A shows them)"))
      // The cursor walks the rows shown.
      _ = press(&s, .char("A"), .char("G"))
      #expect(s.classCursor == 5)
    }
  }

  @Test("the grid shares the whole width between its tiles, with the images' aspect")
  func gridWidth() {
    var s = loadedState(width: 140, height: 45)
    _ = press(&s, .char("m"))
    #expect(GridLayout.columns(s) == 5 && GridLayout.tileWidth(s) * GridLayout.columns(s) == 140)
    // 64x48 images (4:3) in 28-column tiles: 26 / (4/3) / 2 = 9.75 rows of picture, plus the caption.
    #expect(GridLayout.tileHeight(s) == 11)
    checkScreen(s, "grid-140x45")
    var n = loadedState(width: 80, height: 24)
    _ = press(&n, .char("m"))
    #expect(GridLayout.tileWidth(n) * GridLayout.columns(n) >= 78)
    checkScreen(n, "grid-80x24")
  }

  @Test("the confusion matrix keeps its corner label short and names the cell under the cursor in full")
  func confusionNames() {
    var s = loadedState(width: 140, height: 45)
    _ = press(&s, .char("3"), .down, .right, .right, .right, .right, .right, .right, .right, .right)
    let text = AppView.render(s).buffer.textDump()
    #expect(text.contains(" GT\\pred ") && !text.contains("GT \\ pred ("))
    #expect(text.contains("GT sidewalk predicted as traffic sign: 0 pixels"))
    checkScreen(s, "confusion-140x45")
  }
}

@Suite("Sixel pictures keep their aspect: padded to whole bands, not stretched")
struct SixelAspectTests {
  @Test("every sixel placement is whole bands high; below the picture's own height its last row repeats")
  func padded() throws {
    var s = loadedState(width: 140, height: 45)
    s.graphics = .sixel
    s.cell = CellGeometry(width: 9, height: 17)
    _ = press(&s, .enter)
    _ = Reducer.reduce(&s, .imagesLoaded(sampleImages(11)))
    let frame = AppView.render(s)
    #expect(!frame.placements.isEmpty)
    for p in frame.placements {
      let img = p.image.image
      #expect(img.height % 6 == 0)
      // The 64x48 source (4:3) at this width is round(width * 3 / 4) rows; the rest is padding.
      let own = Int((Double(img.width) * 48 / 64).rounded())
      #expect(own <= img.height && img.height - own < 6, "\(img.width)x\(img.height)")
      for y in own..<img.height {
        for x in 0..<img.width { #expect(img[x: x, y: y] == img[x: x, y: own - 1]) }
      }
    }
    // Padding by itself: rows are added at the bottom, copies of the last one.
    let c = ComposedImage(image: RGBImage(width: 2, height: 1, pixels: [1, 2, 3, 4, 5, 6])).padded(toHeight: 3)
    #expect(c.image.height == 3 && c.image.pixels == [1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6] && c.exact.count == 6)
  }
}
