import CPNG
import SegmentationCore

/// NumPy's `.npy` files (format versions 1-3) and `.npz` archives holding one array, read as
/// probability maps: float16 or float32, shaped (K, H, W), C or Fortran order, either byte order.
/// Every way a file can be wrong is an `ImageCodecError` naming it: not NumPy, another dtype or
/// shape, a size over the limits, truncated data, NaN or infinite values, pixels whose
/// probabilities do not sum to about 1.
public enum NumpyProbabilities {
  /// What a `.npy` header says.
  public struct Header: Sendable, Equatable {
    public var shape: [Int]
    /// 2 (float16) or 4 (float32).
    public var itemSize: Int
    public var bigEndian: Bool
    public var fortranOrder: Bool
    /// Where the data starts, from the start of the `.npy` bytes.
    public var dataOffset: Int
    /// (K, H, W) for a 3-D shape.
    public var classes: Int { shape.count == 3 ? shape[0] : 0 }
    public var height: Int { shape.count == 3 ? shape[1] : 0 }
    public var width: Int { shape.count == 3 ? shape[2] : 0 }
  }

  static let npyMagic: [UInt8] = [0x93, 0x4E, 0x55, 0x4D, 0x50, 0x59]  // \x93NUMPY
  static let zipMagic: [UInt8] = [0x50, 0x4B, 0x03, 0x04]

  /// Whether the bytes start like a `.npy` file or a ZIP archive (`.npz`).
  public static func sniff<C: Collection>(_ bytes: C) -> ImageFormat? where C.Element == UInt8 {
    let head = Array(bytes.prefix(6))
    if head == npyMagic { return .npy }
    if head.count >= 4 && Array(head.prefix(4)) == zipMagic { return .npz }
    return nil
  }

  /// How far a pixel's probabilities may sum from 1 (float16 rounding adds up over the classes).
  static func tolerance(itemSize: Int, classes: Int) -> Float { itemSize == 2 ? 0.02 + 0.001 * Float(classes) : 0.01 }

  // MARK: headers

  /// The header of a `.npy` (or the one array of a `.npz`) file, reading only its start.
  public static func header(path: String) throws(ImageCodecError) -> Header {
    let head = try FileBytes.readPrefix(path, maxBytes: 64 * 1024)
    if head.isEmpty { throw ImageCodecError(path: path, kind: .empty) }
    switch sniff(head) {
    case .npy: return try parseHeader(head, path: path)
    case .npz:
      let bytes = try FileBytes.read(path)
      let (_, npy) = try npzMember(bytes, path: path, headerOnly: true)
      return try parseHeader(npy, path: path)
    default:
      throw ImageCodecError(path: path, kind: .wrongFormat(expected: "NumPy .npy or .npz", found: ImageFormat.describe(head)))
    }
  }

