import Foundation
import ImageCodec
import SegmentationCore
import TestSupport
import Testing

/// The command line given careless input: clear errors, non-zero exits, nothing changed.
@Suite("Careless input on the command line", .serialized)
struct CarelessCLITests {
  func run(_ args: [String]) throws -> (status: Int32, out: String, err: String) {
    let r = try Shell.run(["timeout", "60", Binary.path] + args)
    return (r.status, String(decoding: r.out, as: UTF8.self), r.err)
  }

  /// An imgseg folder with `n` samples, imported.
  func dataset(_ n: Int = 4) throws -> String {
    let root = FileManager.default.temporaryDirectory.appendingPathComponent("careless-cli-" + UUID().uuidString).path
    for d in ["images", "masks", "preds"] { try FileManager.default.createDirectory(atPath: root + "/" + d, withIntermediateDirectories: true) }
    try "bg\nroad\ncar\n".write(toFile: root + "/classes.txt", atomically: true, encoding: .utf8)
    for i in 0..<n {
      try FileBytes.writeAtomically(PNGEncoder.encode(RGBImage(width: 8, height: 6)), to: "\(root)/images/s\(i).png")
      try FileBytes.writeAtomically(PNGEncoder.encode(LabelMask(width: 8, height: 6, fill: UInt16(i % 3))), to: "\(root)/masks/s\(i).png")
      try FileBytes.writeAtomically(PNGEncoder.encode(LabelMask(width: 8, height: 6, fill: 1)), to: "\(root)/preds/s\(i).png")
    }
    let r = try run(["import", root, "--pred", "p=" + root + "/preds"])
    #expect(r.status == 0, "\(r.err)")
    return root
  }

  @Test("view expressions: a leading '-', control characters and 15,000 terms give a syntax error, exit 2")
  func expressions() throws {
    let root = try dataset()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let dash = try run(["query", root, "-miou"])
    #expect(dash.status == 2 && dash.err.contains("view syntax error at position 1") && dash.err.contains("found '-miou'"), "\(dash)")
    let ctl = try run(["query", root, "tag:a \u{1B}[31mfoo"])
    #expect(ctl.status == 2 && !ctl.err.contains("\u{1B}") && ctl.err.contains("\\x1b[31mfoo"), "\(ctl.err)")
    let many = try run(["query", root, Array(repeating: "tag:a", count: 15_000).joined(separator: " ")])
    #expect(many.status == 2 && many.err.contains("at most 256 filters") && !many.err.contains("SQLite"), "\(many.err.prefix(300))")
    let view = try run(["eval", root, "--pred", "p", "--view", "-tag:a"])
    #expect(view.status == 2 && view.err.contains("view syntax error"), "\(view.err)")
  }

  @Test("an eval whose view is empty exits 1 and keeps the run; a wrong --format or a missing --classes changes nothing")
  func nothingChanges() throws {
    let root = try dataset()
    defer { try? FileManager.default.removeItem(atPath: root) }
    #expect(try run(["eval", root, "--pred", "p"]).status == 0)
    let before = try run(["runs", root]).out
    let empty = try run(["eval", root, "--pred", "p", "--view", "path~nothing"])
    #expect(empty.status == 1 && empty.err.contains("the view matches 0 samples; the stored run 'p' is kept"), "\(empty.err)")
    #expect(try run(["runs", root]).out == before)
    for format in ["voc", "cityscapes", "coco"] {
      let r = try run(["import", root, "--format", format])
      #expect(r.status == 1 && r.err.contains("nothing was changed"), "\(format): \(r.err)")
    }
    let missing = try run(["import", root, "--classes", "/no/classes.txt"])
    #expect(missing.status == 1 && missing.err.contains("--classes /no/classes.txt: no such file"), "\(missing.err)")
    let info = try run(["info", root])
    #expect(info.out.contains("4 samples") && info.out.contains("road") && info.out.contains("car"), "\(info.out)")
  }

  @Test("file /dev/zero and a FIFO: an error at once, not a hang")
  func specialFiles() throws {
    let fifo = FileManager.default.temporaryDirectory.appendingPathComponent("fifo-" + UUID().uuidString).path
    #expect(mkfifo(fifo, 0o600) == 0)
    defer { unlink(fifo) }
    let t0 = Date()
    let r = try run(["file", "/dev/zero", fifo])
    #expect(r.status == 1 && Date().timeIntervalSince(t0) < 10)
    #expect(r.err.contains("/dev/zero: cannot read file: not a regular file") && r.err.contains("\(fifo): cannot read file: not a regular file"), "\(r.err)")
  }

  @Test("import --pred whose every mask is unreadable exits 1 naming the folder, with no empty field; uncertainty that scores nothing says why")
  func nothingReadable() throws {
    let root = try dataset()
    defer { try? FileManager.default.removeItem(atPath: root) }
    let junk = root + "-junk"
    try FileManager.default.createDirectory(atPath: junk, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: junk) }
    for i in 0..<4 { try "not a png".write(toFile: "\(junk)/s\(i).png", atomically: true, encoding: .utf8) }
    let r = try run(["import", root, "--pred", "junk=" + junk])
    #expect(r.status == 1 && r.err.contains("--pred junk=\(junk): none of its 4 masks could be read"), "\(r)")
    #expect(try run(["info", root]).out.contains("junk (semantic") == false, "an empty field was defined")
    // Two fields, one of which covers no sample of the view: an error that says so.
    let one = root + "-one"
    try FileManager.default.createDirectory(atPath: one, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(atPath: one) }
    try FileBytes.writeAtomically(PNGEncoder.encode(LabelMask(width: 8, height: 6, fill: 2)), to: one + "/s0.png")
    #expect(try run(["import", root, "--pred", "p=" + root + "/preds", "--pred", "one=" + one]).status == 0)
    let u = try run(["uncertainty", root, "--pred", "p", "--pred", "one", "--view", "not path~'s0'"])
    #expect(u.status == 1 && u.err.contains("one: 3 of 3 samples have no mask of this field") && u.err.contains("no sample could be scored"), "\(u)")
  }
}
