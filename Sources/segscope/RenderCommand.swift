import AppSession
import Workflows
import ArgumentParser
import TerminalBackend
import TerminalRender

#if canImport(Glibc)
  import Glibc
#endif

/// `segscope render`: print an image with its mask, prediction and error map to stdout.
struct RenderCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "render",
    abstract: "Print an image with mask overlays and an error map to the terminal (sixel, kitty or half-blocks).",
    discussion: "Works in any terminal and in scripts: with stdout not a terminal, half-blocks are printed unless --graphics says otherwise."
  )
  @Argument(help: "The image (PNG or JPEG).") var image: String
  @Option(help: "A ground-truth label mask (PNG) drawn over the image.") var mask: String?
  @Option(help: "A predicted label mask (PNG), shown in its own panel.") var pred: String?
  @Flag(help: "Add an error map (needs --mask and --pred): green correct, red wrong, grey ignored.") var error = false
  @Option(help: "Restrict the error map to one class id (TP green, FP red, FN orange).") var errorClass: UInt16?
  @Option(help: "sixel, kitty, halfblock or ascii (default: what the terminal supports).") var graphics: TerminalCapabilities.Graphics?
  @Option(help: "truecolor, 256, 16 or none (default: from the terminal; NO_COLOR is honoured).") var colors: ColorMode?
  @Option(help: "Width in terminal columns (default: the terminal's width, or 80).") var cols: Int?
  @Option(help: "Overlay opacity from 0 to 1.") var alpha: Double = 0.5
  @Option(help: "Ignore value drawn as void (repeatable).") var ignoreIndex: [UInt16] = [255]
  @Option(help: "Class names, one per line (line i names value i): a class 0 named background is left transparent, as in the app.") var classes: String?
  @Flag(help: "Paint the background class too (the app's B).") var paintBackground = false

  func validate() throws {
    if error && (mask == nil || pred == nil) { throw ValidationError("--error needs both --mask and --pred") }
    if let c = cols, c < 8 || c > 2000 { throw ValidationError("--cols must be between 8 and 2000") }
    if !(0...1).contains(alpha) { throw ValidationError("--alpha must be between 0 and 1") }
  }

  func run() throws {
    let tty = isatty(1) != 0
    let caps = AppLaunch.capabilities(graphics: graphics, colors: colors, probe: tty)
    var render = SampleRender(
      image: image, groundTruth: mask, prediction: pred, errorMap: error, errorClass: errorClass, alpha: alpha, ignore: Set(ignoreIndex))
    if let classes { try render.readClassNames(classes) }
    render.paintBackground = paintBackground
    Terminal.writeRaw(PanelLayout.render(try render.panels(), columns: cols ?? (tty ? caps.columns : 80), caps: caps))
  }
}