  /// Parses `\x93NUMPY`, the version, the header length and the header's Python dict.
  public static func parseHeader(_ d: [UInt8], path: String) throws(ImageCodecError) -> Header {
    guard d.count >= 10, Array(d.prefix(6)) == npyMagic else {
      throw ImageCodecError(path: path, kind: .wrongFormat(expected: "NumPy .npy", found: ImageFormat.describe(d)))
    }
    let major = Int(d[6])
    let (length, start): (Int, Int)
    switch major {
    case 1: (length, start) = (Int(d[8]) | Int(d[9]) << 8, 10)
    case 2, 3:
      guard d.count >= 12 else { throw ImageCodecError(path: path, kind: .corrupt(".npy header is truncated")) }
      (length, start) = (Int(d[8]) | Int(d[9]) << 8 | Int(d[10]) << 16 | Int(d[11]) << 24, 12)
    default: throw ImageCodecError(path: path, kind: .unsupported(".npy format version \(major) is not known (1, 2 and 3 are)"))
    }
    guard length <= 1 << 20, start + length <= d.count else {
      throw ImageCodecError(path: path, kind: .corrupt(".npy header of \(length) bytes is truncated or too long"))
    }
    guard let text = String(validating: d[start..<(start + length)], as: UTF8.self) else {
      throw ImageCodecError(path: path, kind: .corrupt(".npy header is not text"))
    }
    guard let descr = dictValue(text, key: "descr"), let order = dictValue(text, key: "fortran_order"), let shapeText = dictValue(text, key: "shape")
    else {
      throw ImageCodecError(
        path: path, kind: .corrupt(".npy header lacks 'descr', 'fortran_order' or 'shape': \(Sanitize.forTerminal(String(text.prefix(120))))"))
    }
    let dtype = descr.trimmingQuotes()
    var itemSize = 0
    var bigEndian = false
    switch dtype {
    case "<f2", "|f2", "=f2": itemSize = 2
    case ">f2": (itemSize, bigEndian) = (2, true)
    case "<f4", "=f4": itemSize = 4
    case ">f4": (itemSize, bigEndian) = (4, true)
    default:
      throw ImageCodecError(
        path: path,
        kind: .unsupported("holds dtype '\(Sanitize.forTerminal(String(dtype.prefix(40))))'; probabilities must be float16 or float32 ('<f2', '<f4')"))
    }
    let fortran: Bool
    switch order {
    case "True": fortran = true
    case "False": fortran = false
    default: throw ImageCodecError(path: path, kind: .corrupt(".npy header's fortran_order is '\(Sanitize.forTerminal(String(order.prefix(20))))'"))
    }
    let inner = shapeText.trimmingCharacters(in: "() ")
    var shape: [Int] = []
    for part in inner.split(separator: ",") {
      let t = part.trimmingCharacters(in: " L")
      if t.isEmpty { continue }
      guard let v = Int(t), v >= 0 else {
        throw ImageCodecError(path: path, kind: .corrupt(".npy shape '\(Sanitize.forTerminal(String(shapeText.prefix(60))))' is not a tuple of sizes"))
      }
      shape.append(v)
    }
    guard shape.count == 3 else {
      throw ImageCodecError(
        path: path,
        kind: .unsupported("has shape (\(shape.map(String.init).joined(separator: ", "))); probabilities must be shaped (K, H, W): one plane per class"))
    }
    guard shape.allSatisfy({ $0 > 0 }) else {
      throw ImageCodecError(path: path, kind: .unsupported("has an empty shape (\(shape.map(String.init).joined(separator: ", ")))"))
    }
    return Header(shape: shape, itemSize: itemSize, bigEndian: bigEndian, fortranOrder: fortran, dataOffset: start + length)
  }

  /// The text after `'key':`: a parenthesised tuple, or up to the next comma or closing brace.
  static func dictValue(_ text: String, key: String) -> String? {
    guard let r = text.range(of: "'\(key)'") ?? text.range(of: "\"\(key)\"") else { return nil }
    var rest = text[r.upperBound...].drop { $0 == " " || $0 == ":" }
    if rest.first == "(" {
      guard let close = rest.firstIndex(of: ")") else { return nil }
      return String(rest[...close])
    }
    rest = rest.prefix { $0 != "," && $0 != "}" }
    return String(rest).trimmingCharacters(in: " ")
  }

  // MARK: .npz

