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

  @Test("runs of every length, as masks have them, count like a plain loop")
  func runs() {
    var rng = SystemRandomNumberGenerator()
    for _ in 0..<50 {
      var v: [UInt8] = []
      while v.count < 3000 { v += Array(repeating: UInt8.random(in: 0...5, using: &rng) * 40, count: Int.random(in: 1...40, using: &rng)) }
      var naive: [UInt16: Int] = [:]
      for x in v { naive[UInt16(x), default: 0] += 1 }
      #expect(LabelMask(width: v.count, height: 1, values: v).histogram() == naive)
    }
    #expect(LabelMask(width: 16, height: 16, fill: 7).histogram() == [7: 256])
  }
}
