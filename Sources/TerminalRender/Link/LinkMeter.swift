/// How much picture data the link to the terminal can take: `--bandwidth auto|KBPS`.
public enum Bandwidth: Equatable, Sendable {
  /// Measured from how long picture writes take.
  case auto
  /// Given by the user, in KB/s.
  case fixed(kbps: Double)

  /// Below this many KB/s pictures fall back to half-blocks: one sample view in sixel (about 300 KB
  /// at 140x45) would take longer than five seconds.
  public static let halfBlocksBelow = 64.0

  /// "auto", or KB/s (a positive number).
  public init?(_ text: String) {
    let t = String(text.filter { !$0.isWhitespace })
    if t.lowercased() == "auto" {
      self = .auto
      return
    }
    guard let v = Double(t), v.isFinite, v > 0 else { return nil }
    self = .fixed(kbps: v)
  }

  /// Whether a link of `kbps` should draw half-blocks instead of pixels.
  public static func tooSlowForPixels(_ kbps: Double) -> Bool { kbps < halfBlocksBelow }
}

/// Link throughput measured from write completion. Writing to a terminal blocks once the buffers
/// between the program and the screen are full (the pty, ssh's socket), so a large picture write's
/// bytes over its time approach what the link carries; a write the buffers absorb counts as fast.
/// Only writes of at least `minimumBytes` count; the estimate is a moving average, and a verdict
/// needs `minimumSamples` of them.
public struct LinkMeter: Sendable, Equatable {
  public static let minimumBytes = 16 * 1024
  public static let minimumSamples = 2
  /// KB/s, once measured.
  public private(set) var estimate: Double?
  public private(set) var samples = 0

  public init() {}

  /// One write (or the picture writes of one frame): `bytes` taking `seconds`.
  public mutating func record(bytes: Int, seconds: Double) {
    guard bytes >= Self.minimumBytes, seconds.isFinite, seconds >= 0 else { return }
    let kbps = Double(bytes) / 1024 / max(seconds, 0.001)
    estimate = estimate.map { 0.5 * $0 + 0.5 * kbps } ?? kbps
    samples += 1
  }

  /// The link is measured, and too slow for pixels.
  public var isTooSlow: Bool {
    guard samples >= Self.minimumSamples, let e = estimate else { return false }
    return Bandwidth.tooSlowForPixels(e)
  }
}
