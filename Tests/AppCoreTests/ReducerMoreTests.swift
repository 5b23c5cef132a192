import DemoScenes
import AppCore
import TerminalRender
import SegmentationCore
import Testing

@Suite("Huge class maps in the app")
struct HugeClassMapTests {
  @Test("a 70,000-name class map: opening a sample renders its numbers instead of crashing")
  func seventyThousandClasses() {
    var s = AppState()
    _ = Reducer.reduce(&s, .terminalResized(width: 100, height: 30))
    let names = (0..<70_000).map { "class \($0)" }
    _ = Reducer.reduce(
      &s,
      .datasetLoaded(
        name: "big", total: 1, fields: ["ground_truth", "model_b"], classNames: names, palette: ClassPalette(colors: [:]), ignore: [255], runs: [], problems: []
      ))
    _ = Reducer.reduce(&s, .viewLoaded(view: v(""), title: "", ids: [11], matrix: nil))
    _ = Reducer.reduce(&s, .rowsLoaded([SampleSummary(id: 11, path: "a.png", split: nil, width: 64, height: 48, miou: nil, tags: [])]))
    _ = press(&s, .enter)
    _ = Reducer.reduce(&s, .imagesLoaded(sampleImages(11)))
    let text = AppView.render(s).buffer.textDump()
    #expect(text.contains("model_b here: mIoU"), "\(text)")
  }
}

@Suite("View loads are numbered; stale results are dropped")
struct StaleViewTests {
  @Test("a slower, older view result arriving after a newer one does not replace it")
  func staleViewDropped() {
    var s = loadedState()
    // Two loads started: 1 for 'split=train', then 2 for 'split=val'.
    _ = Reducer.reduce(&s, .viewRequested(1))
    _ = Reducer.reduce(&s, .viewRequested(2))
    // The newer one answers first ...
    _ = Reducer.reduce(&s, .viewLoaded(view: v("split=val"), title: "split=val", ids: [11], matrix: nil, request: 2))
    #expect(s.viewText == "split=val" && s.viewIds == [11])
    // ... then the older one: dropped, and so is its failure.
    let e = Reducer.reduce(&s, .viewLoaded(view: v("split=train"), title: "split=train", ids: [12, 13, 14, 15], matrix: nil, request: 1))
    #expect(e.isEmpty && s.viewText == "split=val" && s.viewIds == [11])
    _ = Reducer.reduce(&s, .viewFailed(text: "split=train", message: "boom", request: 1))
    #expect(s.status?.contains("boom") != true)
  }

  @Test("a view typed with a syntax error is named on the status line and loads nothing; effects carry the parsed view")
  func typedViewParsedInTheReducer() {
    var s = loadedState()
    let bad = Reducer.reduce(&s, .commandInvoked(.viewSet, ["split="]))
    #expect(bad.isEmpty && s.statusIsError && s.status?.hasPrefix("view 'split=': syntax error at position") == true && !s.viewLoading)
    let good = Reducer.reduce(&s, .commandInvoked(.viewSet, ["class:car  split=val"]))
    #expect(
      good == [.loadView(ViewExpression(filters: [.classPixels(className: "car", field: "ground_truth", .gt, 0), .split("val", equal: true)]), run: "model_b")])
    #expect(s.viewLoading)
  }

  @Test("view effects are numbered; other effects are left alone")
  func numbering() {
    #expect(Effect.loadView(v("split=val"), run: nil).numbered(7) == .loadView(v("split=val"), run: nil, request: 7))
    #expect(Effect.loadChanges(from: "a", to: "b", view: v("")).loadsView)
    #expect(!Effect.loadRows([1], run: nil).loadsView && Effect.loadRows([1], run: nil).numbered(3) == .loadRows([1], run: nil))
  }
}

@Suite("Per-frame work is cached by what it depends on")
struct ComposeCacheTests {
  @Test("the sample view composes its pictures once; a frame that changes the opacity composes them again")
  func cached() {
    var s = loadedState(width: 120, height: 40)
    _ = press(&s, .enter)
    _ = Reducer.reduce(&s, .imagesLoaded(sampleImages(11)))
    let first = AppView.render(s).buffer.textDump()
    let kept = s.composeCache.count
    #expect(kept >= 3)
    #expect(AppView.render(s).buffer.textDump() == first)
    #expect(s.composeCache.count == kept, "a frame with nothing changed composed new pictures")
    _ = press(&s, .char("+"))
    _ = AppView.render(s)
    #expect(s.composeCache.count > kept, "a new opacity must compose new pictures")
  }
}

@Suite("Palette: commands by their words, and mistyped ones")
struct PaletteWordsTests {
  @Test("searching a palette word (mistakes) finds its command")
  func findsByVerb() {
    var s = loadedState()
    _ = press(&s, .char(":"))
    type(&s, "mistakes")
    #expect(Palette.matches(s).first?.0.id == .suspectsFind)
  }