  /// The bytes of the one `.npy` member of a ZIP archive (all of them, or with `headerOnly` the first
  /// 64 KiB). An archive of several arrays, a member that is not `.npy`, ZIP64, encryption or a
  /// compression other than stored and deflate are refused.
  static func npzMember(_ z: [UInt8], path: String, headerOnly: Bool) throws(ImageCodecError) -> (name: String, bytes: [UInt8]) {
    func u16(_ i: Int) -> Int { Int(z[i]) | Int(z[i + 1]) << 8 }
    func u32(_ i: Int) -> Int { u16(i) | u16(i + 2) << 16 }
    // The end-of-central-directory record: within the last 64 KiB + 22 bytes.
    guard z.count >= 22 else { throw ImageCodecError(path: path, kind: .corrupt(".npz is too short for a ZIP archive")) }
    var eocd = -1
    var i = z.count - 22
    while i >= max(0, z.count - 22 - 65535) {
      if z[i] == 0x50 && z[i + 1] == 0x4B && z[i + 2] == 0x05 && z[i + 3] == 0x06 {
        eocd = i
        break
      }
      i -= 1
    }
    guard eocd >= 0 else { throw ImageCodecError(path: path, kind: .corrupt(".npz has no ZIP central directory (truncated?)")) }
    let entries = u16(eocd + 10), cdSize = u32(eocd + 12), cdOffset = u32(eocd + 16)
    if entries == 0xFFFF || cdOffset == 0xFFFF_FFFF { throw ImageCodecError(path: path, kind: .unsupported(".npz is a ZIP64 archive, which is not read")) }
    guard cdOffset + cdSize <= eocd else { throw ImageCodecError(path: path, kind: .corrupt(".npz central directory lies outside the file")) }
    var members: [(name: String, method: Int, flags: Int, compressed: Int, size: Int, local: Int)] = []
    var p = cdOffset
    for _ in 0..<entries {
      guard p + 46 <= eocd, u32(p) == 0x0201_4B50 else { throw ImageCodecError(path: path, kind: .corrupt(".npz central directory is damaged")) }
      let nameLen = u16(p + 28), extraLen = u16(p + 30), commentLen = u16(p + 32)
      guard p + 46 + nameLen <= eocd else { throw ImageCodecError(path: path, kind: .corrupt(".npz central directory is damaged")) }
      let name = String(decoding: z[(p + 46)..<(p + 46 + nameLen)], as: UTF8.self)
      members.append((name, u16(p + 10), u16(p + 8), u32(p + 20), u32(p + 24), u32(p + 42)))
      p += 46 + nameLen + extraLen + commentLen
    }
    guard members.count == 1, let m = members.first else {
      let names = members.prefix(5).map { Sanitize.forTerminal($0.name) }.joined(separator: ", ")
      throw ImageCodecError(path: path, kind: .unsupported(".npz holds \(members.count) arrays (\(names)); give one array of probabilities per file"))
    }
    guard m.name.hasSuffix(".npy") else {
      throw ImageCodecError(path: path, kind: .unsupported(".npz member '\(Sanitize.forTerminal(m.name))' is not a .npy array"))
    }
    if m.flags & 1 != 0 { throw ImageCodecError(path: path, kind: .unsupported(".npz member is encrypted")) }
    if m.compressed == 0xFFFF_FFFF || m.size == 0xFFFF_FFFF {
      throw ImageCodecError(path: path, kind: .unsupported(".npz is a ZIP64 archive, which is not read"))
    }
    let lh = m.local
    guard lh + 30 <= z.count, u32(lh) == 0x0403_4B50 else { throw ImageCodecError(path: path, kind: .corrupt(".npz local header is damaged")) }
    let dataStart = lh + 30 + u16(lh + 26) + u16(lh + 28)
    guard dataStart + m.compressed <= z.count else { throw ImageCodecError(path: path, kind: .corrupt(".npz member is truncated")) }
    if m.size > FileBytes.maxFileBytes {
      throw ImageCodecError(
        path: path, kind: .unreadable(".npz member of \(MemoryBudget.text(m.size)) is over the \(MemoryBudget.text(FileBytes.maxFileBytes)) segscope reads"))
    }
    // Deflate expands at most about 1032:1: a member that claims more is damaged, and no memory is
    // set aside for a size only the archive states.
    if m.method == 8 && m.size / 1032 > m.compressed + 1 {
      throw ImageCodecError(path: path, kind: .corrupt(".npz member claims \(m.size) bytes from \(m.compressed) compressed; deflate cannot expand that much"))
    }
    let want = headerOnly ? min(m.size, 64 * 1024) : m.size
    switch m.method {
    case 0: return (m.name, Array(z[dataStart..<(dataStart + min(want, m.compressed))]))
    case 8:
      var out = [UInt8](repeating: 0, count: max(1, want))
      let got = z.withUnsafeBufferPointer { src in
        out.withUnsafeMutableBufferPointer { dst in
          segpng_inflate_raw(src.baseAddress! + dataStart, m.compressed, dst.baseAddress!, want, headerOnly ? 1 : 0)
        }
      }
      guard got >= 0 else { throw ImageCodecError(path: path, kind: .corrupt(".npz member's deflate stream is damaged")) }
      out.removeLast(out.count - got)
      return (m.name, out)
    default: throw ImageCodecError(path: path, kind: .unsupported(".npz member uses ZIP compression method \(m.method); only stored and deflate are read"))
    }
  }

  // MARK: data

  /// Reads and checks a whole probability file.
  public static func read(path: String, limits: DecodeLimits = .default) throws(ImageCodecError) -> ProbabilityMap {
    try decode(npyBytes(FileBytes.read(path), path: path), path: path, limits: limits)
  }

  /// The `.npy` bytes of a whole file: the file itself, or the one array of a `.npz` archive.
  public static func npyBytes(_ bytes: [UInt8], path: String) throws(ImageCodecError) -> [UInt8] {
    if bytes.isEmpty { throw ImageCodecError(path: path, kind: .empty) }
    switch sniff(bytes) {
    case .npy: return bytes
    case .npz: return try npzMember(bytes, path: path, headerOnly: false).bytes
    default: throw ImageCodecError(path: path, kind: .wrongFormat(expected: "NumPy .npy or .npz", found: ImageFormat.describe(bytes)))
    }
  }

