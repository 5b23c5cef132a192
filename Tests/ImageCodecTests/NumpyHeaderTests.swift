import Foundation
import ImageCodec
import SegmentationCore
import Testing

/// `.npy` headers written by hand, whole and damaged: every damage is an error naming the file,
/// never a crash or a wrong array.
@Suite("NumPy .npy/.npz headers, whole and damaged")
struct NumpyHeaderTests {
  /// A version-1 .npy of float32 values with `dict` as its header (padded as numpy pads it).
  static func npy(_ dict: String, values: [Float], version: UInt8 = 1) -> [UInt8] {
    var header = Array(dict.utf8)
    let prefix = version == 1 ? 10 : 12
    while (prefix + header.count + 1) % 64 != 0 { header.append(0x20) }
    header.append(0x0A)
    var out: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59, version, 0]
    let n = header.count
    out += version == 1 ? [UInt8(n & 0xFF), UInt8(n >> 8)] : [UInt8(n & 0xFF), UInt8((n >> 8) & 0xFF), 0, 0]
    out += header
    for v in values { withUnsafeBytes(of: v.bitPattern.littleEndian) { out += $0 } }
    return out
  }

  static let good = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1, 3), }"
  /// Two classes over 1x3 pixels: class 1 wins at pixel 0, class 0 at pixels 1 and 2.
  static let values: [Float] = [0.2, 0.9, 0.6, 0.8, 0.1, 0.4]

  func write(_ bytes: [UInt8], _ name: String = "p.npy") throws -> String {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("segscope-npy-" + UUID().uuidString)
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    let path = dir.appendingPathComponent(name).path
    try Data(bytes).write(to: URL(fileURLWithPath: path))
    return path
  }

  func refusal(_ bytes: [UInt8], _ name: String = "p.npy") throws -> String {
    let path = try write(bytes, name)
    do {
      _ = try NumpyProbabilities.read(path: path)
    } catch {
      #expect(error.description.hasPrefix(path))
      return error.description
    }
    Issue.record("\(name) was accepted")
    return ""
  }

  @Test("a hand-written header reads: shape, values, argmax; version 2 too")
  func whole() throws {
    for version: UInt8 in [1, 2] {
      let path = try write(Self.npy(Self.good, values: Self.values, version: version))
      let map = try NumpyProbabilities.read(path: path)
      #expect((map.classes, map.height, map.width) == (2, 1, 3))
      #expect(map.values == Self.values)
      #expect(map.argmax().values16 == [1, 0, 0])
      #expect(try ImageLoader.loadMask(path: path).values16 == [1, 0, 0])
      let h = try ImageHeader.read(path: path)
      #expect((h.format, h.width, h.height, h.bitDepth, h.colorType) == (.npy, 3, 1, 8, 0))
    }
  }

  @Test("damaged headers and data are refused with what is wrong")
  func damaged() throws {
    let whole = Self.npy(Self.good, values: Self.values)
    #expect(try refusal(Array(whole.prefix(7))).contains("truncated") || refusal(Array(whole.prefix(7))).contains("NumPy"))
    var magic = whole
    magic[1] = 0x58
    #expect(try refusal(magic).contains("expected a NumPy"))
    var version = whole
    version[6] = 9
    #expect(try refusal(version).contains("version 9"))
    var long = whole
    long[8] = 0xFF
    long[9] = 0xFF
    #expect(try refusal(long).contains("truncated or too long"))
    #expect(try refusal(Self.npy("{'descr': '<f4', 'fortran_order': False, }", values: Self.values)).contains("lacks"))
    #expect(try refusal(Self.npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 1, 3), }", values: Self.values)).contains("float16 or float32"))
    #expect(try refusal(Self.npy("{'descr': '<f4', 'fortran_order': Maybe, 'shape': (2, 1, 3), }", values: Self.values)).contains("fortran_order"))
    #expect(try refusal(Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (6,), }", values: Self.values)).contains("(K, H, W)"))
    #expect(try refusal(Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, x, 3), }", values: Self.values)).contains("not a tuple"))
    #expect(try refusal(Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 0, 3), }", values: [])).contains("empty shape"))
    #expect(try refusal(Array(whole.dropLast(5))).contains("truncated"))
    // A shape far beyond the data asks for no memory: the size check comes first.
    #expect(try refusal(Self.npy("{'descr': '<f4', 'fortran_order': False, 'shape': (19, 100000, 100000), }", values: Self.values)).contains("limit"))
    // Values: NaN, and pixels whose probabilities are logits.
    var nan = Self.values
    nan[3] = .nan
    #expect(try refusal(Self.npy(Self.good, values: nan)).contains("NaN"))
    #expect(try refusal(Self.npy(Self.good, values: Self.values.map { $0 * 3 })).contains("summing to"))
    // Not NumPy at all.
    #expect(try refusal(Array("hello world, not numpy".utf8)).contains("NumPy"))
    #expect(try refusal([], "empty.npy").contains("empty"))
  }

  @Test("a damaged .npz archive is refused: truncated, no central directory")
  func damagedArchive() throws {
    // A stored (method 0) ZIP of one member, built by hand.
    let member = Self.npy(Self.good, values: Self.values)
    let name = Array("probs.npy".utf8)
    func le16(_ v: Int) -> [UInt8] { [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF)] }
    func le32(_ v: Int) -> [UInt8] { le16(v & 0xFFFF) + le16(v >> 16) }
    var zip: [UInt8] = [0x50, 0x4B, 0x03, 0x04] + le16(20) + le16(0) + le16(0) + le32(0) + le32(0) + le32(member.count) + le32(member.count)
    zip += le16(name.count) + le16(0) + name + member
    let cd = zip.count
    zip += [0x50, 0x4B, 0x01, 0x02] + le16(20) + le16(20) + le16(0) + le16(0) + le32(0) + le32(0) + le32(member.count) + le32(member.count)
    zip += le16(name.count) + le16(0) + le16(0) + le16(0) + le16(0) + le32(0) + le32(0) + name
    let cdSize = zip.count - cd
    zip += [0x50, 0x4B, 0x05, 0x06] + le16(0) + le16(0) + le16(1) + le16(1) + le32(cdSize) + le32(cd) + le16(0)
    let path = try write(zip, "p.npz")
    #expect(try NumpyProbabilities.read(path: path).values == Self.values)
    #expect(try ImageLoader.loadMask(path: path).values16 == [1, 0, 0])
    #expect(try refusal(Array(zip.dropLast(30)), "cut.npz").contains("central directory"))
    var lying = zip
    lying[cd + 20] = 0xFF  // a compressed size past the end of the file
    lying[cd + 21] = 0xFF
    #expect(try !refusal(lying, "lying.npz").isEmpty)
  }
}
