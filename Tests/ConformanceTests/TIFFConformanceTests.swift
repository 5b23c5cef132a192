import DatasetImport
import DatasetStore
import Foundation
import ImageCodec
import SegmentationCore
import Testing

/// TIFF images and masks written by tifffile and Pillow decode to the values numpy reads from them.
@Suite("TIFF through libtiff equals numpy/tifffile")
struct TIFFConformanceTests {
  @Test("every layout and compression decodes to the samples tifffile reads; a dataset's pixel counts equal numpy's")
  func filesAndDataset() throws {
    let dir = try OracleRunner.run("tiff_oracle.py")
    defer { try? FileManager.default.removeItem(at: dir) }
    let files = try #require(OracleRunner.json(dir.appendingPathComponent("files.json")) as? [[String: Any]])
    #expect(files.count >= 20)
    for f in files {
      let name = try #require(f["name"] as? String)
      let w = try #require(f["width"] as? Int), h = try #require(f["height"] as? Int)
      let ch = try #require(f["channels"] as? Int), bits = try #require(f["bits"] as? Int)
      let path = dir.appendingPathComponent("files/\(name).tif").path
      let expected = [UInt8](try Data(contentsOf: dir.appendingPathComponent("files/\(name).bin")))
      let t = try TIFFDecoder.decode(FileBytes.read(path), path: path)
      #expect(t.width == w && t.height == h && t.channels == ch && t.bitDepth == bits, "\(name): \(t.width)x\(t.height)x\(t.channels) \(t.bitDepth)-bit")
      switch t.samples {
      case .u8(let v): #expect(v == expected, "\(name): 8-bit samples differ")
      case .u16(let v):
        let le = v.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        #expect(le == expected, "\(name): 16-bit samples differ")
      }
      // Single-channel files are masks too, with exact values; the header agrees with the decode.
      let header = try ImageHeader.read(path: path)
      #expect(header.format == .tiff && header.width == w && header.height == h && header.bitDepth == bits)
      if ch == 1 {
        let mask = try ImageLoader.loadMask(path: path)
        #expect(mask.width == w && mask.values16.count == w * h)
      }
    }

    // A microscopy + remote-sensing dataset: 16-bit gray and RGB TIFF images, 8- and 16-bit TIFF masks.
    let root = dir.appendingPathComponent("dataset").path
    let store = try DatasetStore(root: root)
    let report = try ImgSegImporter(root: root).run(into: store)
    #expect(report.samples == 6 && report.unlabeled == 0)
    #expect(report.problems.isEmpty, "\(report.problems)")
    let (indexed, problems) = try HistogramIndexer(store: store).run()
    #expect(indexed == 6 && problems.isEmpty, "\(problems)")
    let counts = try #require(OracleRunner.json(dir.appendingPathComponent("counts.json")) as? [String: Int])
    let ours = try HistogramIndexer(store: store).totals()["ground_truth"] ?? [:]
    #expect(Dictionary(uniqueKeysWithValues: ours.map { (String($0.key), $0.value.pixels) }) == counts)

    // 16-bit microscopy images are shown contrast-stretched: the cells are bright, not near black.
    let shown = try ImageLoader.loadImage(path: root + "/images/cells_0.tif").image
    #expect(shown.pixels.max() == 255 && shown.pixels.min() == 0)
  }

  @Test("truncated, garbage, multi-page and float TIFFs give a clear error naming the file; the pixel limit holds")
  func badFiles() throws {
    let dir = try OracleRunner.run("tiff_oracle.py")
    defer { try? FileManager.default.removeItem(at: dir) }
    func error(_ name: String, limits: DecodeLimits = .default, mask: Bool = true) -> String {
      let path = dir.appendingPathComponent(name).path
      do {
        if mask { _ = try ImageLoader.loadMask(path: path, limits: limits) } else { _ = try ImageLoader.loadImage(path: path, limits: limits) }
        return "no error"
      } catch {
        return error.description
      }
    }
    #expect(error("bad/truncated.tif").contains("bad/truncated.tif: corrupt or truncated image"))
    #expect(error("bad/garbage.tif").contains("bad/garbage.tif: corrupt or truncated image"))
    #expect(error("bad/stack.tif").contains("multi-page TIFF"))
    #expect(error("bad/float.tif").contains("floating-point TIFF samples"))
    #expect(error("files/rgb8_none.tif").contains("label masks must have one channel"))
    #expect(error("files/gray16_none.tif", limits: DecodeLimits(maxPixels: 1000)).contains("over the limit of 1000 pixels"))
    #expect(error("files/rgb8_tiled.tif", limits: DecodeLimits(maxPixels: 1000), mask: false).contains("over the limit of 1000 pixels"))
    // The import reports them per file and goes on.
    let root = dir.appendingPathComponent("dataset").path
    for (i, name) in ["truncated", "garbage", "stack", "float"].enumerated() {
      try FileManager.default.copyItem(atPath: dir.appendingPathComponent("bad/\(name).tif").path, toPath: root + "/images/bad_\(i).tif")
    }
    let store = try DatasetStore(root: root)
    let report = try ImgSegImporter(root: root).run(into: store)
    // The truncated file's header is whole (like a truncated PNG, it fails when decoded); the others
    // are refused at the header.
    #expect(report.samples == 7)
    let text = report.problems.map { "\($0.path): \($0.problem)" }.joined(separator: "\n")
    #expect(text.contains("images/bad_1.tif: corrupt or truncated image"), "\(text)")
    #expect(text.contains("images/bad_2.tif: multi-page TIFF"), "\(text)")
    #expect(text.contains("images/bad_3.tif: floating-point TIFF samples"), "\(text)")
  }
}
