import DemoScenes
import AppCore
import TerminalRender
import SegmentationCore
import Testing

@Suite("Reducer: key flows by command id, without a terminal")
struct ReducerTests {
  @Test func navigationRequestsPreviewAndRows() {
    var s = loadedState()
    let e = press(&s, .down, .down)
    #expect(s.cursor == 2)
    #expect(e.contains(.loadImages(13)))
    _ = press(&s, .end)
    #expect(s.cursor == 4)
    _ = press(&s, .down)
    #expect(s.cursor == 4)
    _ = press(&s, .home)
    #expect(s.cursor == 0)
  }

  @Test("Enter opens the sample; n/p step within the view; Esc goes back")
  func sampleView() {
    var s = loadedState()
    var e = press(&s, .char("j"), .enter)
    #expect(s.screen == .sample && s.cursor == 1)
    #expect(e.contains(.loadImages(12)) && e.contains(.loadImages(11)) && e.contains(.loadImages(13)))
    e = press(&s, .char("n"))
    #expect(s.cursor == 2)
    _ = press(&s, .char("p"), .char("p"), .char("p"))
    #expect(s.cursor == 0 && s.status == "first sample of the view")
    _ = Reducer.reduce(&s, .imagesLoaded(sampleImages(11)))
    _ = press(&s, .char("i"))
    #expect(s.inspector?.x == 32 && s.inspector?.y == 24)
    _ = press(&s, .right, .right)
    #expect(s.inspector?.x == 34 && s.cursor == 0)  // arrows move the inspector, not the sample
    _ = press(&s, .escape)
    #expect(s.inspector == nil && s.screen == .sample)
    _ = press(&s, .escape)
    #expect(s.screen == .samples)
  }

  @Test("commands without a run say why they are disabled")
  func disabledReasons() {
    var s = loadedState(withRun: false)
    let e = press(&s, .char("2"))
    #expect(e.isEmpty && s.screen == .samples)
    #expect(s.status == "Class table: no evaluation run (segscope eval PATH --pred FIELD)" && s.statusIsError)
  }

  @Test("the palette runs a view expression, with history")
  func paletteView() {
    var s = loadedState()
    _ = press(&s, .char(":"))
    #expect(s.paletteState.isOpen)
    type(&s, "split=val class:car")
    let e = press(&s, .enter)
    #expect(!s.paletteState.isOpen)
    #expect(e == [.loadView(v("split=val class:car"), run: "model_b")])
    _ = press(&s, .char(":"), .up)
    #expect(s.paletteState.input == "split=val class:car")
    _ = press(&s, .escape)
    #expect(!s.paletteState.isOpen)
  }

  @Test("fuzzy command search in the palette")
  func paletteCommand() {
    var s = loadedState()
    _ = press(&s, .ctrl("p"))
    type(&s, "confus")
    #expect(Palette.matches(s).first?.0.id == .screenConfusion)
    _ = press(&s, .enter)
    #expect(s.screen == .confusion)
    _ = press(&s, .char(":"))
    type(&s, "tag hard-case")
    #expect(press(&s, .enter) == [.tag([11, 12, 13, 14, 15], "hard-case")])
  }

  @Test("Enter on a class opens its samples worst first; on a confusion cell, the samples of that cell")
  func drillDown() {
    var s = loadedState()
    _ = press(&s, .char("2"), .char("j"))
    #expect(press(&s, .enter) == [.loadView(v("class:sidewalk sort:iou(model_b,sidewalk)"), run: "model_b")])
    #expect(s.screen == .samples)
    _ = press(&s, .char("3"), .down)
    #expect(press(&s, .enter) == [.loadCell(run: "model_b", gt: 1, pred: 0, gtName: "sidewalk", predName: "road")])
    var t = loadedState()
    _ = press(&t, .char("2"), .char("s"), .char("s"))
    #expect(t.classSort == .dice)
  }

  @Test func worstFirstKeepsFilters() {
    var s = loadedState()
    _ = Reducer.reduce(&s, .viewLoaded(view: v("split=val sort:path"), title: "", ids: [11], matrix: nil))
    #expect(press(&s, .char("w")) == [.loadView(v("split=val sort:miou(model_b)"), run: "model_b")])
  }

  @Test func quitAndResize() {
    var s = loadedState()
    _ = Reducer.reduce(&s, .terminalResized(width: 40, height: 12))
    #expect(s.width == 40 && s.height == 12)
    #expect(press(&s, .char("q")) == [.quit] && s.quitRequested)
    var t = loadedState()
    #expect(press(&t, .ctrl("c")) == [.quit])
  }

