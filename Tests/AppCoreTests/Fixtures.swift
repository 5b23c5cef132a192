import DemoScenes
import AppCore
import SegmentationCore
import TerminalRender

/// A view expression written in a test (the text is known to parse).
func v(_ text: String) -> ViewExpression { try! ViewExpression.parse(text) }

/// A state as it is after the dataset and a view loaded, without any I/O.
func loadedState(width: Int = 80, height: Int = 24, withRun: Bool = true) -> AppState {
  var s = AppState()
  s.colors = .palette256
  _ = Reducer.reduce(&s, .terminalResized(width: width, height: height))
  let runs = withRun ? [EvalRun(key: "model_b", gtField: "ground_truth", predField: "model_b", dialect: .mmseg, createdAt: "2026-11-26 12:00:00")] : []
  var pal: [UInt16: RGB] = [:]
  for (i, c) in DemoClasses.table.enumerated() { pal[UInt16(i)] = c.color }
  let effects = Reducer.reduce(
    &s,
    .datasetLoaded(
      name: "demo", total: 5, fields: ["ground_truth", "model_b"], classNames: DemoClasses.table.map(\.name), palette: ClassPalette(colors: pal), ignore: [255],
      runs: runs, problems: ["labels/x.png: truncated [import]"]))
  assert(effects == [.loadView(v(""), run: withRun ? "model_b" : nil)])
  var m = ConfusionMatrix(classCount: 10)
  for c in 0..<10 { m[c, c] = UInt64(1000 * (c + 1)) }
  m[1, 0] = 700
  m[7, 1] = 300
  _ = Reducer.reduce(&s, .viewLoaded(view: v(""), title: "", ids: [11, 12, 13, 14, 15], matrix: withRun ? m : nil))
  _ = Reducer.reduce(
    &s,
    .rowsLoaded(
      (11...15).map {
        SampleSummary(
          id: $0, path: "data/street_\($0).jpg", split: $0 == 11 ? "val" : "train", width: 64, height: 48, miou: Double($0 - 10) / 6,
          tags: $0 == 12 ? ["hard"] : [])
      }))
  return s
}

func press(_ s: inout AppState, _ keys: Key...) -> [Effect] {
  var out: [Effect] = []
  for k in keys { out += Reducer.reduce(&s, .keyPressed(k)) }
  return out
}

func type(_ s: inout AppState, _ text: String) {
  for c in text { _ = Reducer.reduce(&s, .keyPressed(.char(c))) }
}

func sampleImages(_ id: Int64) -> SampleImages {
  let scene = DemoScene.generate(seed: UInt64(id), width: 64, height: 48)
  return SampleImages(
    id: id, image: scene.image, groundTruth: scene.groundTruth, predictions: ["model_b": DemoModel.modelB.predict(scene.trueLabels, seed: 1)], problems: [])
}

extension SampleSummary {
  /// A row for tests: the stored sample from its fields (the stem is the file name without extension).
  init(id: Int64, path: String, split: String?, width: Int, height: Int, miou: Double?, tags: [String]) {
    let name = path.split(separator: "/").last.map(String.init) ?? path
    let stem = name.split(separator: ".", omittingEmptySubsequences: false).dropLast().joined(separator: ".")
    self.init(SampleRow(id: id, path: path, stem: stem.isEmpty ? name : stem, width: width, height: height, split: split), miou: miou, tags: tags)
  }
}
