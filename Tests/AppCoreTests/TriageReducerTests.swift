import AppCore
import SegmentationCore
import Testing

/// The triage flows through the reducer: review queues, flags, corrections, export.
@Suite("Triage: review queue, flags, relabel and undo, export")
struct TriageReducerTests {
  /// A state with review queue `q` open over samples 11...15, as the runtime answers `.openReview`.
  func reviewing(verdicts: [Int64: Verdict] = [:], position: Int64? = nil) -> AppState {
    var s = loadedState()
    _ = press(&s, .char(":"))
    type(&s, "review q")
    let e = press(&s, .enter)
    #expect(e == [.triage(.openReview(queue: "q", expression: nil, newQueueView: v("sort:miou(model_b)"), run: "model_b"))])
    let effects = Reducer.reduce(
      &s,
      .triage(.reviewLoaded(queue: "q", expression: v("sort:miou(model_b)"), ids: [11, 12, 13, 14, 15], verdicts: verdicts, position: position, matrix: nil)))
    #expect(effects.contains(.loadImages(s.currentSampleId ?? -1)))
    return s
  }

  @Test("a new queue takes the current view worst first; an explicit expression is kept as typed")
  func startQueue() {
    var s = loadedState()
    _ = Reducer.reduce(&s, .viewLoaded(view: v("split=val"), title: "split=val", ids: [11], matrix: nil))
    #expect(
      Reducer.reduce(&s, .commandInvoked(.reviewStart, ["mine"])) == [
        .triage(.openReview(queue: "mine", expression: nil, newQueueView: v("split=val sort:miou(model_b)"), run: "model_b"))
      ])
    _ = Reducer.reduce(&s, .viewLoaded(view: v("sort:-pixels(car)"), title: "", ids: [11], matrix: nil))
    #expect(
      Reducer.reduce(&s, .commandInvoked(.reviewStart, ["mine", "class:car"])) == [
        .triage(.openReview(queue: "mine", expression: v("class:car"), newQueueView: v("sort:-pixels(car)"), run: "model_b"))
      ])
  }

  @Test("a ok, r needs-fix, s skip: saved, then the next sample; progress in the status bar")
  func verdictsAdvance() {
    var s = reviewing()
    #expect(s.screen == .sample && s.cursor == 0 && s.viewTitle.hasPrefix("review q"))
    var e = press(&s, .char("a"))
    #expect(e.first == .triage(.setVerdict(queue: "q", sample: 11, verdict: .ok)))
    #expect(s.cursor == 1 && s.review?.pending[11] == .ok)
    #expect(e.contains(.loadImages(12)))
    // Not confirmed yet: the progress does not count it.
    #expect(s.review?.progress(s.viewIds) == "0/5 reviewed (ok 0, needs-fix 0, skip 0, 1 saving)")
    _ = Reducer.reduce(&s, .triage(.verdictSaved(queue: "q", sample: 11, verdict: .ok)))
    #expect(s.review?.pending.isEmpty == true)
    e = press(&s, .char("r"))
    #expect(e.first == .triage(.setVerdict(queue: "q", sample: 12, verdict: .needsFix)))
    _ = Reducer.reduce(&s, .triage(.verdictSaved(queue: "q", sample: 12, verdict: .needsFix)))
    _ = press(&s, .char("s"))
    _ = Reducer.reduce(&s, .triage(.verdictFailed(queue: "q", sample: 13, message: "database is locked")))
    #expect(s.statusIsError && s.review?.verdicts[13] == nil && s.review?.pending[13] == nil)
    #expect(s.cursor == 3)
    let bar = AppView.render(s).buffer.textDump().split(separator: "\n").last.map(String.init) ?? ""
    #expect(bar.contains("verdict not saved: database is locked"))
    s.status = nil
    let bar2 = AppView.render(s).buffer.textDump().split(separator: "\n").last.map(String.init) ?? ""
    #expect(bar2.contains("review q: 2/5 reviewed (ok 1, needs-fix 1, skip 0)"))
    // n/p step and remember the place.
    e = press(&s, .char("p"))
    #expect(s.cursor == 2 && e.contains(.triage(.setReviewPosition(queue: "q", sample: 13))))
  }

  @Test("the last sample keeps the cursor; the status says the queue is done")
  func endOfQueue() {
    var s = reviewing(verdicts: [11: .ok, 12: .ok, 13: .ok, 14: .skip], position: 14)
    #expect(s.cursor == 4)
    _ = press(&s, .char("a"))
    #expect(s.cursor == 4)
    _ = Reducer.reduce(&s, .triage(.verdictSaved(queue: "q", sample: 15, verdict: .ok)))
    #expect(s.status?.contains("every sample has a verdict") == true)
  }

  @Test("resume: at the saved position when it has no verdict, else the next one without, wrapping")
  func resume() {
    #expect(reviewing(position: 13).cursor == 2)
    #expect(reviewing(verdicts: [13: .ok, 14: .ok], position: 13).cursor == 4)
    #expect(reviewing(verdicts: [13: .ok, 14: .ok, 15: .ok], position: 13).cursor == 0)
    #expect(reviewing(verdicts: [11: .ok, 12: .ok, 13: .ok, 14: .ok, 15: .ok], position: 12).cursor == 1)
  }

  @Test("verdict keys without a queue say how to start one")
  func noQueue() {
    var s = loadedState()
    _ = press(&s, .enter)
    #expect(press(&s, .char("a")).isEmpty)
    #expect(s.statusIsError && s.status?.contains("review NAME") == true)
  }

  @Test("a view typed during a review ends it; the verdicts stay in the database")
  func otherViewEndsReview() {
    var s = reviewing()
    _ = Reducer.reduce(&s, .viewLoaded(view: v("split=val"), title: "split=val", ids: [11], matrix: nil))
    #expect(s.review == nil)
  }

  @Test("F flags the component under the inspector, b then F a rectangle, else the whole mask")
  func flagRegions() {
    var s = loadedState()
    _ = press(&s, .enter)
    _ = Reducer.reduce(&s, .imagesLoaded(sampleImages(11)))
    // No inspector: the whole mask.
    _ = press(&s, .char("F"))
    #expect(s.paletteState.isOpen && s.paletteState.input == "flag ")
    type(&s, "car parked, not road")
    #expect(press(&s, .enter) == [.triage(.addFlag(sample: 11, region: .mask, className: "car", note: "parked, not road"))])
    // The inspector: its component.
    _ = press(&s, .char("i"))
    #expect(
      Reducer.reduce(&s, .commandInvoked(.flagAdd, ["-", "looks", "off"])) == [
        .triage(.addFlag(sample: 11, region: .component(x: 32, y: 24), className: nil, note: "looks off"))
      ])
    // b marks a corner; moving the inspector spans a rectangle.
    _ = press(&s, .char("b"), .right, .down)
    #expect(s.markedRegion == .rect(x: 32, y: 24, width: 2, height: 2))
    #expect(
      Reducer.reduce(&s, .commandInvoked(.flagAdd, ["ROAD"])) == [
        .triage(.addFlag(sample: 11, region: .rect(x: 32, y: 24, width: 2, height: 2), className: "road", note: ""))
      ])
    #expect(s.rectAnchor == nil)
    // An unknown class is refused before anything is written.
    #expect(Reducer.reduce(&s, .commandInvoked(.flagAdd, ["zebra"])).isEmpty && s.statusIsError)
    // The confirmation re-reads the sample's flag lines only; the pictures stay as they are.
    let picture = s.images[11]?.image
    #expect(Reducer.reduce(&s, .triage(.flagSaved(id: 7, sample: 11, text: "whole mask → car"))) == [.triage(.loadRevisionInfo(11))])
    #expect(s.status == "flag #7 saved: whole mask → car")
    let info = RevisionInfo(revision: 0, history: [], flags: ["#7 whole mask → car"])
    #expect(Reducer.reduce(&s, .triage(.revisionInfoLoaded(sample: 11, info))).isEmpty)
    #expect(s.images[11]?.revision == info && s.images[11]?.image == picture)
  }

  @Test("L relabels the marked region as a new revision based on the one shown; u undoes")
  func relabelAndUndo() {
    var s = loadedState()
    _ = press(&s, .enter)
    #expect(Reducer.reduce(&s, .commandInvoked(.maskRelabel, ["car"])).isEmpty && s.status?.contains("inspector") == true)
    let img = sampleImages(11)
    _ = Reducer.reduce(
      &s,
      .imagesLoaded(
        SampleImages(
          id: 11, image: img.image, groundTruth: img.groundTruth, predictions: img.predictions, problems: [],
          revision: RevisionInfo(revision: 2, history: ["r2 by ana: +10 car -10 road", "r1 by bo: +3 sky -3 road"], flags: ["#3 whole mask → car"]))))
    _ = press(&s, .char("i"), .char("L"))
    #expect(s.paletteState.input == "relabel ")
    type(&s, "car")
    #expect(press(&s, .enter) == [.triage(.relabel(sample: 11, region: .component(x: 32, y: 24), className: "car", baseRevision: 2))])
    let text = AppView.render(s).buffer.textDump()
    #expect(text.contains("GT r2"))
    s.status = nil
    _ = press(&s, .escape)
    #expect(press(&s, .char("u")) == [.triage(.undoRevision(sample: 11))])
    // A revised mask drops the thumbnail and reloads the pictures (the old ones stay until then).
    s.thumbnails[11] = Thumbnail(id: 11, image: img.image, groundTruth: nil)
    #expect(Reducer.reduce(&s, .triage(.maskRevised(sample: 11, message: "undid GT revision 2"))) == [.loadImages(11)])
    #expect(s.thumbnails[11] == nil && s.images[11] != nil)
  }

  @Test("u on an imported mask says there is nothing to undo")
  func undoNothing() {
    var s = loadedState()
    _ = press(&s, .enter)
    _ = Reducer.reduce(
      &s,
      .imagesLoaded(
        SampleImages(
          id: 11, image: sampleImages(11).image, groundTruth: nil, predictions: [:], problems: [], revision: RevisionInfo(revision: 0, history: [], flags: [])))
    )
    #expect(press(&s, .char("u")).isEmpty && s.status?.contains("nothing to undo") == true)
  }

  @Test("6 lists flags; s cycles the state; d, X, o change the one under the cursor; Enter opens its sample")
  func flagsScreen() {
    var s = loadedState()
    #expect(press(&s, .char("6")) == [.triage(.loadFlags(FlagFilter(state: .open)))])
    #expect(s.screen == .flags)
    let flags = [
      FlagSummary(
        id: 1, sampleId: 12, path: "data/street_12.jpg", field: "ground_truth", region: "whole mask", suggestedClass: "car", note: "n", state: .open,
        author: "ana", createdAt: "2026-11-26 10:00:00"),
      FlagSummary(
        id: 2, sampleId: 14, path: "data/street_14.jpg", field: "ground_truth", region: "component at 3,4", suggestedClass: nil, note: "", state: .open,
        author: "bo", createdAt: "2026-11-26 10:01:00"),
    ]
    _ = Reducer.reduce(&s, .triage(.flagsLoaded(flags)))
    _ = press(&s, .down)
    #expect(s.flagsCursor == 1)
    #expect(press(&s, .char("d")) == [.triage(.setFlagState(id: 2, state: .fixed, reload: FlagFilter(state: .open)))])
    #expect(press(&s, .char("X")) == [.triage(.setFlagState(id: 2, state: .rejected, reload: FlagFilter(state: .open)))])
    #expect(press(&s, .char("s")) == [.triage(.loadFlags(FlagFilter(state: .fixed)))])
    _ = press(&s, .char("s"), .char("s"))
    #expect(s.flagsFilter.state == nil)
    _ = Reducer.reduce(&s, .triage(.flagsLoaded(flags)))
    _ = press(&s, .down)
    #expect(press(&s, .enter) == [.loadView(v("flagged:any"), run: "model_b")])
    #expect(s.screen == .sample)
    let e = Reducer.reduce(&s, .viewLoaded(view: v("flagged:any"), title: "flagged:any", ids: [12, 14], matrix: nil))
    #expect(s.currentSampleId == 14 && e.contains(.loadImages(14)))
    // Esc: back to the Flags screen, and the view before the flag (all samples) comes back.
    #expect(press(&s, .escape) == [.loadView(v(""), run: "model_b")])
    #expect(s.screen == .flags && s.viewBeforeFlag == nil)
  }

  @Test("flags FILTER in the palette filters by author and class; a bad filter names the word")
  func flagsFilter() {
    var s = loadedState()
    _ = press(&s, .char(":"))
    type(&s, "flags author=ana class=car")
    #expect(press(&s, .enter) == [.triage(.loadFlags(FlagFilter(state: .open, author: "ana", className: "car")))])
    #expect(s.screen == .flags)
    #expect(Reducer.reduce(&s, .commandInvoked(.flagsFilter, ["colour=red"])).isEmpty && s.status == "flags: unknown filter 'colour' (state, author, class)")
  }

  @Test("export FORMAT PATH writes the current view")
  func export() {
    var s = loadedState()
    _ = Reducer.reduce(&s, .viewLoaded(view: v("split=val"), title: "split=val", ids: [11], matrix: nil))
    _ = press(&s, .char(":"))
    type(&s, "export sheet /tmp/val.png")
    #expect(press(&s, .enter) == [.triage(.exportView(format: .file(.sheet), out: "/tmp/val.png", view: v("split=val"), run: "model_b"))])
    #expect(Reducer.reduce(&s, .commandInvoked(.viewExport, ["pdf", "x"])).isEmpty && s.statusIsError)
    #expect(Reducer.reduce(&s, .commandInvoked(.viewExport, ["csv"])).isEmpty && s.paletteState.input == "export csv ")
  }
}

