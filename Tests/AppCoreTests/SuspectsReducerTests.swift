import AppCore
import SegmentationCore
import TerminalRender
import Testing

/// A label-error run as the runtime answers `.loadSuspects`: sample 12 with two regions (a swap
/// person → car and a boundary strip), sample 14 with one missed car.
func suspectsLoaded(_ s: inout AppState) {
  let swap = SuspectRegion(x: 10, y: 20, width: 12, height: 8, pixels: 70, given: 5, predicted: 6, kind: .swap, score: 0.9)
  let strip = SuspectRegion(x: 40, y: 5, width: 3, height: 20, pixels: 40, given: 0, predicted: 1, kind: .boundary, score: 0.3)
  let missed = SuspectRegion(x: 30, y: 30, width: 6, height: 6, pixels: 30, given: 9, predicted: 6, kind: .missed, score: 0.6)
  let entries = [
    SuspectEntry(sampleId: 12, path: "data/street_12.jpg", sampleScore: 0.93, gtRevision: 0, region: swap),
    SuspectEntry(sampleId: 12, path: "data/street_12.jpg", sampleScore: 0.93, gtRevision: 0, region: strip),
    SuspectEntry(sampleId: 14, path: "data/street_14.jpg", sampleScore: 0.6, gtRevision: 0, region: missed),
  ]
  let runs = [
    SuspectRun(
      key: "model_a+model_b", gtField: "ground_truth", predFields: ["model_a", "model_b"], evidence: .predictions, created: "2026-11-29 10:00:00",
      version: "test")
  ]
  _ = Reducer.reduce(&s, .suspects(.suspectsLoaded(runs: runs, run: "model_a+model_b", entries: entries, checked: 5)))
}

@Suite("Suspects screen: open a region, flag, relabel, dismiss")
struct SuspectsReducerTests {
  /// The Suspects screen with the run loaded.
  func onSuspects() -> AppState {
    var s = loadedState()
    let e = press(&s, .char("7"))
    #expect(s.screen == .suspects && s.suspects.loading)
    #expect(e == [.suspects(.loadSuspects(run: nil))])
    suspectsLoaded(&s)
    #expect(!s.suspects.loading && s.suspects.entries.count == 3)
    return s
  }

  /// Opened from the Suspects screen at its first region, with the view and pictures as the runtime answers.
  func openedFirst() -> AppState {
    var s = onSuspects()
    let e = press(&s, .enter)
    let view = "suspect('model_a+model_b')>0 sort:-suspect('model_a+model_b')"
    #expect(e == [.loadView(v(view), run: "model_b")])
    #expect(s.screen == .sample)
    _ = Reducer.reduce(&s, .viewLoaded(view: v(view), title: view, ids: [12, 14], matrix: nil))
    _ = Reducer.reduce(&s, .imagesLoaded(sampleImages(12)))
    return s
  }

  @Test("the screen lists regions most suspicious sample first, names the evidence and the classes")
  func listing() {
    var s = onSuspects()
    let text = AppView.render(s).buffer.textDump()
    #expect(text.contains("model_a+model_b: 2 of 5 samples, 3 regions"))
    #expect(text.contains("several predictions voting against the label"))
    #expect(text.contains("street_12.jpg") && text.contains("person → car") && text.contains("terrain → car"))
    // The boundary strip is the same sample's second region: indented, no second name.
    #expect(text.components(separatedBy: "street_12.jpg").count == 2)
    #expect(text.contains("└"))
    #expect(text.contains("labelled person, the evidence says car · box 10,20 12x8"))
    _ = press(&s, .down, .down)
    #expect(AppView.render(s).buffer.textDump().contains("a car the ground truth lacks (labelled terrain)"))
  }