  @Test("help is generated from the registry and the keymap")
  func help() {
    var s = loadedState()
    _ = press(&s, .char("?"))
    let text = AppView.render(s).buffer.textDump()
    #expect(text.contains("Quit") && text.contains("Ctrl-C"))
    #expect(Keymap.defaults.keys(for: .sampleNext).map(\.description) == ["n"])
    for c in CommandRegistry.all where ![.sampleHideClass, .viewSave, .runCompare, .reviewEnd].contains(c.id) {
      #expect(!Keymap.defaults.keys(for: c.id).isEmpty || c.argument != nil || c.id == .navLeft || c.id == .navRight, "\(c.id) has no key")
    }
  }
}

@Suite("Thumbnail grid")
struct GridTests {
  @Test("m switches to the grid, which asks for each visible thumbnail once and moves by rows")
  func grid() {
    var s = loadedState(width: 80, height: 24)
    let e = press(&s, .char("m"))
    #expect(s.gridMode)
    #expect(e.filter { if case .loadThumbnails = $0 { return true } else { return false } }.count == 5)
    #expect(press(&s, .right).isEmpty)  // already requested
    #expect(s.cursor == 1)
    let cols = GridLayout.columns(s)
    _ = press(&s, .left, .down)
    #expect(s.cursor == min(4, cols))
    let scene = DemoScene.generate(seed: 1, width: 64, height: 48)
    _ = Reducer.reduce(&s, .thumbnailLoaded(Thumbnail(id: 11, image: scene.image, groundTruth: scene.groundTruth)))
    #expect(s.thumbnails[11] != nil && !s.thumbnailsPending.contains(11))
    let text = AppView.render(s).buffer.textDump()
    #expect(text.contains("street_11.jpg") && text.contains("▀"))
    _ = press(&s, .char("m"))
    #expect(!s.gridMode)
  }
}

@Suite("Runs screen")
struct RunsTests {
  /// The demo's class map with two runs, model_a active.
  static func loadTwoRuns(_ s: inout AppState) {
    _ = Reducer.reduce(
      &s,
      .datasetLoaded(
        name: "demo", total: 5, fields: ["ground_truth", "model_a", "model_b"], classNames: DemoClasses.table.map(\.name), palette: s.palette, ignore: [255],
        runs: [
          EvalRun(key: "model_a", gtField: "ground_truth", predField: "model_a", dialect: .mmseg, createdAt: "t1"),
          EvalRun(key: "model_b", gtField: "ground_truth", predField: "model_b", dialect: .mmseg, createdAt: "t2"),
        ], problems: []))
  }

  @Test("pick a second run to compare; its matrix fills the per-class comparison")
  func compare() {
    var s = loadedState()
    Self.loadTwoRuns(&s)
    var m = ConfusionMatrix(classCount: 10)
    for c in 0..<10 { m[c, c] = 100 }
    _ = Reducer.reduce(&s, .viewLoaded(view: v(""), title: "", ids: [11], matrix: m))
    _ = press(&s, .char("4"))
    #expect(s.screen == .runs && s.activeRun == 0)
    #expect(press(&s, .char("c")).isEmpty && s.statusIsError)  // the active run itself
    _ = press(&s, .down)
    #expect(press(&s, .char("c")) == [.loadCompare(base: "model_a", run: "model_b", view: v(""))])
    var worse = m
    worse[1, 0] = 100
    _ = Reducer.reduce(&s, .compareLoaded(PairedRuns(a: "model_a", b: "model_b", matrixA: m, matrixB: worse, samples: 1)))
    let text = AppView.render(s).buffer.textDump()
    #expect(text.contains("sidewalk") && text.contains("-50.0") && text.contains("B - A") && text.contains("on 1 samples both evaluated"))
  }

  @Test("changes under one point keep their minus sign (97.7 -> 96.9 reads -0.8), and a comparison with another base is not shown")
  func smallChangesKeepTheirSign() {
    var s = loadedState()
    Self.loadTwoRuns(&s)
    // Class 1: IoU 977/1000 in A, 969/1000 in B.
    var a = ConfusionMatrix(classCount: 10), b = ConfusionMatrix(classCount: 10)
    a[1, 1] = 977
    a[1, 2] = 23
    b[1, 1] = 969
    b[1, 2] = 31
    _ = Reducer.reduce(&s, .viewLoaded(view: v(""), title: "", ids: [11], matrix: a))
    _ = press(&s, .char("4"), .down)
    _ = press(&s, .char("c"))
    _ = Reducer.reduce(&s, .compareLoaded(PairedRuns(a: "model_b", b: "model_a", matrixA: b, matrixB: a, samples: 1)))
    #expect(s.comparison == nil, "a comparison made against another active run")
    _ = Reducer.reduce(&s, .compareLoaded(PairedRuns(a: "model_a", b: "model_b", matrixA: a, matrixB: b, samples: 1)))
    let line = AppView.render(s).buffer.textDump().split(separator: "\n").first { $0.contains(DemoClasses.table[1].name) && $0.contains("97.7") }
    #expect(line?.contains("96.9") == true && line?.contains("-0.8") == true, "\(line ?? "no line")")
    #expect(AppView.pct(-0.008) == "-0.8" && AppView.pct(0.008) == "0.8" && AppView.pct(-0.0004) == "0.0" && AppView.pct(-0.123) == "-12.3")
  }
}