  /// Decodes `.npy` bytes into a checked probability map.
  public static func decode(_ d: [UInt8], path: String, limits: DecodeLimits = .default) throws(ImageCodecError) -> ProbabilityMap {
    let h = try parseHeader(d, path: path)
    let k = h.classes, height = h.height, width = h.width
    guard k <= 65536 else { throw ImageCodecError(path: path, kind: .unsupported("has \(k) class planes; at most 65536 are read")) }
    let (pixels, o1) = width.multipliedReportingOverflow(by: height)
    if o1 || pixels > limits.maxPixels {
      throw ImageCodecError(path: path, kind: .tooLarge(width: width, height: height, limit: limits.maxPixels))
    }
    try MemoryBudget.check(width: pixels, height: k, bytesPerPixel: 4 + h.itemSize, path: path)
    let count = pixels * k
    guard d.count - h.dataOffset >= count * h.itemSize else {
      throw ImageCodecError(
        path: path, kind: .corrupt("data is truncated: (\(k), \(height), \(width)) needs \(count * h.itemSize) bytes, the file holds \(d.count - h.dataOffset)")
      )
    }
    var values = [Float](repeating: 0, count: count)
    var bad = 0
    d.withUnsafeBufferPointer { src in
      let base = src.baseAddress! + h.dataOffset
      values.withUnsafeMutableBufferPointer { out in
        for j in 0..<count {
          let p = base + j * h.itemSize
          let v: Float
          if h.itemSize == 2 {
            let bits = h.bigEndian ? UInt16(p[0]) << 8 | UInt16(p[1]) : UInt16(p[0]) | UInt16(p[1]) << 8
            v = Float(Float16(bitPattern: bits))
          } else {
            let bits =
              h.bigEndian
              ? UInt32(p[0]) << 24 | UInt32(p[1]) << 16 | UInt32(p[2]) << 8 | UInt32(p[3])
              : UInt32(p[0]) | UInt32(p[1]) << 8 | UInt32(p[2]) << 16 | UInt32(p[3]) << 24
            v = Float(bitPattern: bits)
          }
          if !v.isFinite { bad += 1 }
          out[j] = v
        }
      }
    }
    if bad > 0 { throw ImageCodecError(path: path, kind: .corrupt("\(bad) values are NaN or infinite; probabilities must be finite")) }
    // Fortran order: element (k, y, x) sits at k + K * (y + H * x). Reorder to planes.
    if h.fortranOrder {
      var planes = [Float](repeating: 0, count: count)
      for x in 0..<width {
        for y in 0..<height {
          let src = k * (y + height * x)
          for c in 0..<k { planes[c * pixels + y * width + x] = values[src + c] }
        }
      }
      values = planes
    }
    // Every pixel's probabilities are in [0, 1] and sum to about 1.
    let tol = tolerance(itemSize: h.itemSize, classes: k)
    var sums = [Float](repeating: 0, count: pixels)
    var negative = -1
    values.withUnsafeBufferPointer { v in
      for c in 0..<k {
        let plane = c * pixels
        for i in 0..<pixels {
          let x = v[plane + i]
          if x < -tol && negative < 0 { negative = plane + i }
          sums[i] += x
        }
      }
    }
    if negative >= 0 {
      let c = negative / pixels, i = negative % pixels
      throw ImageCodecError(
        path: path, kind: .corrupt("class \(c) at pixel (\(i % width), \(i / width)) has probability \(values[negative]); probabilities are in [0, 1]"))
    }
    if let i = sums.firstIndex(where: { abs($0 - 1) > tol }) {
      let off = sums.filter { abs($0 - 1) > tol }.count
      throw ImageCodecError(
        path: path,
        kind: .corrupt(
          "pixel (\(i % width), \(i / width)) has probabilities summing to \(sums[i]) over its \(k) classes (\(off) of \(pixels) pixels are off by more than \(tol)); expected softmax outputs summing to 1 (logits?)"
        ))
    }
    return ProbabilityMap(classes: k, width: width, height: height, values: values)
  }
}

extension String {
  fileprivate func trimmingQuotes() -> String { trimmingCharacters(in: "'\" ") }
  fileprivate func trimmingCharacters(in set: String) -> String {
    let drop = Set(set)
    return String(self.drop { drop.contains($0) }.reversed().drop { drop.contains($0) }.reversed())
  }
}
extension Substring {
  fileprivate func trimmingCharacters(in set: String) -> String { String(self).trimmingCharacters(in: set) }
}
