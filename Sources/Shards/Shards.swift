import SegmentationCore
import DatasetStore
import Foundation
import ImageCodec

#if canImport(Glibc)
  import Glibc
#endif

/// One of N deterministic slices of a view's samples: sample `id` belongs to shard `id mod N`, so a
/// slice depends only on the ids, never on time or the order of listing, and a re-run shard takes the
/// same samples.
public struct Shard: Sendable, Equatable, CustomStringConvertible {
  public let index: Int
  public let count: Int

  public init(index: Int, count: Int) throws(ShardError) {
    guard count >= 1, count <= 100_000 else { throw ShardError("the shard count must be between 1 and 100000 (got \(count))") }
    guard index >= 0, index < count else { throw ShardError("shard \(index) is outside 0..\(count - 1)") }
    self.index = index
    self.count = count
  }

  public var description: String { "\(index)/\(count)" }

  /// The shard that evaluates sample `id` among `count`.
  public static func owner(of id: Int64, count: Int) -> Int { Int(((id % Int64(count)) + Int64(count)) % Int64(count)) }

  public func owns(_ id: Int64) -> Bool { Self.owner(of: id, count: count) == index }

  /// `I/N` (0-based I), or `auto`: Slurm's SLURM_ARRAY_TASK_ID (less SLURM_ARRAY_TASK_MIN) of
  /// SLURM_ARRAY_TASK_COUNT, or Kubernetes' JOB_COMPLETION_INDEX of `shards` (an Indexed Job's
  /// completions, which the pod does not see).
  public static func parse(_ text: String, shards: Int?, environment env: [String: String]) throws(ShardError) -> Shard {
    if text != "auto" {
      let parts = text.split(separator: "/", omittingEmptySubsequences: false)
      guard parts.count == 2, let i = Int(parts[0]), let n = Int(parts[1]) else {
        throw ShardError("--shard takes I/N (0-based, e.g. 0/4) or auto, not '\(text)'")
      }
      if let shards, shards != n { throw ShardError("--shard \(text) and --shards \(shards) disagree") }
      return try Shard(index: i, count: n)
    }
    if let id = env["SLURM_ARRAY_TASK_ID"].flatMap({ Int($0) }) {
      guard let n = env["SLURM_ARRAY_TASK_COUNT"].flatMap({ Int($0) }) ?? shards else {
        throw ShardError("--shard auto: SLURM_ARRAY_TASK_ID is set but SLURM_ARRAY_TASK_COUNT is not (give --shards N)")
      }
      let first = env["SLURM_ARRAY_TASK_MIN"].flatMap { Int($0) } ?? 0
      if let shards, shards != n { throw ShardError("--shards \(shards) but the Slurm array has \(n) tasks") }
      return try Shard(index: id - first, count: n)
    }
    if let id = env["JOB_COMPLETION_INDEX"].flatMap({ Int($0) }) {
      guard let shards else { throw ShardError("--shard auto under Kubernetes (JOB_COMPLETION_INDEX) needs --shards N, the Job's completions") }
      return try Shard(index: id, count: shards)
    }
    throw ShardError("--shard auto: neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set; give --shard I/N")
  }
}

/// Why a shard could not run or parts could not be merged. Nothing was stored.
public struct ShardError: Error, CustomStringConvertible, Sendable {
  public let message: String
  public init(_ message: String) { self.message = message }
  public var description: String { message }
}

/// What a part holds. A part of a kind this segscope does not know is refused as not a part.
public enum PartKind: String, Codable, Sendable {
  /// Per-sample confusion matrices of a semantic evaluation.
  case semantic
  /// IoU matrices of an instance field's images and categories.
  case instance
  /// Histograms and layouts of the indexing pass.
  case index
}

/// A part header's dialect as its JSON writes it: the dialect's word, or "" where none applies (index
/// parts). A word this segscope does not know makes the header unreadable, naming the word.
@propertyWrapper
public struct PartDialect: Codable, Sendable, Equatable {
  public var wrappedValue: RunDialect?
  public init(wrappedValue: RunDialect?) { self.wrappedValue = wrappedValue }

