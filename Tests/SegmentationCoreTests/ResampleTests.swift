import SegmentationCore
import Testing

@Suite("Resample: area when shrinking, bilinear when growing")
struct ResampleTests {
  func gray(_ values: [UInt8], width: Int) -> RGBImage {
    RGBImage(width: width, height: values.count / width, pixels: values.flatMap { [$0, $0, $0] })
  }

  func reds(_ img: RGBImage) -> [UInt8] { stride(from: 0, to: img.pixels.count, by: 3).map { img.pixels[$0] } }

  @Test("a fractional ratio weighs the source pixel shared by two outputs by the part each covers")
  func fractionalArea() {
    // 3 -> 2: each output covers 1.5 source pixels: (0*1 + 90*0.5) / 1.5 = 30, (90*0.5 + 240) / 1.5 = 190.
    #expect(reds(Resample.area(gray([0, 90, 240], width: 3), width: 2, height: 1)) == [30, 190])
    // 5 -> 2 down a column: (0 + 0 + 100 * 0.5) / 2.5 = 20 and (100 * 0.5 + 200 + 200) / 2.5 = 180.
    let column = Resample.area(gray([0, 0, 100, 200, 200], width: 1), width: 1, height: 2)
    #expect(reds(column) == [20, 180])
  }

  @Test("an integer ratio is a plain block average, and the same size is the image itself")
  func integerRatio() {
    #expect(reds(Resample.area(gray([10, 20, 30, 40], width: 4), width: 2, height: 1)) == [15, 35])
    let img = gray([1, 2, 3, 4, 5, 6], width: 3)
    #expect(Resample.area(img, width: 3, height: 2) == img)
  }

  @Test("growing interpolates between pixel centres and keeps the edges")
  func bilinear() {
    // 2 -> 4: centres at -0.25, 0.25, 0.75, 1.25 in source pixels.
    #expect(reds(Resample.area(gray([0, 200], width: 2), width: 4, height: 1)) == [0, 50, 150, 200])
  }

  @Test("a flat picture stays flat at any size")
  func flat() {
    let img = RGBImage(width: 7, height: 5, pixels: [UInt8](repeating: 77, count: 7 * 5 * 3))
    for (w, h) in [(3, 2), (13, 11), (1, 1), (7, 3)] {
      #expect(Resample.area(img, width: w, height: h).pixels.allSatisfy { $0 == 77 }, "\(w)x\(h)")
    }
  }
}
