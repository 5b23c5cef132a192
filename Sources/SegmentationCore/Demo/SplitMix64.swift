/// A small, fast, seedable random number generator (SplitMix64): the same seed gives the same
/// sequence on every machine, which keeps the demo dataset and randomized tests reproducible.
public struct SplitMix64: RandomNumberGenerator, Sendable {
  private var state: UInt64

  public init(seed: UInt64) {
    state = seed
  }

  public mutating func next() -> UInt64 {
    state &+= 0x9E37_79B9_7F4A_7C15
    var z = state
    z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
    z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
    return z ^ (z >> 31)
  }

  /// A double in [0, 1).
  public mutating func unit() -> Double {
    Double(next() >> 11) / Double(1 << 53)
  }

  /// A double in [lo, hi).
  public mutating func uniform(_ lo: Double, _ hi: Double) -> Double {
    lo + (hi - lo) * unit()
  }

  /// An int in [lo, hi].
  public mutating func int(_ lo: Int, _ hi: Int) -> Int {
    lo + Int(next() % UInt64(hi - lo + 1))
  }

  /// True with probability p.
  public mutating func chance(_ p: Double) -> Bool {
    unit() < p
  }
}
