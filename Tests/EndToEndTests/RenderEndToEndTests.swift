import DemoScenes
import Foundation
import ImageCodec
import SegmentationCore
import TestSupport
import Testing

@Suite("segscope render, end to end")
struct RenderEndToEndTests {
  func fixture() throws -> (String, String, String) {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("render-" + UUID().uuidString).path
    try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
    let scene = DemoScene.generate(seed: 4, width: 160, height: 120)
    let img = dir + "/img.png", mask = dir + "/mask.png"
    try FileBytes.writeAtomically(PNGEncoder.encode(scene.image), to: img)
    try FileBytes.writeAtomically(PNGEncoder.encode(scene.groundTruth), to: mask)
    return (dir, img, mask)
  }

  @Test("half-blocks captured through tmux equal the direct output cell by cell")
  func tmuxHalfBlocks() throws {
    let (dir, img, mask) = try fixture()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let direct = try Shell.run([Binary.path, "render", img, "--mask", mask, "--graphics", "halfblock", "--colors", "truecolor", "--cols", "60"])
    #expect(direct.status == 0, "\(direct.err)")
    let directCells = AnsiParser.parse(String(decoding: direct.out, as: UTF8.self))
    let tmux = try TmuxSession(command: "\(Binary.path) render \(img) --mask \(mask) --graphics halfblock --colors truecolor --cols 60", width: 80, height: 40)
    defer { tmux.kill() }
    let expectedBlocks = directCells.joined().filter { $0.symbol == "▀" }.count
    let screen = try tmux.waitFor(escapes: true) { $0.components(separatedBy: "▀").count - 1 >= expectedBlocks }
    let captured = AnsiParser.parse(screen)
    var compared = 0
    for y in 0..<min(captured.count, directCells.count) {
      for x in 0..<directCells[y].count where x < captured[y].count && directCells[y][x].symbol == "▀" {
        #expect(captured[y][x] == directCells[y][x], "cell \(x),\(y)")
        compared += 1
      }
    }
    #expect(compared == expectedBlocks && compared > 1000)
  }

  @Test("bad input: a mask of the wrong size and a corrupt image give one clear error line and exit 1")
  func badInput() throws {
    let (dir, img, _) = try fixture()
    defer { try? FileManager.default.removeItem(atPath: dir) }
    let small = dir + "/small.png"
    try FileBytes.writeAtomically(PNGEncoder.encode(LabelMask(width: 10, height: 10)), to: small)
    let r = try Shell.run([Binary.path, "render", img, "--mask", small, "--graphics", "halfblock"])
    #expect(r.status == 1)
    #expect(r.err.contains("small.png: mask is 10x10 but the image is 160x120"))
    let broken = dir + "/broken.jpg"
    try FileBytes.writeAtomically(Array("not a jpeg at all".utf8), to: broken)
    let r2 = try Shell.run([Binary.path, "render", broken])
    #expect(r2.status == 1)
    #expect(r2.err.contains("broken.jpg: expected a JPEG file but the content is not an image"))
    let r3 = try Shell.run([Binary.path, "render", img, "--graphics", "bogus"])
    #expect(r3.status == 2)
  }

  @Test func versionAndHelp() throws {
    let v = try Shell.run([Binary.path, "--version"])
    #expect(v.status == 0 && String(decoding: v.out, as: UTF8.self).hasPrefix("0."))
    let h = try Shell.run([Binary.path, "--help"])
    #expect(h.status == 0 && String(decoding: h.out, as: UTF8.self).contains("SUBCOMMANDS"))
    let u = try Shell.run([Binary.path, "--no-such-flag"])
    #expect(u.status == 2)
  }
}
