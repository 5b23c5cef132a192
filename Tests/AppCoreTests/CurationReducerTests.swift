import AppCore
import SegmentationCore
import Testing

@Suite("Curation from the app: duplicates, uniqueness, similar, next")
struct CurationReducerTests {
  @Test(": duplicates runs as a job and ends on the view dup; a second start while it runs is refused")
  func duplicates() {
    var s = loadedState()
    _ = press(&s, .char(":"))
    type(&s, "duplicates")
    #expect(press(&s, .enter) == [.curation(.curate(.duplicates, job: .duplicates))])
    #expect(s.jobs[.duplicates] != nil)
    #expect(Reducer.reduce(&s, .commandInvoked(.curateDuplicates, [])).isEmpty && s.status?.contains("running already") == true)
    let e = Reducer.reduce(&s, .curation(.curationFinished(job: .duplicates, view: v("dup"), message: "3 groups of duplicates", isError: false)))
    #expect(e == [.loadView(v("dup"), run: "model_b")] && s.jobs.isEmpty && s.status == "3 groups of duplicates")
    // A failed job shows why and changes no view.
    _ = Reducer.reduce(&s, .commandInvoked(.curateUniqueness, []))
    #expect(
      Reducer.reduce(&s, .curation(.curationFinished(job: .uniqueness, view: nil, message: "uniqueness: disk full", isError: true))).isEmpty && s.statusIsError)
  }

  @Test("S on a sample loads its nearest samples as the view")
  func similar() {
    var s = loadedState()
    _ = press(&s, .down)
    let e = press(&s, .char("S"))
    #expect(e == [.curation(.loadSimilar(sample: 12, limit: 50))])
    #expect(s.viewLoading && s.status?.contains("samples like street_12.jpg") == true)
    // From the sample view too; the list shows the answer.
    var v = loadedState()
    _ = press(&v, .enter)
    #expect(press(&v, .char("S")) == [.curation(.loadSimilar(sample: 11, limit: 50))] && v.screen == .samples)
  }

  @Test(": next BUDGET FIELD... checks its words and starts the job on the current view")
  func next() {
    var s = loadedState()
    _ = Reducer.reduce(&s, .viewLoaded(view: v("split=val"), title: "", ids: [11], matrix: nil))
    #expect(
      Reducer.reduce(&s, .commandInvoked(.curateNext, ["20", "model_b"])) == [
        .curation(.curate(.next(budget: 20, fields: ["model_b"], view: v("split=val"), tag: "next"), job: .next(budget: 20)))
      ])
    #expect(Reducer.reduce(&s, .commandInvoked(.curateNext, ["many", "model_b"])).isEmpty && s.status?.contains("positive number") == true)
    #expect(Reducer.reduce(&s, .commandInvoked(.curateNext, ["5", "nope"])).isEmpty && s.status?.contains("no prediction field 'nope'") == true)
    #expect(Reducer.reduce(&s, .commandInvoked(.curateNext, ["5"])).isEmpty && s.status?.contains("name the prediction fields") == true)
    _ = Reducer.reduce(&s, .commandInvoked(.curateNext, []))
    #expect(s.paletteState.isOpen && s.paletteState.input == "next 20 model_b")
  }
}