@Suite("Confidence maps in the sample view")
struct ConfidencePanelTests {
  @Test("a prediction with a confidence map gets a fourth panel, and the inspector reads it")
  func panel() {
    var s = loadedState(width: 140, height: 30)
    _ = press(&s, .enter)
    var img = sampleImages(11)
    var conf = LabelMask(width: 64, height: 48, fill: 230)
    conf[x: 32, y: 24] = 51
    img.confidence = ["model_b": conf]
    _ = Reducer.reduce(&s, .imagesLoaded(img))
    _ = press(&s, .char("i"))
    let text = AppView.render(s).buffer.textDump()
    #expect(text.contains("confidence of model_b"))
    #expect(text.contains("(confidence 20%)"))
    // Without a map, no such panel.
    var t = loadedState(width: 140, height: 30)
    _ = press(&t, .enter)
    _ = Reducer.reduce(&t, .imagesLoaded(sampleImages(11)))
    #expect(!AppView.render(t).buffer.textDump().contains("confidence of"))
  }
}

@Suite("Instance and panoptic runs on the runs screen")
struct OtherRunsTests {
  @Test("listed read-only with their headline numbers, below the semantic runs")
  func listed() {
    var s = loadedState()
    _ = Reducer.reduce(
      &s,
      .otherRunsLoaded([
        OtherRunSummary(
          key: "maskrcnn", kind: "mask AP", predField: "maskrcnn", gtField: "ground_truth", headline: "AP 41.2  AP50 63.0  AP75 44.1  AR100 55.0",
          createdAt: "2026-11-26 12:00:00"),
        OtherRunSummary(
          key: "pan", kind: "panoptic", predField: "pred.json", gtField: "gt.json", headline: "PQ 19.7  SQ 68.7  RQ 29.7", createdAt: "2026-11-26 12:01:00"),
      ]))
    _ = press(&s, .char("4"))
    let lines = AppView.render(s).buffer.textDump().split(separator: "\n").map(String.init)
    let header = lines.firstIndex { $0.contains("instance and panoptic runs") }
    let model = lines.firstIndex { $0.contains("model_b") && $0.contains("mmseg") }
    #expect(header != nil && model != nil && header! > model!)
    #expect(lines.contains { $0.contains("maskrcnn") && $0.contains("mask AP") && $0.contains("AP 41.2") })
    #expect(lines.contains { $0.contains("pan") && $0.contains("PQ 19.7") })
    // The active run stays the semantic one.
    #expect(s.activeRunSummary?.key == "model_b")
  }
}