  public init(from decoder: any Decoder) throws {
    let word = try decoder.singleValueContainer().decode(String.self)
    guard !word.isEmpty else {
      wrappedValue = nil
      return
    }
    guard let d = RunDialect(rawValue: word) else {
      throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "unknown dialect '\(word)'"))
    }
    wrappedValue = d
  }

  public func encode(to encoder: any Encoder) throws {
    var c = encoder.singleValueContainer()
    try c.encode(wrappedValue?.rawValue ?? "")
  }
}

/// The first line of a part file: what the merge checks before it uses any record. Fields that do not
/// apply to a kind of part are left empty.
public struct ShardHeader: Codable, Sendable, Equatable {
  public var format = "segscope-part"
  /// 2: the end line carries the checksum of every line before it.
  public var formatVersion = PartFiles.formatVersion
  public var kind: PartKind
  public var segscopeVersion: String
  /// The dataset's database and root as the shard saw them (for messages).
  public var database: String
  public var root: String
  /// A hash of what was evaluated: class count, options, fields, dialect, and every pair of the view
  /// with its files and revisions. Equal fingerprints mean the same evaluation.
  public var fingerprint: String
  public var pairs: Int
  public var shardIndex: Int
  public var shardCount: Int
  public var samples: Int
  // The request, so the merge can rebuild it.
  public var gtField: String
  public var predField: String
  /// The run's dialect (a metric dialect, or coco for instance parts); nil for index parts.
  @PartDialect public var dialect: RunDialect?
  public var ignore: [UInt16]
  public var reduceZeroLabel: Bool
  public var resizePredictions: Bool
  public var boundary: Bool
  public var bandwidth: Int?
  public var view: String?
  public var classCount: Int

  public init(
    kind: PartKind, segscopeVersion: String, database: String, root: String, fingerprint: String, pairs: Int, shardIndex: Int, shardCount: Int, samples: Int,
    gtField: String = "", predField: String = "", dialect: RunDialect? = nil, ignore: [UInt16] = [], reduceZeroLabel: Bool = false,
    resizePredictions: Bool = false, boundary: Bool = false, bandwidth: Int? = nil, view: String? = nil, classCount: Int = 0
  ) {
    self.kind = kind
    self.segscopeVersion = segscopeVersion
    self.database = database
    self.root = root
    self.fingerprint = fingerprint
    self.pairs = pairs
    self.shardIndex = shardIndex
    self.shardCount = shardCount
    self.samples = samples
    self.gtField = gtField
    self.predField = predField
    self.dialect = dialect
    self.ignore = ignore
    self.reduceZeroLabel = reduceZeroLabel
    self.resizePredictions = resizePredictions
    self.boundary = boundary
    self.bandwidth = bandwidth
    self.view = view
    self.classCount = classCount
  }

  /// Why the header's numbers cannot be a shard's, or nil. Checked before any of them sizes anything.
  public var problem: String? {
    guard shardCount >= 1, shardCount <= 100_000 else { return "\(shardCount) shards (1...100000)" }
    guard shardIndex >= 0, shardIndex < shardCount else { return "shard \(shardIndex) of \(shardCount)" }
    guard samples >= 0, samples <= 1 << 40, pairs >= 0, pairs <= 1 << 40, samples <= pairs || kind == .instance else {
      return "\(samples) records of \(pairs) pairs"
    }
    guard classCount >= (kind == .semantic ? 1 : 0), classCount <= 65536 else { return "\(classCount) classes" }
    if let bandwidth, bandwidth < 0 || bandwidth > 65536 { return "a boundary band of \(bandwidth) pixels" }
    return nil
  }

  /// What must be equal for parts to belong together (everything but the shard's own index and size).
  public var agreement: String {
    [
      kind.rawValue, segscopeVersion, fingerprint, String(pairs), String(shardCount), gtField, predField, dialect?.rawValue ?? "",
      ignore.map(String.init).joined(separator: ","),
      String(reduceZeroLabel), String(resizePredictions), String(boundary), bandwidth.map(String.init) ?? "-", view ?? "-", String(classCount),
    ].joined(separator: "|")
  }
}

