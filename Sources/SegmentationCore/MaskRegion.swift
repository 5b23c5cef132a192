/// A part of a mask that a flag or a correction is about: one definition for the store, the app and
/// the command line.
public enum MaskRegion: Sendable, Equatable {
  /// The whole mask.
  case mask
  /// One instance of an instance mask.
  case instance(Int64)
  /// The connected component (same class, 4-connected) containing a pixel.
  case component(x: Int, y: Int)
  /// A rectangle in image pixels.
  case rect(x: Int, y: Int, width: Int, height: Int)

  /// The rectangle spanned by two corners, both included.
  public static func spanning(_ a: (x: Int, y: Int), _ b: (x: Int, y: Int)) -> MaskRegion {
    .rect(x: min(a.x, b.x), y: min(a.y, b.y), width: abs(a.x - b.x) + 1, height: abs(a.y - b.y) + 1)
  }

  /// How the status bar names it.
  public var text: String {
    switch self {
    case .mask: return "whole mask"
    case .instance(let id): return "instance \(id)"
    case .component(let x, let y): return "component at \(x),\(y)"
    case .rect(let x, let y, let w, let h): return "rect \(x),\(y) \(w)x\(h)"
    }
  }
}
