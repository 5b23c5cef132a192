import Foundation
import TestSupport
import Testing

/// The example predictors of examples/predictors through `segscope predict`: the numpy Otsu baseline
/// on synthetic nuclei (with their masks, so its mIoU is known), and MediaPipe's pretrained selfie
/// segmenter on a real photo, when the venv `./run.sh test` makes (.build/mediapipe-venv) is there.
@Suite("Example predictors through segscope predict")
struct PredictExampleTests {
  static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
  static let mediapipePython: String? = {
    let candidates = [ProcessInfo.processInfo.environment["SEGSCOPE_MEDIAPIPE_PYTHON"], repo + "/.build/mediapipe-venv/bin/python"].compactMap { $0 }
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0) && (try? Shell.run([$0, "-c", "import mediapipe"]))?.status == 0 }
  }()

  static func folder(_ name: String) throws -> String {
    let d = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-" + UUID().uuidString).path
    for sub in ["data", "labels"] { try FileManager.default.createDirectory(atPath: d + "/" + sub, withIntermediateDirectories: true) }
    return d
  }

  @Test("Otsu + connected components on synthetic nuclei: imported, and evaluated against the true masks")
  func otsuNuclei() throws {
    let d = try Self.folder("nuclei")
    defer { try? FileManager.default.removeItem(atPath: d) }
    // Bright noisy disks on a dark noisy background, their masks, and two specks too small to keep.
    let make = """
      import numpy as np, sys
      from PIL import Image
      rng = np.random.default_rng(3)
      for i in range(4):
          h, w = 96, 128
          yy, xx = np.mgrid[:h, :w]
          mask = np.zeros((h, w), np.uint8)
          for _ in range(6):
              cy, cx, r = rng.integers(12, h - 12), rng.integers(12, w - 12), rng.integers(5, 11)
              mask[(yy - cy) ** 2 + (xx - cx) ** 2 <= r * r] = 1
          # Uneven light and heavy noise, so that a global threshold is not trivially right.
          img = np.where(mask == 1, 150, 60) + 0.4 * xx + rng.normal(0, 30, (h, w))
          img[2, 2] = img[2, 3] = 255
          Image.fromarray(np.clip(img, 0, 255).astype(np.uint8)).convert("RGB").save(f"{sys.argv[1]}/data/cell{i}.png")
          Image.fromarray(mask).save(f"{sys.argv[1]}/labels/cell{i}.png")
      open(f"{sys.argv[1]}/classes.txt", "w").write("background\\nnucleus\\n")
      """
    let r = try Shell.run(["python3", "-c", make, d])
    try #require(r.status == 0, "\(r.err)")
    #expect(try Shell.run([Binary.path, "import", d]).status == 0)
    let p = try Shell.run([
      Binary.path, "predict", d, "--name", "otsu", "--cmd", "python3 \(Self.repo)/examples/predictors/otsu_nuclei.py {manifest} --min-area 10",
    ])
    #expect(p.status == 0, "\(p.err)")
    #expect(String(decoding: p.out, as: UTF8.self).contains("otsu: 4 of 4 samples imported; 4 confidence maps"))
    let e = try Shell.run([Binary.path, "eval", d, "--pred", "otsu", "--format", "json"])
    let report = try #require(JSONSerialization.jsonObject(with: e.out) as? [String: Any])
    let miou = try #require(report["mIoU"] as? Double)
    print("Otsu baseline on synthetic nuclei: mIoU \(miou)")
    #expect(miou > 0.5 && miou < 1, "mIoU \(miou)")
  }

  @Test(
    "MediaPipe's selfie segmenter (weights inside the mediapipe wheel) on a real photo",
    .enabled(
      if: mediapipePython != nil,
      "needs a Python with mediapipe: ./run.sh test makes .build/mediapipe-venv (pip install mediapipe), or set SEGSCOPE_MEDIAPIPE_PYTHON"))
  func mediapipeSelfie() throws {
    let python = try #require(Self.mediapipePython)
    let d = try Self.folder("selfie")
    defer { try? FileManager.default.removeItem(atPath: d) }
    try FileManager.default.copyItem(atPath: Self.repo + "/Tests/Fixtures/photos/grace_hopper.jpg", toPath: d + "/data/hopper.jpg")
    try "background\nperson\n".write(toFile: d + "/classes.txt", atomically: true, encoding: .utf8)
    #expect(try Shell.run([Binary.path, "import", d]).status == 0)
    let p = try Shell.run([
      Binary.path, "predict", d, "--name", "selfie", "--cmd", "\(python) \(Self.repo)/examples/predictors/mediapipe_selfie.py {manifest} --person-class 1",
    ])
    #expect(p.status == 0, "\(p.err)")
    #expect(String(decoding: p.out, as: UTF8.self).contains("selfie: 1 of 1 samples imported"))
    // The person is in the middle of the portrait; the flag in the top-left corner is not.
    let check = """
      import numpy as np, sys
      from PIL import Image
      m = np.array(Image.open(sys.argv[1]))
      print(m.shape[1], m.shape[0], round(float((m == 1).mean()), 3), int(m[230, 256]), int(m[10, 10]))
      """
    let c = try Shell.run(["python3", "-c", check, d + "/.segscope/predictions/selfie/data/hopper.png"])
    let v = String(decoding: c.out, as: UTF8.self).split(separator: " ").map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
    try #require(v.count == 5, "\(c.err)")
    #expect(v[0] == "512" && v[1] == "600")
    let share = Double(v[2]) ?? 0
    #expect(share > 0.3 && share < 0.85, "person share \(share)")
    #expect(v[3] == "1" && v[4] == "0", "face \(v[3]), corner \(v[4])")
  }
}
