/// Brightness and contrast, made with the signature (slice candidates: dark, bright, flat, contrasty).
extension ImageSignature {
  /// Mean and standard deviation of grey values 0...255, scaled to [0, 1].
  static func lumaMoments(_ grey: [Float]) -> (Float, Float) {
    guard !grey.isEmpty else { return (0, 0) }
    var sum: Double = 0, squares: Double = 0
    for g in grey {
      sum += Double(g)
      squares += Double(g) * Double(g)
    }
    let n = Double(grey.count)
    let mean = sum / n
    let variance = max(0, squares / n - mean * mean)
    return (Float(mean / 255), Float(variance.squareRoot() / 255))
  }
}
