import Foundation

/// Runs a Python reference script (numpy, pycocotools) that writes its inputs and expected numbers
/// into a fresh folder. Fails loudly when python3 or a module is missing: CI installs them.
enum OracleRunner {
  static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Conformance")

  static func run(_ script: String, args: [String] = []) throws -> URL {
    let out = FileManager.default.temporaryDirectory.appendingPathComponent("segscope-oracle-" + UUID().uuidString)
    try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", root.appendingPathComponent(script).path, out.path] + args
    let errPipe = Pipe()
    p.standardError = errPipe
    p.standardOutput = Pipe()
    try p.run()
    p.waitUntilExit()
    if p.terminationStatus != 0 {
      let err = String(decoding: errPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
      throw OracleError(message: "\(script) failed (\(p.terminationStatus)): \(err)")
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
