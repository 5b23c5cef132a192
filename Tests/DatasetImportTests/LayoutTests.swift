import DatasetImport
import DatasetStore
import Foundation
import ImageCodec
import SegmentationCore
import TestSupport
import Testing

/// Layouts users have: folders elsewhere on disk, symbolic links, files segscope cannot read.
@Suite("Ordinary layouts: folders anywhere, symbolic links, skipped files", .serialized)
struct LayoutTests {
  func tempDir(_ name: String) throws -> String {
    let d = FileManager.default.temporaryDirectory.appendingPathComponent(name + "-" + UUID().uuidString).path
    try FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
    return d
  }

  /// images/ + masks/ with `n` samples of 16x12 under `base`.
  func writeSamples(_ base: String, images: String = "images", masks: String = "masks", n: Int = 5) throws {
    for d in [images, masks] { try FileManager.default.createDirectory(atPath: base + "/" + d, withIntermediateDirectories: true) }
    for i in 0..<n {
      try FileBytes.writeAtomically(PNGEncoder.encode(RGBImage(width: 16, height: 12)), to: "\(base)/\(images)/s\(i).png")
      try FileBytes.writeAtomically(PNGEncoder.encode(LabelMask(width: 16, height: 12, fill: UInt16(i % 3))), to: "\(base)/\(masks)/s\(i).png")
    }
  }

  @Test("images/ and masks/ that are symbolic links to shared storage import every sample with its mask")
  func symlinkedFolders() throws {
    let shared = try tempDir("shared"), root = try tempDir("linked")
    defer { for d in [shared, root] { try? FileManager.default.removeItem(atPath: d) } }
    try writeSamples(shared, n: 6)
    try FileManager.default.createSymbolicLink(atPath: root + "/images", withDestinationPath: shared + "/images")
    try FileManager.default.createSymbolicLink(atPath: root + "/masks", withDestinationPath: shared + "/masks")
    let store = try DatasetStore(root: root)
    let report = try ImgSegImporter(root: root).run(into: store)
    #expect(report.samples == 6)
    #expect(report.unlabeled == 0)
    #expect(report.problems.isEmpty, "\(report.problems)")
    let (indexed, problems) = try HistogramIndexer(store: store).run()
    #expect(indexed == 6 && problems.isEmpty)
  }

  @Test("symbolic link loops are reported by path and the import finishes")
  func symlinkLoops() throws {
    let root = try tempDir("loops")
    defer { try? FileManager.default.removeItem(atPath: root) }
    try writeSamples(root, n: 3)
    try FileManager.default.createDirectory(atPath: root + "/images/a/b", withIntermediateDirectories: true)
    try FileManager.default.createSymbolicLink(atPath: root + "/images/x", withDestinationPath: "..")
    try FileManager.default.createSymbolicLink(atPath: root + "/images/a/b/up", withDestinationPath: "../..")
    try FileManager.default.createSymbolicLink(atPath: root + "/images/a/self", withDestinationPath: ".")
    try FileManager.default.createSymbolicLink(atPath: root + "/images/dangling.png", withDestinationPath: root + "/nowhere.png")
    // Two ways to one folder: listed once.
    try FileManager.default.createSymbolicLink(atPath: root + "/images/again", withDestinationPath: root + "/images/a")
    let store = try DatasetStore(root: root)
    let report = try ImgSegImporter(root: root).run(into: store)
    let text = report.problems.map { "\($0.path): \($0.problem)" }.joined(separator: "\n")
    #expect(text.contains("images/x: symbolic link loop") || text.contains("images/x: the same folder"), "\(text)")
    #expect(text.contains("images/a/b/up: symbolic link loop"), "\(text)")
    #expect(text.contains("images/a/self: symbolic link loop"), "\(text)")
    #expect(text.contains("images/dangling.png: broken symbolic link"), "\(text)")
    #expect(text.contains("images/again: the same folder as a"), "\(text)")
    // Only the three real images: no fake samples through the loops.
    #expect(report.samples == 3)
  }