  @Test("a mistyped command says so and suggests the nearest word instead of a view syntax error")
  func didYouMean() {
    var s = loadedState()
    _ = press(&s, .char(":"))
    type(&s, "mistaks model_a")
    #expect(press(&s, .enter).isEmpty)
    #expect(s.statusIsError && s.status == "unknown command 'mistaks' — did you mean mistakes?", "\(s.status ?? "")")
    // A view expression is still a view.
    _ = press(&s, .char(":"))
    type(&s, "split=val")
    #expect(press(&s, .enter).contains { if case .loadView = $0 { true } else { false } })
  }
}

@Suite("Status messages belong to their screen")
struct StatusScreenTests {
  @Test("a message written on one screen is gone on the next; a message the move writes stays")
  func messagesDoNotFollow() {
    var s = loadedState()
    _ = press(&s, .char("4"))
    _ = press(&s, .char("c"))  // the active run itself: an error on the runs screen
    #expect(s.status != nil && s.statusIsError)
    _ = press(&s, .char("2"))
    #expect(s.status == nil, "the runs screen's message followed to the class table")
    _ = press(&s, .char("4"), .char("W"))  // W without a compared run: says why, on the runs screen
    let message = s.status
    #expect(message != nil)
  }
}

@Suite("Sample view: Tab and the prediction it shows")
struct PredictionTabTests {
  @Test("the first Tab shows another prediction than the active run's, and the sidebar names the one it follows")
  func firstTabSwitches() {
    var s = loadedState(width: 140, height: 45)
    _ = Reducer.reduce(
      &s,
      .datasetLoaded(
        name: "demo", total: 5, fields: ["ground_truth", "model_a", "model_b"], classNames: DemoClasses.table.map(\.name), palette: s.palette, ignore: [255],
        runs: [EvalRun(key: "model_b", gtField: "ground_truth", predField: "model_b", dialect: .mmseg, createdAt: "t")], problems: []))
    _ = press(&s, .enter)
    #expect(s.shownPrediction == "model_b")
    _ = press(&s, .tab)
    #expect(s.shownPrediction == "model_a", "the first Tab did nothing")
    _ = press(&s, .tab)
    #expect(s.shownPrediction == "model_b")
  }
}

@Suite("Sample view: o says what it did")
struct OutlinesTests {
  @Test("o toggles outlines and says so; with half-blocks it says how they show")
  func outlinesSaySomething() {
    var s = loadedState()
    _ = press(&s, .enter)
    let before = s.outlines
    _ = press(&s, .char("o"))
    #expect(s.outlines != before && s.status?.hasPrefix("outlines \(s.outlines ? "on" : "off")") == true)
    if !s.outlines { _ = press(&s, .char("o")) }
    #expect(s.status?.contains("not drawn on half-block pictures") == true, "\(s.status ?? "")")
  }
}

@Suite("Problems screen: a cursor, the whole line, Enter opens the sample")
struct ProblemsScreenTests {
  @Test("arrows move a cursor; the selected line is shown whole; Enter opens the samples of its file")
  func cursorAndOpen() throws {
    var s = loadedState()
    let long =
      "labels/train/frame_00042.png: ground truth is 1024x512 but the image is 2048x1024 (the mask matches the image before its Exif rotation) [import]"
    _ = Reducer.reduce(
      &s,
      .datasetLoaded(
        name: "demo", total: 5, fields: ["ground_truth", "model_b"], classNames: DemoClasses.table.map(\.name), palette: s.palette, ignore: [255],
        runs: [EvalRun(key: "model_b", gtField: "ground_truth", predField: "model_b", dialect: .mmseg, createdAt: "t")],
        problems: ["command line: --probs soft=/x: no such folder", long]))
    _ = press(&s, .char("5"))
    #expect(press(&s, .enter).isEmpty && s.statusIsError, "the first line names no file")
    _ = press(&s, .down)
    #expect(s.problemsCursor == 1)
    let text = AppView.render(s).buffer.textDump()
    #expect(text.contains("(the mask matches the image before its Exif rotation)"), "the whole line is readable: \(text)")
    let effects = press(&s, .enter)
    #expect(effects == [.loadView(v("path~'frame_00042'"), run: "model_b")])
    #expect(s.screen == .sample)
    #expect((try? ViewExpression.parse("path~'frame_00042'")) != nil)
  }
}

@Suite("Esc goes back")
struct BackTests {
  @Test("Esc returns through the screens visited: classes -> sample -> list; a sample opened from Suspects goes back to Suspects")
  func backThroughHistory() {
    var s = loadedState()
    _ = press(&s, .enter)
    #expect(s.screen == .sample)
    _ = press(&s, .char("2"))
    #expect(s.screen == .classes)
    _ = press(&s, .escape)
    #expect(s.screen == .sample, "back to the sample, not to the list")
    _ = press(&s, .escape)
    #expect(s.screen == .samples)
    _ = press(&s, .char("7"))
    _ = press(&s, .char("3"))
    _ = press(&s, .escape)
    #expect(s.screen == .suspects)
  }
}
