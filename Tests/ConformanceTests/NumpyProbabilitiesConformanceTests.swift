import Foundation
import ImageCodec
import SegmentationCore
import Testing

/// Probability arrays written by numpy itself read back to the values and the argmax numpy computes;
/// what a reader must refuse (NaN, logits, float64, ints, other shapes, two arrays) is refused with a
/// message naming the file.
@Suite("NumPy probabilities: numpy's own files")
struct NumpyProbabilitiesConformanceTests {
  @Test("np.save / savez / savez_compressed, float16 and float32, C and Fortran order, either endianness, versions 1 and 2")
  func numpyFiles() throws {
    let dir = try OracleRunner.run("numpy_probs_oracle.py")
    defer { try? FileManager.default.removeItem(at: dir) }
    let files = try #require(OracleRunner.json(dir.appendingPathComponent("files.json")) as? [[String: Any]])
    var good = 0, refused = 0
    for f in files {
      let name = try #require(f["name"] as? String)
      let path = dir.appendingPathComponent(name).path
      if f["good"] as? Bool == true {
        let k = try #require(f["classes"] as? Int), h = try #require(f["height"] as? Int), w = try #require(f["width"] as? Int)
        let map = try NumpyProbabilities.read(path: path)
        #expect((map.classes, map.height, map.width) == (k, h, w), "\(name)")
        let header = try ImageHeader.read(path: path)
        #expect((header.width, header.height) == (w, h), "\(name): header")
        let expected = [UInt8](try Data(contentsOf: dir.appendingPathComponent(name + ".argmax")))
        let mask = try ImageLoader.loadMask(path: path)
        let ours = mask.values16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }
        #expect(ours == expected, "\(name): argmax differs from numpy's")
        let samples = try #require(f["sample"] as? [Double])
        let at = [(k - 1) * h * w + (h - 1) * w + (w - 1), 0, (k / 2) * h * w + (h / 2) * w + w / 3]
        // Exact at float32 (JSON carries the double numpy printed; Foundation may parse its last digit differently).
        for (i, j) in at.enumerated() { #expect(map.values[j] == Float(samples[i]), "\(name): value \(i)") }
        good += 1
      } else {
        #expect(throws: ImageCodecError.self, "\(name) must be refused") { _ = try NumpyProbabilities.read(path: path) }
        do {
          _ = try NumpyProbabilities.read(path: path)
        } catch {
          #expect(error.description.hasPrefix(path), "\(name): \(error)")
        }
        refused += 1
      }
    }
    #expect(good == 29 && refused == 8)
  }
}
