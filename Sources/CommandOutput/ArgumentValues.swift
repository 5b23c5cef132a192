import SegmentationCore
import Slices
import Workflows

/// A pixel X,Y typed on the command line (`relabel --at`, `flag --component`).
public struct PixelPoint: Sendable, Equatable {
  public let x: Int
  public let y: Int

  /// "X,Y" (spaces allowed around the numbers); anything else is a usage error.
  public init(parsing text: String) throws {
    guard let v = integers(text, count: 2) else { throw UsageError("takes X,Y, not '\(text)'") }
    (x, y) = (v[0], v[1])
  }
}

/// A rectangle X,Y,W,H in image pixels typed on the command line (`flag --rect`, `relabel --rect`).
public struct PixelRect: Sendable, Equatable {
  public let x: Int
  public let y: Int
  public let width: Int
  public let height: Int

  /// "X,Y,W,H"; anything else is a usage error.
  public init(parsing text: String) throws {
    guard let v = integers(text, count: 4) else { throw UsageError("takes X,Y,W,H, not '\(text)'") }
    (x, y, width, height) = (v[0], v[1], v[2], v[3])
  }

  public var region: MaskRegion { .rect(x: x, y: y, width: width, height: height) }
}

/// An image size WIDTHxHEIGHT, each side 32 to 4096 (`demo --size`).
public struct ImageSize: Sendable, Equatable {
  public let width: Int
  public let height: Int

  public init(width: Int, height: Int) {
    self.width = width
    self.height = height
  }

  public init(parsing text: String) throws {
    let parts = text.split(separator: "x")
    guard parts.count == 2, let w = Int(parts[0]), let h = Int(parts[1]), (32...4096).contains(w), (32...4096).contains(h) else {
      throw UsageError("must look like 320x240 (each side 32 to 4096)")
    }
    (width, height) = (w, h)
  }
}

extension ImageClusters.KChoice {
  /// "auto" or a number of clusters from 1 to 1000 (`clusters --k`).
  public init(parsing text: String) throws {
    if text == "auto" {
      self = .auto
      return
    }
    guard let n = Int(text), (1...1000).contains(n) else { throw UsageError("takes a number from 1 to 1000, or auto") }
    self = .fixed(n)
  }
}

extension ExportFormat {
  /// One of the export formats' names (`export --format`).
  public init(parsing text: String) throws {
    guard let f = ExportFormat(name: text) else { throw UsageError("must be \(ExportFormat.names)") }
    self = f
  }
}

/// Exactly `count` comma-separated integers.
private func integers(_ s: String, count: Int) -> [Int]? {
  let v = s.split(separator: ",", omittingEmptySubsequences: false).map { Int(String($0).trimmingCharacters(in: " ")) }
  guard v.count == count, v.allSatisfy({ $0 != nil }) else { return nil }
  return v.compactMap { $0 }
}
