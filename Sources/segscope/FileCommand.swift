import CommandOutput
import ArgumentParser
import ImageCodec

/// `segscope file PATH...`: decode image and mask files and say what is in them.
struct FileCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "file",
    abstract: "Decode image or mask files and report format, size, bit depth and mask values.",
    discussion: "Each file is checked on its own; a broken file is reported and the others go on. Exit status 1 if any file failed."
  )
  @Argument(help: "PNG, JPEG or TIFF files.") var paths: [String]
  @Option(help: "Refuse images with more pixels than this (decompression bombs).") var maxPixels: Int = DecodeLimits.default.maxPixels
  @Flag(help: "One JSON object per file.") var json = false

  func run() throws {
    try Console.emit(PipelineOutput.describeFiles(paths, limits: DecodeLimits(maxPixels: maxPixels), format: json ? .json : .table))
  }
}
