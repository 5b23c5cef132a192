import Foundation
import ImageCodec
import SegmentationCore
import TestSupport
import Testing

#if canImport(Glibc)
  import Glibc
#endif

/// `segscope augment` as a user meets it: the class map carried over as it is, clear errors for a bad
/// pipeline or --out, and nothing half-written left behind by a run that dies.
@Suite("augment on the command line")
struct AugmentEndToEndTests {
  func run(_ args: [String], timeout: Int = 120) throws -> (status: Int32, out: String, err: String) {
    let r = try Shell.run(["timeout", String(timeout), Binary.path] + args)
    return (r.status, String(decoding: r.out, as: UTF8.self), r.err)
  }

  /// A 10-class imgseg dataset (value 255 is ignore) of `n` samples of `w`x`h`.
  func dataset(_ n: Int = 3, _ w: Int = 48, _ h: Int = 32) throws -> String {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("augment-" + UUID().uuidString).path
    for d in ["data", "labels"] { try FileManager.default.createDirectory(atPath: root + "/" + d, withIntermediateDirectories: true) }
    try (0..<10).map { "class\($0)" }.joined(separator: "\n").appending("\n").write(toFile: root + "/classes.txt", atomically: true, encoding: .utf8)
    for i in 0..<n {
      var img = RGBImage(width: w, height: h)
      var v = [UInt8](repeating: 0, count: w * h)
      for y in 0..<h {
        for x in 0..<w {
          v[y * w + x] = y < 2 ? 255 : UInt8((x / 5 + i) % 10)
          img[x: x, y: y] = RGB(UInt8(x * 5 % 256), UInt8(y * 7 % 256), UInt8(i * 40))
        }
      }
      try FileBytes.writeAtomically(PNGEncoder.encode(img), to: "\(root)/data/s\(i).png")
      try FileBytes.writeAtomically(PNGEncoder.encode(LabelMask(width: w, height: h, values: v)), to: "\(root)/labels/s\(i).png")
    }
    let r = try run(["import", root])
    #expect(r.status == 0, "\(r.err)")
    return root
  }

  func pipeline(_ text: String) throws -> String {
    let p = FileManager.default.temporaryDirectory.appendingPathComponent("pipe-\(UUID().uuidString).toml").path
    try text.write(toFile: p, atomically: true, encoding: .utf8)
    return p
  }

  @Test("the augmented dataset has the source's 10 classes, not 256; its own labels as a prediction score mIoU 1 (100%)")
  func classMapCarriedOver() throws {
    let root = try dataset()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let out = root + "-aug"
    defer { try? FileManager.default.removeItem(atPath: out) }
    let pipe = try pipeline("[[transform]]\nname = \"HorizontalFlip\"\n[[transform]]\nname = \"Rotate\"\nlimit = 20\n")
    let r = try run(["augment", root, "--pipeline", pipe, "--copies", "2", "--out", out])
    #expect(r.status == 0, "\(r.err)")
    #expect(try String(contentsOfFile: out + "/classes.txt", encoding: .utf8) == String(contentsOfFile: root + "/classes.txt", encoding: .utf8))
    #expect(try run(["import", out, "--pred", "same=" + out + "/labels"]).status == 0)
    let e = try run(["eval", out, "--pred", "same", "--format", "json"])
    #expect(e.status == 0, "\(e.err)")
    let json = try #require(try JSONSerialization.jsonObject(with: Data(e.out.utf8)) as? [String: Any])
    #expect((json["mIoU"] as? Double) == 1, "\(e.out.prefix(400))")
  }

  @Test("a pipeline number that used to trap is an error naming the transform and key; --out a file is refused in words")
  func clearErrors() throws {
    let root = try dataset(1)
    defer { try? FileManager.default.removeItem(atPath: root) }
    let nan = try run(["augment", root, "--pipeline", try pipeline("[[transform]]\nname = \"Rotate\"\nlimit = nan\n"), "--out", root + "-x"])
    #expect(nan.status != 0 && nan.status < 128, "exit \(nan.status)")
    #expect(nan.err.contains("transform 1 (Rotate): 'limit' must be within -360...360"), "\(nan.err)")
    let file = root + "/classes.txt"
    let onFile = try run(["augment", root, "--pipeline", try pipeline("[[transform]]\nname = \"HorizontalFlip\"\n"), "--out", file])
    #expect(onFile.status != 0 && onFile.err.contains("is a file") && !onFile.err.contains("NSCocoaErrorDomain"), "\(onFile.err)")
    #expect(!FileManager.default.fileExists(atPath: root + "-x"))
  }

  @Test("a run killed half-way leaves no --out folder, and the next run goes through and sweeps the leftovers")
  func killedRunLeavesNothing() throws {
    let root = try dataset(6, 600, 400)
    defer { try? FileManager.default.removeItem(atPath: root) }
    let out = root + "-aug"
    defer { try? FileManager.default.removeItem(atPath: out) }
    let slow = try pipeline("[[transform]]\nname = \"GaussianBlur\"\nsigma_limit = [40, 40]\n")
    let p = Process()
    p.executableURL = URL(fileURLWithPath: Binary.path)
    p.arguments = ["augment", root, "--pipeline", slow, "--copies", "20", "--out", out]
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    try p.run()
    // Killed once it has started writing (its partial folder exists).
    let parent = (out as NSString).deletingLastPathComponent
    let deadline = Date().addingTimeInterval(30)
    func partials() -> [String] {
      ((try? FileManager.default.contentsOfDirectory(atPath: parent)) ?? []).filter { $0.hasPrefix("." + (out as NSString).lastPathComponent + ".partial-") }
    }
    while partials().isEmpty && Date() < deadline { Thread.sleep(forTimeInterval: 0.05) }
    Thread.sleep(forTimeInterval: 0.5)
    kill(p.processIdentifier, SIGKILL)
    p.waitUntilExit()
    #expect(!FileManager.default.fileExists(atPath: out), "a killed run left --out behind")
    #expect(partials().count == 1)
    let again = try run(["augment", root, "--pipeline", try pipeline("[[transform]]\nname = \"VerticalFlip\"\n"), "--out", out])
    #expect(again.status == 0, "\(again.err)")
    #expect(try FileManager.default.contentsOfDirectory(atPath: out + "/labels").count == 6)
    #expect(partials().isEmpty, "the dead run's partial folder is still there")
  }
}