@Suite("Instance datasets in the sample list")
struct InstanceListTests {
  @Test("without a semantic run, the list shows the instance run's TP/FP/FN and w sorts by missed objects")
  func counts() {
    var s = loadedState(withRun: false)
    _ = Reducer.reduce(
      &s, .otherRunsLoaded([OtherRunSummary(key: "mrcnn", kind: "mask AP", predField: "mrcnn", gtField: "ground_truth", headline: "AP 40.0", createdAt: "")]))
    var row = SampleSummary(id: 11, path: "data/street_11.jpg", split: "val", width: 64, height: 48, miou: nil, tags: [])
    row.detections = [3, 1, 2]
    _ = Reducer.reduce(&s, .rowsLoaded([row]))
    let text = AppView.render(s).buffer.textDump()
    #expect(text.contains("TP/FP/FN") && text.contains("3/1/2"))
    #expect(press(&s, .char("w")) == [.loadView(v("sort:-fn(mrcnn)"), run: nil)])
  }
}

@Suite("Flags are outlined in the sample view")
struct FlagOutlineTests {
  @Test("an open flag's rectangle is drawn on the picture; without it the picture has no box")
  func rectangleOutlined() {
    func picture(_ boxes: [MaskRegion]) -> [RGB] {
      var s = loadedState(width: 140, height: 45)
      s.graphics = .sixel
      _ = press(&s, .enter)
      var images = sampleImages(11)
      images.revision = RevisionInfo(revision: 0, history: [], flags: ["#1 rect 8,8 20x16"], flagBoxes: boxes)
      _ = Reducer.reduce(&s, .imagesLoaded(images))
      let frame = AppView.render(s)
      guard let first = frame.placements.first else { return [] }
      return first.image.image.pixels.chunks()
    }
    let plain = picture([]), flagged = picture([.rect(x: 8, y: 8, width: 20, height: 16)])
    #expect(!plain.isEmpty && plain.count == flagged.count)
    let white = RGB(255, 255, 255)
    #expect(flagged.filter { $0 == white }.count > plain.filter { $0 == white }.count, "the flag's box is drawn")
  }
}

extension Array where Element == UInt8 {
  func chunks() -> [RGB] { stride(from: 0, to: count - 2, by: 3).map { RGB(self[$0], self[$0 + 1], self[$0 + 2]) } }
}
