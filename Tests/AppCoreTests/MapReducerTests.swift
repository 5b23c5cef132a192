import AppCore
import SegmentationCore
import TerminalRender
import Testing

/// The five samples of `loadedState` on a map: 11 bottom-left, 12 and 13 near each other top-right
/// (a leak), 14 in the middle, 15 at the right edge.
func mapLoaded(_ s: inout AppState) {
  let points = [
    MapPoint(id: 11, x: 0.05, y: 0.9, split: "val", miou: 0.17),
    MapPoint(id: 12, x: 0.8, y: 0.1, split: "train", duplicate: true, leak: true, miou: 0.33, suspicion: 0.9),
    MapPoint(id: 13, x: 0.82, y: 0.12, split: "val", duplicate: true, leak: true, miou: 0.5),
    MapPoint(id: 14, x: 0.5, y: 0.5, split: "train", miou: 0.67),
    MapPoint(id: 15, x: 1.0, y: 0.55, split: "train", miou: 0.83),
  ]
  _ = Reducer.reduce(&s, .curation(.mapLoaded(view: v(""), points: points, explained: 0.42)))
}

@Suite("Embedding map: open, move, colour, select, open a sample")
struct MapReducerTests {
  func onMap() -> AppState {
    var s = loadedState()
    let e = press(&s, .char("8"))
    #expect(s.screen == .map && s.map.loading)
    #expect(e == [.curation(.loadMap(view: v(""), run: "model_b", className: nil, job: .map))])
    mapLoaded(&s)
    #expect(!s.map.loading && s.jobs[.map] == nil)
    return s
  }

  @Test("arrows move to the nearest point that way; Enter opens its sample; the map is made once per view")
  func move() {
    var s = onMap()
    #expect(s.map.current?.id == 11)
    _ = press(&s, .right)
    #expect(s.map.current?.id == 14)
    _ = press(&s, .right)
    #expect(s.map.current?.id == 15)
    _ = press(&s, .up)
    #expect(s.map.current?.id == 13)
    _ = press(&s, .left)
    #expect(s.map.current?.id == 12)
    // Nothing further up: the cursor stays.
    _ = press(&s, .up)
    #expect(s.map.current?.id == 12)
    let e = press(&s, .enter)
    #expect(s.screen == .sample && s.currentSampleId == 12 && e.contains(.loadImages(12)))
    // Back to the map: no new projection for the same view; another view makes one.
    #expect(press(&s, .char("8")).isEmpty)
    // (here while on the map screen: the map follows at once)
    let remade = Reducer.reduce(&s, .viewLoaded(view: v("split=val"), title: "", ids: [11, 13], matrix: nil))
    #expect(remade.contains(.curation(.loadMap(view: v("split=val"), run: "model_b", className: nil, job: .map))))
  }

  @Test("v twice selects the rectangle's samples as the view (tag map); Esc cancels a started selection")
  func select() {
    var s = onMap()
    _ = press(&s, .right)  // 14
    _ = press(&s, .char("v"))
    #expect(s.map.anchor == 3)
    _ = press(&s, .escape)
    #expect(s.map.anchor == nil && s.screen == .map)
    _ = press(&s, .char("v"))
    _ = press(&s, .right, .up)  // 15, then 13
    #expect(s.map.current?.id == 13)
    #expect(Set(s.map.selection.map(\.id)) == [13, 14])
    let e = press(&s, .char("v"))
    #expect(e == [.curation(.selectionToView(ids: [13, 14], tag: "map"))] && s.screen == .samples)
  }

  @Test("c cycles the colouring; : map CLASS colours by a class and makes the map again")
  func colours() {
    var s = onMap()
    _ = press(&s, .char("c"))
    #expect(s.map.colouring == .miou && s.status == "map coloured by mIoU of the active run")
    _ = press(&s, .char("c"), .char("c"), .char("c"))
    #expect(s.map.colouring == .split)
    let e = Reducer.reduce(&s, .commandInvoked(.screenMap, ["car"]))
    #expect(e == [.curation(.loadMap(view: v(""), run: "model_b", className: "car", job: .map))] && s.map.colouring == .classPresence)
    #expect(Reducer.reduce(&s, .commandInvoked(.screenMap, ["nope"])).isEmpty && s.statusIsError)
  }

  @Test("the map follows the view: a new view loaded on the map screen remakes it")
  func followsTheView() {
    var s = onMap()
    let e = Reducer.reduce(&s, .viewLoaded(view: v("split=val"), title: "split=val", ids: [11, 13], matrix: nil))
    #expect(e == [.curation(.loadMap(view: v("split=val"), run: "model_b", className: nil, job: .map))])
    #expect(s.map.loading)
  }

  @Test("snapshots: the map at 80x24 (split, then duplicates) and at 40x12")
  func snapshots() {
    var s = onMap()
    s.colors = .truecolor
    checkScreen(s, "map-80x24")
    _ = press(&s, .char("c"), .char("c"), .char("c"))
    #expect(s.map.colouring == .duplicates)
    let text = AppView.render(s).buffer.textDump()
    #expect(text.contains("◆"))
    checkScreen(s, "map-duplicates-80x24")
    _ = Reducer.reduce(&s, .terminalResized(width: 40, height: 12))
    checkScreen(s, "map-40x12")
    // Without colour (NO_COLOR) the splits have shapes of their own, in the map and the legend.
    var mono = onMap()
    mono.colors = .none
    let monoText = AppView.render(mono).buffer.textDump()
    #expect(monoText.contains("● train") && monoText.contains("○ val"))
  }
}
