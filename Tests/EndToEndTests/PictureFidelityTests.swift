import Foundation
import TestSupport
import Testing

/// segscope's terminal pictures of a real photo against img2sixel (sixel) and chafa (half-blocks), both
/// measured as PSNR against the photo box-resized to the same size (Tests/Conformance/picture_psnr.py
/// decodes the sixels with ImageMagick and rebuilds the half-blocks into pixels).
@Suite("Pictures of a real photo: at least as faithful as img2sixel and chafa")
struct PictureFidelityTests {
  static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

  @Test("sixel and half-blocks at 30 and 80 columns")
  func psnrAgainstReferenceTools() throws {
    let out = FileManager.default.temporaryDirectory.appendingPathComponent("segscope-psnr-" + UUID().uuidString)
    defer { try? FileManager.default.removeItem(at: out) }
    let script = Self.repo.appendingPathComponent("Tests/Conformance/picture_psnr.py").path
    let photo = Self.repo.appendingPathComponent("Tests/Fixtures/photos/grace_hopper.jpg").path
    let r = try Shell.run(["python3", script, Binary.path, photo, out.path, "30", "80"], seconds: 300)
    #expect(r.status == 0, "picture_psnr.py failed: \(r.err.suffix(2000))")
    let data = try Data(contentsOf: out.appendingPathComponent("psnr.json"))
    let rows = try #require(JSONSerialization.jsonObject(with: data) as? [[String: Any]])
    #expect(rows.count == 4)
    for row in rows {
      let kind = row["kind"] as? String ?? "?", cols = row["columns"] as? Int ?? 0
      let ours = try #require(row["segscope"] as? Double), theirs = try #require(row["reference"] as? Double)
      print("\(kind) at \(cols) columns: segscope \(ours) dB, \(row["tool"] ?? "?") \(theirs) dB")
      #expect(ours >= theirs, "\(kind) at \(cols) columns: segscope \(ours) dB is below \(row["tool"] ?? "?")'s \(theirs) dB")
      // A picture that is not the photo at all scores well under 20 dB.
      #expect(ours > 28, "\(kind) at \(cols) columns: \(ours) dB")
    }
  }
}
