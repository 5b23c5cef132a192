import DemoScenes
import SegmentationCore
import TerminalRender

/// Sixel and half-block encoding speed.
enum GraphicsBench {
  static func run(rounds: Int) {
    let scene = DemoScene.generate(seed: 5, width: 640, height: 480)
    var pal: [UInt16: RGB] = [:]
    for (i, c) in DemoClasses.table.enumerated() { pal[UInt16(i)] = c.color }
    let overlay = MaskComposer.overlay(scene.image, scene.groundTruth, palette: ClassPalette(colors: pal), options: .init(alpha: 0.5, outlines: true))
    let maskOnly = MaskComposer.colorize(scene.groundTruth, palette: ClassPalette(colors: pal))
    var bytes = [0, 0, 0]
    let t = interleavedMedians(
      rounds: rounds,
      [
        { bytes[0] = SixelEncoder(dither: false).encode(overlay).count },
        { bytes[1] = SixelEncoder(dither: true).encode(overlay).count },
        { bytes[2] = SixelEncoder().encode(maskOnly).count },
      ])
    print("sixel 640x480 overlay, no dither: \(fmt(t[0])) ms, \(bytes[0] / 1024) KiB")
    print("sixel 640x480 overlay, FS dither: \(fmt(t[1])) ms, \(bytes[1] / 1024) KiB")
    print("sixel 640x480 mask only (exact colours): \(fmt(t[2])) ms, \(bytes[2] / 1024) KiB")
    let small = Resample.area(scene.image, width: 80, height: 48)
    var out = 0
    let h = interleavedMedians(
      rounds: rounds,
      [
        {
          var b = Buffer(width: 80, height: 24)
          HalfBlockRenderer.draw(small, into: &b, at: (0, 0), mode: .truecolor)
          out = AnsiWriter.render(b, mode: .truecolor).utf8.count
        },
        { _ = Resample.majority(scene.groundTruth, width: 80, height: 48) },
        { _ = Resample.area(scene.image, width: 80, height: 48) },
      ])
    print("half-block 80x24 truecolor frame: \(fmt(h[0])) ms, \(out / 1024) KiB; majority-pool 640x480 -> 80x48: \(fmt(h[1])) ms; area filter: \(fmt(h[2])) ms")
  }
}
