import DatasetStore
import Foundation
import SegmentationCore
import Testing

@Suite("Matrix blobs: the smallest of dense, SPM1 and varint cells, read back exactly")
struct MatrixBlobTests {
  static func random(k: Int, cells: Int, outside: Bool, seed: UInt64) -> ConfusionMatrix {
    var rng = seed
    func next() -> UInt64 {
      rng = rng &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
      return rng >> 17
    }
    var m = ConfusionMatrix(classCount: k)
    for _ in 0..<cells { m[Int(next() % UInt64(k)), Int(next() % UInt64(k + 1))] &+= next() % 100_000 + 1 }
    if outside { m.outside[Int(next() % UInt64(k + 1))] = next() % 1000 + 1 }
    // A large count (as large as a stored one may be), to exercise long varints.
    m[0, 0] &+= PixelCount.plausibleMax / 2
    return m
  }

  @Test("random matrices, dense and sparse, with and without outside rows, round-trip exactly")
  func roundTrip() throws {
    for (i, (k, cells)) in [(1, 1), (4, 3), (19, 40), (19, 380), (64, 200), (65, 30), (300, 500), (2000, 90)].enumerated() {
      for outside in [false, true] {
        let m = Self.random(k: k, cells: cells, outside: outside, seed: UInt64(i * 2 + (outside ? 1 : 0)))
        let blob = MatrixBlob.encode(m)
        let back = try #require(MatrixBlob.decode(Array(blob), classCount: k), "k \(k) cells \(cells)")
        #expect(back.counts == m.counts && back.outside.filter { $0.value != 0 } == m.outside.filter { $0.value != 0 }, "k \(k) cells \(cells)")
        // Never larger than the dense form.
        if m.isDense { #expect(blob.count <= (outside ? k + 1 : k) * (k + 1) * 8) }
        // A count no mask can have is damage: read as nothing, so no sum over it can overflow.
        var huge = m
        huge[0, 0] &+= UInt64.max / 3
        #expect(MatrixBlob.decode(Array(MatrixBlob.encode(huge)), classCount: k) == nil, "k \(k) cells \(cells)")
      }
    }
  }

  @Test("a typical segmentation sample (19 classes, 45 cells) takes a tenth of its dense size")
  func compact() {
    let m = Self.random(k: 19, cells: 45, outside: false, seed: 9)
    let size = MatrixBlob.encode(m).count
    #expect(size < 3040 / 8, "\(size) bytes")
  }

  @Test(
    "damaged varint blobs are refused, not misread",
    arguments: [
      [0x53, 0x50, 0x56, 0x31, 0x85] as [UInt8],  // truncated varint
      [0x53, 0x50, 0x56, 0x31, 0x01],  // a key without its count
      [0x53, 0x50, 0x56, 0x31, 0x7F, 0x01],  // key 127 outside a 4-class matrix (25 cells)
      [0x53, 0x50, 0x56, 0x31, 0x01, 0x01, 0x00, 0x01],  // a repeated key (delta 0)
      [0x53, 0x50, 0x56, 0x31] + [UInt8](repeating: 0xFF, count: 11),  // an overlong varint
    ])
  func damaged(_ bytes: [UInt8]) {
    #expect(MatrixBlob.decode(bytes, classCount: 4) == nil)
  }

  @Test("blobs written before this form still read: dense and SPM1")
  func oldForms() throws {
    var m = ConfusionMatrix(classCount: 3)
    m[0, 0] = 5
    m[2, 3] = 7
    var dense = Data()
    for v in m.counts { withUnsafeBytes(of: v.littleEndian) { dense.append(contentsOf: $0) } }
    #expect(MatrixBlob.decode(Array(dense), classCount: 3)?.counts == m.counts)
    var spm = Data("SPM1".utf8)
    for v: UInt64 in [0, 5, 11, 7] { withUnsafeBytes(of: v.littleEndian) { spm.append(contentsOf: $0) } }
    #expect(MatrixBlob.decode(Array(spm), classCount: 3)?.counts == m.counts)
  }
}
