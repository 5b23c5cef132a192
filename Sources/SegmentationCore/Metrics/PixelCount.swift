/// Bounds on pixel counts read back from files segscope wrote (parts, stored blobs): no mask it can
/// decode has more pixels than this, so a larger count is damage. Keeping every stored count under it
/// also keeps sums over millions of samples far from overflowing.
public enum PixelCount {
  /// 2^36 pixels (68.7 G), far above the decoders' limit of 200 M pixels per image.
  public static let plausibleMax: UInt64 = 1 << 36
}