  @Test("a prediction folder elsewhere on disk is stored by absolute path and opens from anywhere")
  func predictionsElsewhere() throws {
    let root = try tempDir("ds"), elsewhere = try tempDir("preds")
    defer { for d in [root, elsewhere] { try? FileManager.default.removeItem(atPath: d) } }
    try writeSamples(root, n: 4)
    for i in 0..<4 { try FileBytes.writeAtomically(PNGEncoder.encode(LabelMask(width: 16, height: 12, fill: 1)), to: "\(elsewhere)/s\(i).png") }
    let store = try DatasetStore(root: root)
    let report = try ImgSegImporter(root: root, predictions: [("m", elsewhere), ("inside", "masks")]).run(into: store)
    #expect(report.failedRequests.isEmpty, "\(report.failedRequests)")
    let m = try #require(try store.fields().first { $0.name == "m" })
    #expect(m.root == elsewhere)
    // A folder inside the dataset stays relative, so the dataset can move as a whole.
    #expect(try store.fields().first { $0.name == "inside" }?.root == "masks")
    let pairs = try store.maskPairs(gt: "ground_truth", pred: "m", sampleIds: nil)
    #expect(pairs.count == 4)
    #expect(pairs.allSatisfy { $0.2.path.hasPrefix(elsewhere + "/") })
    // The folder moves away: a re-import reports it instead of dropping the field.
    try FileManager.default.moveItem(atPath: elsewhere, toPath: elsewhere + "-moved")
    defer { try? FileManager.default.removeItem(atPath: elsewhere + "-moved") }
    let again = try ImgSegImporter(root: root).run(into: store)
    #expect(again.problems.contains { $0.path == elsewhere && $0.problem.contains("folder of field 'm' is missing") }, "\(again.problems)")
    #expect(try store.fields().contains { $0.name == "m" })
  }

  @Test("what was asked for and not found is a failed request naming the folder and why")
  func failedRequests() throws {
    let root = try tempDir("req"), other = try tempDir("frames"), empty = try tempDir("empty")
    defer { for d in [root, other, empty] { try? FileManager.default.removeItem(atPath: d) } }
    try writeSamples(root, n: 3)
    for i in 0..<3 { try FileBytes.writeAtomically(PNGEncoder.encode(LabelMask(width: 16, height: 12)), to: "\(other)/frame_00000\(i).png") }
    let store = try DatasetStore(root: root)
    var importer = ImgSegImporter(root: root, predictions: [("gone", "/no/such/folder"), ("frames", other), ("none", empty), ("ok", "masks")])
    importer.confidences = [("gone", "/no/such/conf")]
    let report = try importer.run(into: store)
    let text = report.failedRequests.joined(separator: "\n")
    #expect(text.contains("--pred gone=/no/such/folder: no such folder"), "\(text)")
    #expect(text.contains("--pred frames=\(other): 0 of 3 mask stems matched an image; first mask stem 'frame_000000' vs first image stem 's0'"), "\(text)")
    #expect(text.contains("--pred none=\(empty): the folder holds no mask files"), "\(text)")
    #expect(text.contains("--conf gone=/no/such/conf"), "\(text)")
    // The rest is imported.
    #expect(report.fields.sorted() == ["ground_truth", "ok"])
    #expect(report.samples == 3)
  }

  @Test("files segscope cannot read are listed once per extension")
  func skippedExtensions() throws {
    let root = try tempDir("skip")
    defer { try? FileManager.default.removeItem(atPath: root) }
    try writeSamples(root, n: 2)
    for i in 0..<12 { try "x".write(toFile: "\(root)/images/extra\(i).bmp", atomically: true, encoding: .utf8) }
    try "x".write(toFile: "\(root)/images/README", atomically: true, encoding: .utf8)
    try "x".write(toFile: "\(root)/masks/s0.gif", atomically: true, encoding: .utf8)
    let store = try DatasetStore(root: root)
    let report = try ImgSegImporter(root: root).run(into: store)
    let text = report.problems.map { "\($0.path): \($0.problem)" }
    #expect(text.contains { $0.hasPrefix("images/: 12 files .bmp skipped: unsupported image format") }, "\(text)")
    #expect(text.contains { $0.hasPrefix("images/: 1 file without an extension skipped") }, "\(text)")
    #expect(text.contains { $0.hasPrefix("masks/: 1 file .gif skipped: unsupported mask format") }, "\(text)")
    #expect(report.samples == 2)
  }

  @Test("class files with CRLF ends, a byte-order mark and trailing blanks; a missing --classes changes nothing")
  func classFiles() throws {
    #expect(ClassNames.parse("\u{FEFF}road \r\nsidewalk\t\r\n\r\ncar\r\n\r\n") == ["road", "sidewalk", "", "car"])
    #expect(ClassNames.parse("a\nb\n") == ["a", "b"])
    let root = try tempDir("cls")
    defer { try? FileManager.default.removeItem(atPath: root) }
    try writeSamples(root, n: 2)
    try "bg\r\nroad\r\ncar\r\n".write(toFile: root + "/classes.txt", atomically: true, encoding: .utf8)
    let store = try DatasetStore(root: root)
    _ = try ImgSegImporter(root: root).run(into: store)
    #expect(try store.fields().first?.classes.filter { !$0.isIgnore }.map(\.name) == ["bg", "road", "car"])
    #expect(throws: (any Error).self) { try ImgSegImporter(root: root, classesFile: "/missing/classes.txt").run(into: store) }
    #expect(try store.fields().first?.classes.filter { !$0.isIgnore }.map(\.name) == ["bg", "road", "car"])
  }
}