/// FNV-1a over strings: the fingerprint of an evaluation's inputs.
public struct Fingerprint {
  public init() {}
  public var h: UInt64 = 0xcbf2_9ce4_8422_2325
  public mutating func add(_ s: String) {
    for b in s.utf8 {
      h ^= UInt64(b)
      h = h &* 0x100_0000_01b3
    }
    h ^= 0x1f
    h = h &* 0x100_0000_01b3
  }
  public var hex: String { String(h, radix: 16) }

  /// A fingerprint that starts with the dataset's identity (its id, or its root for an old database).
  public init(dataset store: DatasetStore) {
    add((try? store.datasetId()) ?? store.root)
  }
}

/// A part's checksum: 64-bit FNV-1a over every byte before its end line. Each byte step is a
/// bijection of the state, so any one changed byte (a flipped bit) always changes the sum.
public struct PartChecksum: Sendable {
  public private(set) var value: UInt64 = 0xcbf2_9ce4_8422_2325
  public init() {}

  public mutating func add(_ bytes: some Sequence<UInt8>) {
    var h = value
    for b in bytes {
      h ^= UInt64(b)
      h = h &* 0x100_0000_01b3
    }
    value = h
  }

  /// Adds a line as written: its bytes and the newline.
  public mutating func add(line: String) {
    add(line.utf8)
    add(CollectionOfOne(0x0A))
  }

  public var hex: String { String(value, radix: 16) }

  /// The end line of a part of `samples` records whose earlier lines sum to this.
  public func endLine(samples: Int) -> String { "{\"end\":true,\"samples\":\(samples),\"sum\":\"\(hex)\"}\n" }
}

/// Part files: reading them back and checking that a set of them is one whole sharded job.
public enum PartFiles {
  /// The part format this segscope writes and reads.
  public static let formatVersion = 2

  private struct EndLine: Decodable {
    var end: Bool
    var samples: Int
    var sum: String
  }

  /// Reads and checks a part's header, every line's checksum and its end line.
  public static func readHeader(_ path: String) throws -> ShardHeader {
    guard let reader = LineReader(path: path) else { throw ShardError("\(path): cannot read (\(String(cString: strerror(errno))))") }
    let firstLine = reader.next()
    if reader.tooLong { throw ShardError("\(path): a line longer than \(LineReader.maxLine >> 20) MiB: not a segscope part, or a damaged one") }
    guard let first = firstLine, let head = try? JSONDecoder().decode(ShardHeader.self, from: Data(first.utf8)), head.format == "segscope-part"
    else { throw ShardError("\(path): not a segscope part file") }
    guard head.formatVersion == formatVersion else {
      throw ShardError("\(path): part format \(head.formatVersion) is not the format \(formatVersion) of this segscope; run the shard again with it")
    }
    if let problem = head.problem { throw ShardError("\(path): a damaged header: \(problem)") }
    let again = "run shard \(head.shardIndex)/\(head.shardCount) again"
    var sum = PartChecksum()
    sum.add(line: first)
    var previous: String? = nil, lines = 0
    while let l = reader.next() {
      if let p = previous { sum.add(line: p) }
      previous = l
      lines += 1
    }
    if reader.tooLong { throw ShardError("\(path): a line longer than \(LineReader.maxLine >> 20) MiB: a damaged part; \(again)") }
    guard let last = previous, last.hasPrefix("{\"end\":true"), lines - 1 == head.samples else {
      throw ShardError("\(path): the part is incomplete (its shard did not finish); \(again)")
    }
    guard let end = try? JSONDecoder().decode(EndLine.self, from: Data(last.utf8)), end.end, end.samples == head.samples else {
      throw ShardError("\(path): a damaged end line; \(again)")
    }
    guard end.sum == sum.hex else {
      throw ShardError("\(path): the part is damaged (its checksum is \(sum.hex), not the \(end.sum) it was written with); \(again)")
    }
    return head
  }

