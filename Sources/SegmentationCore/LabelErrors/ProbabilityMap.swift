/// Per-pixel class probabilities: a model's softmax output, K planes of height x width (cleanlab's
/// per-image layout, (K, H, W)).
public struct ProbabilityMap: Sendable {
  public let classes: Int
  public let width: Int
  public let height: Int
  /// Plane-major: `values[k * width * height + y * width + x]`.
  public let values: [Float]

  public init(classes: Int, width: Int, height: Int, values: [Float]) {
    precondition(values.count == classes * width * height, "ProbabilityMap: \(values.count) values for \(classes)x\(height)x\(width)")
    self.classes = classes
    self.width = width
    self.height = height
    self.values = values
  }

  /// The most probable class of each pixel (the first on ties, as numpy's argmax).
  public func argmax() -> LabelMask {
    let n = width * height
    var best = [UInt16](repeating: 0, count: n)
    values.withUnsafeBufferPointer { v in
      var top = [Float](v[0..<n])
      for k in 1..<max(1, classes) {
        let plane = k * n
        for i in 0..<n where v[plane + i] > top[i] {
          top[i] = v[plane + i]
          best[i] = UInt16(k)
        }
      }
    }
    if classes <= 256 { return LabelMask(width: width, height: height, values: best.map { UInt8(truncatingIfNeeded: $0) }) }
    return LabelMask(width: width, height: height, values16: best)
  }
}
