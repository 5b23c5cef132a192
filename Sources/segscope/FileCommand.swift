import AppSession
import CommandOutput
import Workflows
import ArgumentParser
import ImageCodec
import SegmentationCore

/// `segscope file PATH...`: decode image and mask files and say what is in them.
struct FileCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "file",
    abstract: "Decode image or mask files and report format, size, bit depth and mask values.",
    discussion: "Each file is checked on its own; a broken file is reported and the others go on. Exit status 1 if any file failed."
  )

  @Argument(help: "PNG, JPEG or TIFF files.")
  var paths: [String]

  @Option(help: "Refuse images with more pixels than this (decompression bombs).")
  var maxPixels: Int = DecodeLimits.default.maxPixels

  @Flag(help: "One JSON object per file.")
  var json = false

  func run() throws {
    var failed = 0
    let limits = DecodeLimits(maxPixels: maxPixels)
    for path in paths {
      let shown = Sanitize.forTerminal(path)
      do {
        let report = try describe(path, limits: limits)
        print(json ? report.json(path: path) : "\(shown): \(report.text)")
      } catch {
        failed += 1
        let message = Sanitize.forTerminal(error.description)
        if json {
          print((try? JSONOutput.string(["path": path, "error": error.description])) ?? "{}")
        } else {
          Console.stderr("error: \(message)")
        }
      }
    }
    if failed > 0 { throw ExitCode(1) }
  }

  func describe(_ path: String, limits: DecodeLimits) throws(ImageCodecError) -> FileReport { try FileReport.inspect(path, limits: limits) }
}
