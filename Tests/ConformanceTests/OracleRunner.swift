import Foundation
import TestSupport

/// Runs a Python reference script (numpy, pycocotools) that writes its inputs and expected numbers
/// into a fresh folder. Fails loudly when python3 or a module is missing: CI installs them.
enum OracleRunner {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Conformance")

  /// Runs `script` with a time limit; its output goes to files (a pipe nobody reads would fill and
  /// block the oracle).
  static func run(_ script: String, args: [String] = [], seconds: Int = 600) throws -> URL {
    let out = FileManager.default.temporaryDirectory.appendingPathComponent("segscope-oracle-" + UUID().uuidString)
    try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    let r = try Shell.run(["python3", root.appendingPathComponent(script).path, out.path] + args, seconds: seconds)
    if r.status != 0 {
      throw OracleError(message: "\(script) failed (\(r.status == 124 ? "timed out after \(seconds) s" : "exit \(r.status)")): \(r.err.suffix(4000))")
    }
    return out
  }

  static func json(_ url: URL) throws -> Any {
    try JSONSerialization.jsonObject(with: Data(contentsOf: url))
  }
}

struct OracleError: Error, CustomStringConvertible {
  let message: String
  var description: String { message }
}

/// Equal within 1e-9, NaN (JSON null) equal to NaN.
func agrees(_ ours: Double, _ reference: Any?, tolerance: Double = 1e-9) -> Bool {
  guard let r = reference as? Double ?? (reference as? NSNumber)?.doubleValue else { return ours.isNaN }
  if ours.isNaN { return false }
  return abs(ours - r) <= tolerance * max(1, abs(r))
}
