import Foundation
import ImageCodec
import SegmentationCore
import TerminalRender

/// An image with its ground truth, a prediction and an error map, as panels for `PanelLayout` (the
/// `render` command): files read and checked here, pictures built at whatever size the layout picks.
public struct SampleRender: Sendable {
  public var image: String
  public var groundTruth: String?
  public var prediction: String?
  public var errorMap = false
  /// Restrict the error map to one class (TP green, FP red, FN orange).
  public var errorClass: UInt16?
  public var alpha = 0.5
  public var ignore: Set<UInt16> = [255]
  /// Class names by value (`render --classes FILE`): a class 0 named background stays transparent,
  /// as in the app, unless `paintBackground`.
  public var classNames: [String] = []
  public var paintBackground = false

  public init(image: String, groundTruth: String?, prediction: String?, errorMap: Bool, errorClass: UInt16?, alpha: Double, ignore: Set<UInt16>) {
    self.image = image
    self.groundTruth = groundTruth
    self.prediction = prediction
    self.errorMap = errorMap
    self.errorClass = errorClass
    self.alpha = alpha
    self.ignore = ignore
  }

  /// Class names from a file, one per line (line i names value i).
  public mutating func readClassNames(_ file: String) throws {
    guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
      throw RenderError(message: "--classes \(Sanitize.forTerminal(file)): cannot read the file")
    }
    classNames = text.split(separator: "\n", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: .whitespacesAndNewlines) }
  }

  public func panels() throws -> [Panel] {
    let ignore = self.ignore, errorClass = self.errorClass
    let photo = try ImageLoader.loadImage(path: image).image
    let palette = ClassPalette()
    func checked(_ path: String) throws -> LabelMask {
      let m = try ImageLoader.loadMask(path: path)
      guard m.width == photo.width, m.height == photo.height else {
        throw RenderError(message: "\(Sanitize.forTerminal(path)): mask is \(m.width)x\(m.height) but the image is \(photo.width)x\(photo.height)")
      }
      return m
    }
    let gt = try groundTruth.map(checked)
    let pr = try prediction.map(checked)
    var panels: [Panel] = []
    let background = paintBackground ? nil : BackgroundClass.value(names: classNames)
    let overlay = MaskComposer.Overlay(alpha: alpha, hidden: background.map { [$0] } ?? [], ignore: ignore)
    panels.append(
      Panel(
        title: gt == nil ? "image" : "image + ground truth",
        build: { w, h in
          let small = Resample.area(photo, width: w, height: h)
          guard let gt else { return ComposedImage(image: small) }
          return MaskComposer.overlay(small, Resample.majority(gt, width: w, height: h), palette: palette, options: overlay.sized(w))
        }, sourceWidth: photo.width, sourceHeight: photo.height))
    if let pr {
      panels.append(
        Panel(
          title: "prediction",
          build: { w, h in
            MaskComposer.overlay(
              Resample.area(photo, width: w, height: h), Resample.majority(pr, width: w, height: h), palette: palette, options: overlay.sized(w))
          }, sourceWidth: photo.width, sourceHeight: photo.height))
    }
    if errorMap, let gt, let pr {
      let title = errorClass.map { "errors for class \($0): TP FP FN" } ?? "errors: correct / wrong / ignored"
      panels.append(
        Panel(
          title: title,
          build: { w, h in
            MaskComposer.errorMap(
              gt: Resample.majority(gt, width: w, height: h), pred: Resample.majority(pr, width: w, height: h), ignore: ignore, classId: errorClass)
          }, sourceWidth: photo.width, sourceHeight: photo.height))
    }
    return panels
  }
}

public struct RenderError: Error, CustomStringConvertible {
  public let message: String
  public var description: String { message }
}

extension MaskComposer.Overlay {
  /// Outlines only where there is room for them: below 160 pixels they hide the picture.
  func sized(_ width: Int) -> MaskComposer.Overlay {
    var o = self
    o.outlines = outlines && width >= 160
    return o
  }
}
