import AppCore
import SegmentationCore
import TerminalRender
import Testing

/// Two slices over `loadedState`'s samples, as the background job delivers them.
func slicesLoaded(_ s: inout AppState) -> [Effect] {
  let dark = try! ViewExpression.parse("brightness<0.1987")
  let pair = try! ViewExpression.parse("class:pole class:road<11675")
  let list = SliceList(
    entries: [
      SliceEntry(title: "dark images (brightness < 0.1987)", definition: dark, size: 3, miou: 0.301, gap: 0.316, interval: 0.30...0.332, strip: [11, 12, 13]),
      SliceEntry(title: "small pole and small road", definition: pair, size: 2, miou: 0.431, gap: 0.129, interval: 0.063...0.195, strip: [14, 15]),
    ],
    summary: "run model_b: 5 samples, mIoU 55.1; 416 candidates, 45 significant at FDR 0.05 (Benjamini-Hochberg)")
  return Reducer.reduce(&s, .slices(.slicesLoaded(.slices, list)))
}

@Suite("Clusters and slices screen: background jobs, the list, Enter makes the view, the map's cluster colouring")
struct SlicesReducerTests {
  @Test(": slices starts a background job on the active run and view; : clusters K checks K; without a run slices says what to do")
  func jobs() {
    var s = loadedState()
    s.view = v("split=val")
    type(&s, ":slices")
    var e = press(&s, .enter)
    #expect(e == [.curation(.curate(.slices(run: "model_b", view: v("split=val")), job: .slices))] && s.jobs[.slices] != nil)
    // Twice: not again.
    #expect(Reducer.reduce(&s, .commandInvoked(.curateSlices, [])).isEmpty && s.status?.contains("running already") == true)
    e = Reducer.reduce(&s, .commandInvoked(.curateClusters, ["4"]))
    #expect(e == [.curation(.curate(.clusters(k: 4, run: "model_b"), job: .clusters))])
    s.jobs[.clusters] = nil
    #expect(Reducer.reduce(&s, .commandInvoked(.curateClusters, ["0"])).isEmpty && s.statusIsError)
    #expect(Reducer.reduce(&s, .commandInvoked(.curateClusters, ["auto"])) == [.curation(.curate(.clusters(k: nil, run: "model_b"), job: .clusters))])
    // x cancels the jobs.
    let cancel = press(&s, .char("x"))
    #expect(cancel.contains { if case .cancelJobs(let jobs) = $0 { return Set(jobs) == [.slices, .clusters] } else { return false } })
    var none = loadedState(withRun: false)
    #expect(Reducer.reduce(&none, .commandInvoked(.curateSlices, [])).isEmpty && none.statusIsError)
    #expect(none.status?.contains("evaluation run") == true)
  }

  @Test("the result opens the screen and asks for the strips' thumbnails; Enter makes the slice the view; c switches lists")
  func list() {
    var s = loadedState(width: 100, height: 40)
    s.jobs[.slices] = Job(title: "slices", done: 0, total: 0)
    let e = slicesLoaded(&s)
    #expect(s.screen == .slices && s.slices.kind == .slices && s.slices.cursor == 0)
    #expect(e == [11, 12, 13, 14, 15].map { Effect.loadThumbnails([$0]) })
    _ = press(&s, .down)
    #expect(s.slices.current?.title == "small pole and small road")
    _ = press(&s, .down)
    #expect(s.slices.cursor == 1)
    let open = press(&s, .enter)
    #expect(s.screen == .samples && open == [.loadView(v("class:pole class:road<11675"), run: "model_b")])
    _ = press(&s, .char("9"))
    #expect(s.screen == .slices)
    // No clusters list yet: the stored clusters are read (segscope clusters may have made some).
    let stored = press(&s, .char("c"))
    #expect(s.slices.kind == .clusters && s.slices.list == nil)
    #expect(stored == [.curation(.curate(.storedClusters(run: "model_b"), job: .clusters))])
    #expect(AppView.render(s).buffer.textDump().contains("working… (x cancels)"))
    _ = Reducer.reduce(
      &s, .curation(.curationFinished(job: .clusters, view: nil, message: "no clusters stored yet: : clusters [K] makes them", isError: false)))
    let text = AppView.render(s).buffer.textDump()
    #expect(text.contains(": clusters [K] groups the images") && s.screen == .slices)
  }

  @Test("snapshots: slices at 100x40 with strips, at 80x24, and at 40x12 (text only)")
  func snapshots() {
    var s = loadedState(width: 100, height: 40)
    _ = slicesLoaded(&s)
    s.colors = .truecolor
    checkScreen(s, "slices-100x40")
    _ = Reducer.reduce(&s, .terminalResized(width: 80, height: 24))
    checkScreen(s, "slices-80x24")
    _ = Reducer.reduce(&s, .terminalResized(width: 40, height: 12))
    checkScreen(s, "slices-40x12")
    let small = AppView.render(s).buffer.textDump()
    #expect(small.contains("1. dark") && small.contains("2. small"))
  }

  @Test("the map colours by cluster once points have clusters; the legend names them")
  func mapClusters() {
    var s = loadedState()
    _ = press(&s, .char("8"))
    let points = [
      MapPoint(id: 11, x: 0.05, y: 0.9, split: "val", cluster: 1), MapPoint(id: 12, x: 0.8, y: 0.1, split: "train", cluster: 2),
      MapPoint(id: 13, x: 0.5, y: 0.5, split: "train", cluster: 2),
    ]
    _ = Reducer.reduce(&s, .curation(.mapLoaded(view: v(""), points: points, explained: 0.4)))
    for _ in 0..<5 where s.map.colouring != .cluster { _ = press(&s, .char("c")) }
    #expect(s.map.colouring == .cluster)
    let text = AppView.render(s).buffer.textDump()
    #expect(text.contains("■ cluster 1") && text.contains("■ cluster 2"))
    // Without clusters the colouring is skipped.
    var plain = loadedState()
    _ = press(&plain, .char("8"))
    mapLoaded(&plain)
    var seen: Set<MapColouring> = []
    for _ in 0..<6 {
      _ = press(&plain, .char("c"))
      seen.insert(plain.map.colouring)
    }
    #expect(!seen.contains(.cluster))
  }
}