  /// Reads every part's header and checks they are all the shards of one evaluation, each once, made
  /// by this version. Returns the common header and the file of each shard index.
  public static func checkedParts(_ parts: [String], version: String) throws -> (ShardHeader, [Int: [String]]) {
    guard !parts.isEmpty else { throw ShardError("no parts given") }
    var headers: [(String, ShardHeader)] = []
    var broken: [String] = []
    for p in parts {
      do { headers.append((p, try Self.readHeader(p))) } catch { broken.append("\(error)") }
    }
    if !broken.isEmpty { throw ShardError("refused, nothing stored: " + broken.joined(separator: "; ")) }
    // The parts that agree with most of the others are the evaluation; the rest are foreign.
    var groups: [String: [(String, ShardHeader)]] = [:]
    for h in headers { groups[h.1.agreement, default: []].append(h) }
    let main = groups.values.max { a, b in a.count < b.count || (a.count == b.count && a[0].0 > b[0].0) } ?? []
    let head = main[0].1
    var problems: [String] = []
    for (p, h) in headers where h.agreement != head.agreement {
      var why: [String] = []
      if h.fingerprint != head.fingerprint { why.append("another dataset, view or set of files (fingerprint \(h.fingerprint), not \(head.fingerprint))") }
      if h.shardCount != head.shardCount { why.append("\(h.shardCount) shards, not \(head.shardCount)") }
      if h.segscopeVersion != head.segscopeVersion { why.append("segscope \(h.segscopeVersion), not \(head.segscopeVersion)") }
      if why.isEmpty { why.append("other options (\(h.gtField) vs \(h.predField), \(h.dialect?.rawValue ?? "-"), ignore \(h.ignore), boundary \(h.boundary))") }
      problems.append("\(p): foreign part: \(why.joined(separator: "; "))")
    }
    if head.segscopeVersion != version {
      problems.append("the parts were made by segscope \(head.segscopeVersion); this is \(version): run the shards again with this version")
    }
    var byIndex: [Int: [String]] = [:]
    for (p, h) in main { byIndex[h.shardIndex, default: []].append(p) }
    for (i, files) in byIndex.sorted(by: { $0.key < $1.key }) where files.count > 1 {
      problems.append("shard \(i)/\(head.shardCount) is given \(files.count) times: \(files.joined(separator: ", "))")
    }
    let missing = (0..<head.shardCount).filter { byIndex[$0] == nil }
    if !missing.isEmpty {
      let list = missing.prefix(20).map { "\($0)/\(head.shardCount)" }.joined(separator: ", ") + (missing.count > 20 ? " and \(missing.count - 20) more" : "")
      problems.append("missing shard\(missing.count == 1 ? "" : "s"): \(list)")
    }
    if !problems.isEmpty { throw ShardError("refused, nothing stored: " + problems.joined(separator: "; ")) }

    return (head, byIndex)
  }

}

/// Lines of a file, read in 1 MiB blocks (parts can be large; memory stays bounded by one line).
public final class LineReader {
  private let fd: Int32
  private var buffer: [UInt8] = []
  /// The 1 MiB each read goes into, made once.
  private var block = [UInt8](repeating: 0, count: 1 << 20)
  private var offset = 0
  private var eof = false
  /// Set when reading stopped at a line over `maxLine` bytes (the rest of the file is not read).
  public private(set) var tooLong = false
  public static let maxLine = 64 << 20

  public init?(path: String) {
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { return nil }
    self.fd = fd
  }

  deinit { close(fd) }

  public func next() -> String? {
    while true {
      let start = offset
      let newline: Int? = buffer.withUnsafeBufferPointer { b -> Int? in
        guard let base = b.baseAddress, start < b.count, let p = memchr(base + start, 0x0A, b.count - start) else { return nil }
        return base.distance(to: p.assumingMemoryBound(to: UInt8.self))
      }
      if let nl = newline {
        offset = nl + 1
        return String(decoding: buffer[start..<nl], as: UTF8.self)
      }
      // A line longer than any record segscope writes is damage, not data: memory stays bounded.
      if buffer.count - start > Self.maxLine {
        offset = buffer.count
        eof = true
        tooLong = true
        return nil
      }
      if eof {
        guard start < buffer.count else { return nil }
        offset = buffer.count
        return String(decoding: buffer[start...], as: UTF8.self)
      }
      // Keep the unread tail only, then read the next block after it.
      buffer.removeFirst(start)
      offset = 0
      let n = block.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
      if n > 0 { buffer.append(contentsOf: block[0..<n]) }
      if n <= 0 { eof = true }
    }
  }
}