@Suite("Background jobs")
struct JobTests {
  @Test("eval FIELD starts one job, the status bar shows it, x cancels it")
  func evaluateAndCancel() {
    var s = loadedState()
    _ = press(&s, .char(":"))
    type(&s, "eval model_b")
    #expect(press(&s, .enter) == [.evaluate(field: "model_b", job: .evaluate(field: "model_b"))])
    #expect(s.jobs[.evaluate(field: "model_b")] != nil)
    _ = press(&s, .char(":"))
    type(&s, "eval model_b")
    #expect(press(&s, .enter).isEmpty)  // already running
    _ = Reducer.reduce(&s, .jobProgress(id: .evaluate(field: "model_b"), Job(title: "eval model_b", done: 3, total: 5)))
    #expect(AppView.render(s).buffer.textDump().contains("eval model_b 3/5"))
    #expect(press(&s, .char("x")) == [.cancelJobs([.evaluate(field: "model_b")])])
    _ = Reducer.reduce(&s, .jobProgress(id: .evaluate(field: "model_b"), nil))
    #expect(s.jobs.isEmpty)
    _ = press(&s, .char(":"))
    type(&s, "eval nope")
    #expect(press(&s, .enter).isEmpty && s.statusIsError)
  }
}

@Suite("Zoom and pan")
struct ZoomTests {
  @Test("z zooms into the centre, arrows pan inside the image, n resets")
  func zoom() {
    var s = loadedState(width: 120, height: 40)
    _ = press(&s, .enter)
    _ = Reducer.reduce(&s, .imagesLoaded(sampleImages(11)))
    _ = press(&s, .char("z"), .char("z"))
    #expect(s.zoom == 4 && s.zoomCenter.x == 32 && s.zoomCenter.y == 24)
    _ = press(&s, .left, .left, .left, .left, .left, .left, .left, .left)
    #expect(s.zoomCenter.x == 8 && s.cursor == 0)  // clamped at the left edge: window 16 wide
    let text = AppView.render(s).buffer.textDump()
    #expect(text.contains("zoom x4 at 0,"))
    _ = press(&s, .char("Z"))
    #expect(s.zoom == 2)
    _ = press(&s, .char("n"))
    #expect(s.zoom == 1 && s.cursor == 1)
    #expect(LabelMask(width: 3, height: 2, values: [1, 2, 3, 4, 5, 6]).cropped(x: 1, y: 0, width: 2, height: 2).values16 == [2, 3, 5, 6])
  }
}

@Suite("Palette completion")
struct CompletionTests {
  @Test func tabCompletes() {
    var s = loadedState()
    _ = press(&s, .char(":"))
    type(&s, "split=val class:tra")
    #expect(Palette.completions(s).first == "class:'traffic sign'")
    _ = press(&s, .tab)
    #expect(s.paletteState.input == "split=val class:'traffic sign'")
    _ = press(&s, .ctrl("u"))
    type(&s, "sort:mi")
    _ = press(&s, .tab)
    #expect(s.paletteState.input == "sort:miou(model_b)")
  }
}

@Suite("Runs: samples that got worse")
struct WorseTests {
  @Test func worse() {
    var s = loadedState()
    #expect(press(&s, .char("4"), .char("W")).isEmpty && s.statusIsError)
    _ = Reducer.reduce(
      &s,
      .datasetLoaded(
        name: "d", total: 5, fields: ["ground_truth", "model_a", "model_b"], classNames: ["a", "b"], palette: s.palette, ignore: [255],
        runs: [
          EvalRun(key: "model_a", gtField: "ground_truth", predField: "model_a", dialect: .mmseg, createdAt: "1"),
          EvalRun(key: "model_b", gtField: "ground_truth", predField: "model_b", dialect: .mmseg, createdAt: "2"),
        ], problems: []))
    _ = press(&s, .down, .char("c"))
    #expect(press(&s, .char("W")) == [.loadChanges(from: "model_a", to: "model_b", view: v(""))])
    #expect(s.screen == .samples)
  }
}

@Suite("Palette selection")
struct PaletteSelectionTests {
  @Test("the highlighted command is the one Enter runs, even after moving past the end")
  func selection() {
    var s = loadedState()
    _ = press(&s, .char(":"))
    type(&s, "confusion")
    let n = Palette.matches(s).count
    for _ in 0..<(n + 5) { _ = press(&s, .down) }
    #expect(s.paletteState.selection == n - 1)
    for _ in 0..<(n + 5) { _ = press(&s, .up) }
    #expect(s.paletteState.selection == 0)
    _ = press(&s, .enter)
    #expect(!s.paletteState.isOpen && s.screen == .confusion)
  }
}