  @Test("Enter opens the sample with the region outlined and the alternative class named; ] steps its regions, n the samples")
  func openOutlined() {
    var s = openedFirst()
    #expect(s.currentSampleId == 12)
    #expect(s.outlinedSuspect?.region.kind == .swap)
    let text = AppView.render(s).buffer.textDump()
    #expect(text.contains("suspect 1/2 swap 90%: person → car │ L → car  F flag  d label ok  ] next"))
    s.width = 140
    #expect(
      AppView.render(s).buffer.textDump().contains(
        "suspect 1/2 swap 90%: labelled person, the evidence says car │ L relabel as car · F flag · d label is right  ] next"))
    s.width = 80
    _ = press(&s, .char("]"))
    #expect(s.outlinedSuspect?.region.kind == .boundary)
    _ = press(&s, .char("]"))
    #expect(s.outlinedSuspect?.region.kind == .swap)
    _ = press(&s, .char("n"))
    #expect(s.currentSampleId == 14 && s.outlinedSuspect?.region.kind == .missed)
    // Another view ends the outlining.
    _ = Reducer.reduce(&s, .viewLoaded(view: v("split=val"), title: "", ids: [11, 12], matrix: nil))
    #expect(s.outlinedSuspect == nil)
  }

  @Test("a one-class error map (e) chosen on an earlier sample is off when a suspect's sample opens")
  func errorMapResets() {
    var s = loadedState()
    _ = press(&s, .enter)
    _ = Reducer.reduce(&s, .imagesLoaded(sampleImages(11)))
    _ = press(&s, .char("e"))
    #expect(s.errorClass != nil)
    _ = press(&s, .escape, .char("7"))
    suspectsLoaded(&s)
    _ = press(&s, .enter)
    #expect(s.screen == .sample && s.errorClass == nil)
  }

  @Test("L relabels the region as the suggested class, based on the revision shown; the revision re-checks the sample")
  func relabel() {
    var s = onSuspects()
    var e = press(&s, .char("L"))
    let region = s.suspects.entries[0].region
    #expect(e == [.suspects(.relabelSuspect(run: "model_a+model_b", sample: 12, region: region, baseRevision: 0))])
    #expect(s.status?.contains("relabelling the suspect swap as car") == true)
    // The mask got a new revision: new pictures, and the run checks the sample again.
    e = Reducer.reduce(&s, .triage(.maskRevised(sample: 12, message: "saved GT revision 1: +70 car -70 person (u undoes)")))
    #expect(e.contains(.loadImages(12)) && e.contains(.suspects(.recheckSuspects(run: "model_a+model_b", sample: 12))))
    // u on the screen undoes the row's sample.
    #expect(press(&s, .char("u")) == [.triage(.undoRevision(sample: 12))])
    // In the sample view: L without the inspector relabels the outlined region, based on the shown revision.
    var v = openedFirst()
    var images = sampleImages(12)
    images.revision = RevisionInfo(revision: 2, history: ["r2", "r1"], flags: [])
    _ = Reducer.reduce(&v, .imagesLoaded(images))
    #expect(press(&v, .char("L")) == [.suspects(.relabelSuspect(run: "model_a+model_b", sample: 12, region: region, baseRevision: 2))])
    // With the inspector on, L is the inspector's relabel again (it asks for a class).
    _ = press(&v, .char("i"))
    #expect(press(&v, .char("L")).isEmpty && v.paletteState.isOpen && v.paletteState.input == "relabel ")
  }

  @Test("F opens the palette with the suggested class and a note; Enter flags the region's box")
  func flag() {
    var s = onSuspects()
    _ = press(&s, .char("F"))
    #expect(s.paletteState.isOpen)
    #expect(s.paletteState.input == "flag car suspect swap (score 90%): labelled person, the evidence says car")
    let e = press(&s, .enter)
    #expect(
      e == [
        .triage(
          .addFlag(
            sample: 12, region: .rect(x: 10, y: 20, width: 12, height: 8), className: "car",
            note: "suspect swap (score 90%): labelled person, the evidence says car"))
      ])
    // A class name with a space is given by its value.
    var t = onSuspects()
    t.classNames[6] = "small car"
    _ = press(&t, .char("F"))
    #expect(t.paletteState.input.hasPrefix("flag 6 suspect swap"))
    #expect(
      press(&t, .enter).first
        == .triage(
          .addFlag(
            sample: 12, region: .rect(x: 10, y: 20, width: 12, height: 8), className: "small car",
            note: "suspect swap (score 90%): labelled person, the evidence says small car")))
  }

  @Test("u right after d takes the dismissal back, though the cursor moved on; a second u is the ordinary undo")
  func undoDismiss() {
    var s = onSuspects()
    let region = s.suspects.entries[0].region
    _ = press(&s, .char("d"))
    #expect(s.status?.contains("u undoes") == true)
    _ = press(&s, .down)
    #expect(press(&s, .char("u")) == [.suspects(.restoreSuspect(run: "model_a+model_b", sample: 12, region: region))])
    #expect(s.status?.contains("restoring the suspect swap") == true)
    #expect(s.suspects.lastChange == nil)
    // Nothing left to take back on this screen: u is the triage undo of the row's sample.
    #expect(press(&s, .char("u")) != [.suspects(.restoreSuspect(run: "model_a+model_b", sample: 12, region: region))])
    // In the sample view, d then u restores the region of the sample shown.
    var v = openedFirst()
    let shown = try! #require(v.outlinedSuspect).region
    _ = press(&v, .char("d"))
    #expect(press(&v, .char("u")) == [.suspects(.restoreSuspect(run: "model_a+model_b", sample: 12, region: shown))])
  }

  @Test("u right after L on the list undoes that relabel, though the cursor moved to the next row")
  func undoListRelabel() {
    var s = onSuspects()
    _ = press(&s, .char("L"))
    // The relabelled region leaves the list and the cursor sits on another sample's row.
    _ = press(&s, .down, .down)
    #expect(s.suspects.current?.sampleId == 14)
    #expect(press(&s, .char("u")) == [.triage(.undoRevision(sample: 12))])
    #expect(s.suspects.lastChange == nil)
    // Afterwards u is the ordinary undo of the row's own sample.
    #expect(press(&s, .char("u")) == [.triage(.undoRevision(sample: 14))])
  }

  @Test("d dismisses: the region leaves the list at once and is stored; in the sample view the next region is outlined")
  func dismiss() {
    var s = onSuspects()
    let region = s.suspects.entries[0].region
    #expect(press(&s, .char("d")) == [.suspects(.dismissSuspect(run: "model_a+model_b", sample: 12, region: region))])
    #expect(s.suspects.entries.count == 2 && s.suspects.current?.region.kind == .boundary)
    var v = openedFirst()
    _ = press(&v, .char("d"))
    #expect(v.outlinedSuspect?.region.kind == .boundary && v.currentSampleId == 12)
    // The reloaded run keeps the cursor on its region.
    var w = onSuspects()
    _ = press(&w, .down, .down)
    suspectsLoaded(&w)
    #expect(w.suspects.current?.region.kind == .missed)
  }

  @Test(": mistakes FIELD... starts the background job; unknown fields are refused; s cycles runs")
  func findAndRuns() {
    var s = loadedState()
    _ = press(&s, .char(":"))
    type(&s, "mistakes model_b")
    #expect(press(&s, .enter) == [.suspects(.findMistakes(fields: ["model_b"], job: .mistakes(fields: ["model_b"])))])
    #expect(s.jobs[.mistakes(fields: ["model_b"])] != nil)
    // The same job again does not start twice.
    #expect(Reducer.reduce(&s, .commandInvoked(.suspectsFind, ["model_b"])).isEmpty)
    #expect(Reducer.reduce(&s, .commandInvoked(.suspectsFind, ["nope"])).isEmpty && s.statusIsError)
    #expect(s.status?.contains("no prediction field 'nope'") == true)
    // Without fields: the palette, prefilled with every prediction field.
    _ = Reducer.reduce(&s, .commandInvoked(.suspectsFind, []))
    #expect(s.paletteState.input == "mistakes model_b")
    var t = onSuspects()
    _ = Reducer.reduce(
      &t,
      .suspects(
        .suspectsLoaded(
          runs: t.suspects.runs + [
            SuspectRun(key: "model_b", gtField: "ground_truth", predFields: ["model_b"], evidence: .confidence, created: "2026-11-29 09:00:00", version: "test")
          ],
          run: "model_a+model_b", entries: t.suspects.entries, checked: 5)))
    #expect(press(&t, .char("s")) == [.suspects(.loadSuspects(run: "model_b"))])
  }

  @Test("without a run the screen says how to make one; d, L and F are refused with a reason")
  func empty() {
    var s = loadedState()
    _ = press(&s, .char("7"))
    _ = Reducer.reduce(&s, .suspects(.suspectsLoaded(runs: [], run: nil, entries: [], checked: 0)))
    #expect(AppView.render(s).buffer.textDump().contains("no label-error run yet: : mistakes FIELD..."))
    #expect(press(&s, .char("d")).isEmpty && s.status?.contains("no suspect under the cursor") == true)
    #expect(press(&s, .char("L")).isEmpty && s.statusIsError)
    #expect(press(&s, .char("F")).isEmpty && !s.paletteState.isOpen)
  }

  @Test(": review NAME on the Suspects screen makes the suspects the queue, with their regions outlined")
  func reviewSuspects() {
    var s = onSuspects()
    let e = Reducer.reduce(&s, .commandInvoked(.reviewStart, ["fixes"]))
    let view = "suspect('model_a+model_b')>0 sort:-suspect('model_a+model_b')"
    #expect(e == [.triage(.openReview(queue: "fixes", expression: nil, newQueueView: v(view), run: "model_b"))])
    _ = Reducer.reduce(&s, .triage(.reviewLoaded(queue: "fixes", expression: v(view), ids: [12, 14], verdicts: [:], position: nil, matrix: nil)))
    #expect(s.screen == .sample && s.currentSampleId == 12 && s.outlinedSuspect?.region.kind == .swap)
  }

  @Test("the outlined box is drawn into the pictures")
  func outlineDrawn() {
    var s = openedFirst()
    s.graphics = .halfblock
    s.colors = .truecolor
    let withBox = AppView.render(s).buffer.styleDump()
    s.suspects.focusView = nil
    let without = AppView.render(s).buffer.styleDump()
    #expect(withBox != without)
  }

  @Test("snapshots: the screen at 80x24, 40x12 and 140x45; a sample with its outlined region at 80x24")
  func snapshots() {
    var s = onSuspects()
    checkScreen(s, "suspects-80x24")
    _ = Reducer.reduce(&s, .terminalResized(width: 40, height: 12))
    checkScreen(s, "suspects-40x12")
    _ = Reducer.reduce(&s, .terminalResized(width: 140, height: 45))
    checkScreen(s, "suspects-140x45")
    var v = openedFirst()
    v.graphics = .halfblock
    checkScreen(v, "suspect-sample-80x24")
  }
}
