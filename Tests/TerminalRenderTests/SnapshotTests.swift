import DemoScenes
import SegmentationCore
import TerminalRender
import TestSupport
import Testing

@Suite("Golden snapshots of rendered buffers (RECORD_SNAPSHOTS=1 re-records)")
struct SnapshotTests {
  func scenePreview(mode: ColorMode) -> Buffer {
    let scene = DemoScene.generate(seed: 2, width: 96, height: 72)
    var pal: [UInt16: RGB] = [:]
    for (i, c) in DemoClasses.table.enumerated() { pal[UInt16(i)] = c.color }
    let img = Resample.area(scene.image, width: 24, height: 18)
    let mask = Resample.majority(scene.groundTruth, width: 24, height: 18)
    let composed = MaskComposer.overlay(img, mask, palette: ClassPalette(colors: pal), options: .init(alpha: 0.5, outlines: false))
    var b = Buffer(width: 26, height: 10)
    b.putPadded("street_0002 ✓", x: 0, y: 0, width: 26, style: Style(attributes: .bold))
    HalfBlockRenderer.draw(composed.image, into: &b, at: (1, 1), mode: mode)
    return b
  }

  @Test("256-colour half-block preview", arguments: [ColorMode.palette256, .none])
  func preview(mode: ColorMode) {
    let b = scenePreview(mode: mode)
    let text = b.textDump() + "\n==\n" + b.styleDump()
    let problem = Snapshot.mismatch(text, named: "scene-preview-\(mode.rawValue)")
    #expect(problem == nil, "\(problem ?? "")")
  }
}
