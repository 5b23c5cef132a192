import SegmentationCore
import Testing

@Suite("Class histograms")
struct HistogramTests {
  @Test("8- and 16-bit masks of every length modulo 4 count like a plain loop", arguments: [1, 2, 3, 4, 5, 77, 1024, 4099])
  func matchesNaive(n: Int) {
    var rng = SystemRandomNumberGenerator()
    let v8 = (0..<n).map { _ in UInt8.random(in: 0...12, using: &rng) == 12 ? 255 : UInt8.random(in: 0...11, using: &rng) }
    let v16 = (0..<n).map { _ in UInt16.random(in: 0...3, using: &rng) * 1000 }
    for (mask, values) in [(LabelMask(width: n, height: 1, values: v8), v8.map(UInt16.init)), (LabelMask(width: 1, height: n, values16: v16), v16)] {
      var naive: [UInt16: Int] = [:]
      for v in values { naive[v, default: 0] += 1 }
      #expect(mask.histogram() == naive)
    }
  }
}
