import AppCore
import Augmentation
import SegmentationCore
import Testing

@Suite("Models and augmentations from the app: augment, A, predict")
struct ModelReducerTests {
  @Test(":augment FILE loads a pipeline, A shows the next draw beside the sample, :augment off stops")
  func augmentPreview() throws {
    var s = loadedState()
    _ = press(&s, .enter)
    _ = Reducer.reduce(&s, .imagesLoaded(sampleImages(11)))
    #expect(press(&s, .char("A")).isEmpty && s.statusIsError && s.status?.contains(":augment FILE") == true)
    _ = press(&s, .char(":"))
    type(&s, "augment flips.toml")
    #expect(press(&s, .enter) == [.model(.loadPipeline(path: "flips.toml"))])
    let pipeline = try Pipeline.parse("[[transform]]\nname = \"HorizontalFlip\"\n")
    _ = Reducer.reduce(&s, .model(.pipelineLoaded(name: "flips.toml", pipeline: pipeline)))
    #expect(s.augmentDraw == 1 && s.augmentPipeline == pipeline)
    _ = press(&s, .char("A"))
    #expect(s.augmentDraw == 2 && s.status?.contains("draw 2") == true)
    // The sample view shows the draw beside the sample (captioned with what it applied), and keeps
    // the prediction and error panels.
    let screen = AppView.render(s).buffer.textDump()
    let lines = screen.split(separator: "\n").map(String.init)
    let captionRow = lines.first { $0.contains("flips.toml draw 2") }
    #expect(captionRow?.contains("ground truth") == true, "the draw is beside the sample, not under it: \(screen)")
    #expect(captionRow?.contains("HorizontalFlip") == true || captionRow?.contains("nothing applied") == true, "\(captionRow ?? "")")
    #expect(screen.contains("model_b") && screen.contains("errors"), "prediction and error panels stay: \(screen)")
    // v: the one panel f picks, beside the draw.
    _ = press(&s, .char("v"))
    let single = AppView.render(s).buffer.textDump()
    #expect(single.contains("flips.toml draw 2") && !single.contains("errors:"), "\(single)")
    _ = press(&s, .char("f"))
    #expect(AppView.render(s).buffer.textDump() != single, "f picks another panel beside the draw")
    _ = press(&s, .char("v"))
    _ = Reducer.reduce(&s, .commandInvoked(.sampleAugment, ["off"]))
    #expect(s.augmentDraw == 0 && s.augmentPipeline == nil && !AppView.render(s).buffer.textDump().contains("draw 2"))
  }

  @Test(":predict NAME COMMAND runs as a job over the view; without {manifest} it is refused")
  func predict() {
    var s = loadedState()
    _ = press(&s, .char(":"))
    type(&s, "predict mine python3 model.py {manifest}")
    #expect(press(&s, .enter) == [.model(.predict(name: "mine", command: "python3 model.py {manifest}", view: s.view, job: .predict(name: "mine")))])
    #expect(s.jobs[.predict(name: "mine")] != nil)
    #expect(Reducer.reduce(&s, .commandInvoked(.predictRun, ["other", "python3", "model.py"])).isEmpty && s.statusIsError)
  }
}
