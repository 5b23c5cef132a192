import DatasetStore
import Foundation
import ImageCodec
import SegmentationCore
import Shards

extension EvaluationRunner {
  /// What a shard writes, and what the merge checks.
  func header(_ r: Request, plan: Plan, shard: Shard, samples: Int, version: String, view: String?) -> ShardHeader {
    var f = Fingerprint(dataset: store)
    f.add("k=\(plan.k)")
    f.add(plan.options)
    f.add(r.dialect.rawValue)
    f.add(r.gtField)
    f.add(r.predField)
    for (id, g, p) in plan.pairs {
      f.add("\(id):\(g.path):\(g.revision):\(p.path):\(p.revision):\(plan.instancePaths[id] ?? "")")
    }
    return ShardHeader(
      kind: .semantic, segscopeVersion: version, database: store.databasePath, root: store.root, fingerprint: f.hex, pairs: plan.pairs.count,
      shardIndex: shard.index, shardCount: shard.count, samples: samples, gtField: r.gtField, predField: r.predField, dialect: .semantic(r.dialect),
      ignore: r.ignore.sorted(), reduceZeroLabel: r.reduceZeroLabel, resizePredictions: r.resizePredictions, boundary: r.boundary, bandwidth: r.bandwidth,
      view: view, classCount: plan.k)
  }

  /// Evaluates the shard's slice of the view and writes a self-contained part to `out` (atomically:
  /// a shard that dies leaves no part, a re-run replaces it). Only reads the dataset.
  public func runShard(
    _ r: Request, shard: Shard, out: String, view: String?, version: String, progress: (@Sendable (Int, Int) -> Void)? = nil,
    shouldStop: (@Sendable () -> Bool)? = nil
  ) throws -> ShardHeader {
    let plan = try plan(r)
    let mine = plan.pairs.filter { shard.owns($0.0) }
    let head = header(r, plan: plan, shard: shard, samples: mine.count, version: version, view: view)
    let tmp = out + ".partial-\(getpid())"
    guard FileManager.default.createFile(atPath: tmp, contents: nil), let handle = FileHandle(forWritingAtPath: tmp) else {
      throw ShardError("\(out): cannot write the part (\(String(cString: strerror(errno))))")
    }
    var done = false
    defer {
      try? handle.close()
      if !done { unlink(tmp) }
    }
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let headLine = String(decoding: try encoder.encode(head), as: UTF8.self)
    var sum = PartChecksum()
    sum.add(line: headLine)
    try handle.write(contentsOf: Data((headLine + "\n").utf8))
    var start = 0
    while start < mine.count {
      if shouldStop?() == true { throw EvaluationCancelled() }
      let chunk = mine[start..<min(mine.count, start + chunkSize)]
      let results = plan.evaluator.evaluate(maskPairs(plan, chunk), shouldStop: shouldStop)
      if shouldStop?() == true { throw EvaluationCancelled() }
      var text = ""
      for res in results { text += PartRecord.encode(res) + "\n" }
      sum.add(text.utf8)
      try handle.write(contentsOf: Data(text.utf8))
      start += chunk.count
      progress?(start, mine.count)
    }
    try handle.write(contentsOf: Data(sum.endLine(samples: mine.count).utf8))
    try handle.synchronize()
    try handle.close()
    guard rename(tmp, out) == 0 else { throw ShardError("\(out): cannot write the part (\(String(cString: strerror(errno))))") }
    done = true
    return head
  }

  /// Checks that `parts` are every shard of one evaluation exactly once and that they match the dataset
  /// as it is now, then stores run `key` as one `eval` would have, record by record in the view's order.
  /// `resolveView` turns the parts' view expression into sample ids. Refuses (storing nothing) with a
  /// message naming the missing, duplicate, foreign or incomplete parts.
  public func merge(
    parts: [String], key: String, version: String, resolveView: (String) throws -> [Int64], progress: (@Sendable (Int) -> Void)? = nil
  ) throws -> (EvalRun, ConfusionMatrix, problems: [String], notes: [String], header: ShardHeader) {
    let (head, byIndex) = try PartFiles.checkedParts(parts, version: version)
    // The request again, and the dataset as it is now: it must be what the shards evaluated.
    var r = Request(key: key, predField: head.predField)
    r.gtField = head.gtField
    guard let dialect = head.dialect?.metric else { throw ShardError("the parts name no metric dialect ('\(head.dialect?.rawValue ?? "")')") }
    r.dialect = dialect
    r.ignore = Set(head.ignore)
    r.reduceZeroLabel = head.reduceZeroLabel
    r.resizePredictions = head.resizePredictions
    r.boundary = head.boundary
    r.bandwidth = head.bandwidth
    if let v = head.view { r.sampleIds = try resolveView(v) }
    let plan = try plan(r)
    let now = header(r, plan: plan, shard: try Shard(index: 0, count: head.shardCount), samples: 0, version: version, view: head.view)
    guard now.fingerprint == head.fingerprint, now.classCount == head.classCount else {
      throw ShardError(
        "refused, nothing stored: the parts do not match the dataset as it is now (\(now.pairs) pairs, fingerprint \(now.fingerprint); the parts: \(head.pairs) pairs, fingerprint \(head.fingerprint)); the dataset changed since the shards ran, or they come from another dataset (\(head.database))"
      )
    }
    // One reader per shard; records come out in the view's order, each from its shard.
    var readers: [LineReader] = []
    for i in 0..<head.shardCount {
      let path = byIndex[i]![0]
      guard let reader = LineReader(path: path) else { throw ShardError("\(path): cannot read") }
      _ = reader.next()
      readers.append(reader)
    }
    let k = head.classCount, boundary = head.boundary
    let source: ([MaskPair]) throws -> [SampleEvaluation] = { batch in
      try batch.map { pair in
        let id = Int64(pair.sampleId) ?? -1
        let shard = Shard.owner(of: id, count: head.shardCount)
        guard let line = readers[shard].next(), let rec = PartRecord.decode(line, classCount: k, boundary: boundary), rec.sampleId == pair.sampleId else {
          throw ShardError("\(byIndex[shard]![0]): the record of sample \(id) is missing or damaged; run shard \(shard)/\(head.shardCount) again")
        }
        return rec
      }
    }
    let (run, total, probs, notes) = try self.run(r, plan: plan, version: version, progress: progress, shouldStop: nil, source: source)
    return (run, total, probs, notes, head)
  }
}

/// One sample's evaluation as a line of a part: every number exactly (counts as integers, iIoU weights
/// as the bits of their doubles).
public enum PartRecord {
  static func encode(_ e: SampleEvaluation) -> String {
    var o: [String] = ["\"id\":\"\(e.sampleId)\""]
    if let m = e.matrix {
      o.append("\"m\":\"\(MatrixBlob.encode(m).base64EncodedString())\"")
      if m.ignoredPixels != 0 { o.append("\"ig\":\(m.ignoredPixels)") }
      if !m.unknownGroundTruth.isEmpty { o.append("\"u\":{\(counts(m.unknownGroundTruth))}") }
    }
    if let p = e.problem { o.append("\"p\":\(jsonString(p))") }
    if let b = e.boundary { o.append("\"b\":\"\(MatrixBlob.encodeBoundary(b).base64EncodedString())\"") }
    if let i = e.instances {
      o.append("\"tp\":{\(bits(i.weightedTP))},\"fn\":{\(bits(i.weightedFN))}")
    }
    if !e.outsidePredictions.isEmpty { o.append("\"o\":{\(counts(e.outsidePredictions))}") }
    return "{" + o.joined(separator: ",") + "}"
  }

  static func counts(_ d: [UInt16: UInt64]) -> String { d.keys.sorted().map { "\"\($0)\":\(d[$0]!)" }.joined(separator: ",") }
  static func bits(_ d: [Int: Double]) -> String { d.keys.sorted().map { "\"\($0)\":\"\(String(d[$0]!.bitPattern, radix: 16))\"" }.joined(separator: ",") }

  static func jsonString(_ s: String) -> String {
    let data = (try? JSONSerialization.data(withJSONObject: [s], options: [])) ?? Data("[\"\"]".utf8)
    let text = String(decoding: data, as: UTF8.self)
    return String(text.dropFirst().dropLast())
  }

  /// A record back, or nil when anything in it is not what `encode` writes: every count a whole
  /// number from 0 to `PixelCount.plausibleMax`, every key a class value, the matrix's counts together
  /// no more than one mask has, iIoU weights finite and not negative.
  public static func decode(_ line: String, classCount k: Int, boundary: Bool) -> SampleEvaluation? {
    guard let o = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any], let id = o["id"] as? String else { return nil }
    var matrix: ConfusionMatrix? = nil
    if let m = o["m"] as? String {
      guard let data = Data(base64Encoded: m), var mm = MatrixBlob.decode(Array(data), classCount: k) else { return nil }
      guard let ig = o["ig"] == nil ? 0 : count(o["ig"]), let u = parseCounts(o["u"]) else { return nil }
      mm.ignoredPixels = ig
      mm.unknownGroundTruth = u
      guard mm.isPlausible else { return nil }
      matrix = mm
    } else if o["ig"] != nil || o["u"] != nil {
      return nil
    }
    var e = SampleEvaluation(sampleId: id, matrix: matrix, problem: o["p"] as? String)
    if let b = o["b"] as? String {
      guard let data = Data(base64Encoded: b), let bb = MatrixBlob.decodeBoundary(Array(data), classCount: k) else { return nil }
      e.boundary = bb
    }
    if o["tp"] != nil || o["fn"] != nil {
      guard let tp = o["tp"] as? [String: String], let fn = o["fn"] as? [String: String], let wtp = weights(tp), let wfn = weights(fn) else { return nil }
      e.instances = CityscapesInstanceIoU(weightedTP: wtp, weightedFN: wfn)
    }
    guard let outside = parseCounts(o["o"]) else { return nil }
    e.outsidePredictions = outside
    return e
  }

  /// iIoU weights: class index to the bits of a finite, non-negative double.
  static func weights(_ d: [String: String]) -> [Int: Double]? {
    var out: [Int: Double] = [:]
    for (key, bits) in d {
      guard let c = Int(key), c >= 0, c <= 65535, let b = UInt64(bits, radix: 16) else { return nil }
      let v = Double(bitPattern: b)
      guard v.isFinite, v >= 0, v <= Double(PixelCount.plausibleMax) else { return nil }
      out[c] = v
    }
    return out
  }

  /// A pixel count as JSON writes it: a whole number from 0 to `PixelCount.plausibleMax`.
  static func count(_ v: Any?) -> UInt64? {
    guard let n = v as? NSNumber else { return nil }
    let d = n.doubleValue
    guard d >= 0, d <= Double(PixelCount.plausibleMax), d == d.rounded(), n.int64Value >= 0 else { return nil }
    return UInt64(n.int64Value)
  }

  /// Counts by class value; nil when any key or count is not one `encode` writes.
  static func parseCounts(_ v: Any?) -> [UInt16: UInt64]? {
    guard let v else { return [:] }
    guard let d = v as? [String: Any] else { return nil }
    var out: [UInt16: UInt64] = [:]
    for (k, n) in d {
      guard let key = UInt16(k), let c = count(n) else { return nil }
      out[key] = c
    }
    return out
  }
}

extension EvaluationRunner {
  /// The fingerprint of an instance evaluation's inputs: every image, instance, score and mask size.
  func instanceHeader(_ r: Request, plan: InstancePlan, shard: Shard, records: Int, version: String, view: String?) -> ShardHeader {
    var f = Fingerprint(dataset: store)
    f.add("instance")
    f.add(r.gtField)
    f.add(r.predField)
    f.add("boundary=\(r.boundary)")
    f.add(plan.categories.map(String.init).joined(separator: ","))
    f.add(plan.ids.map(String.init).joined(separator: ","))
    for x in plan.gts + plan.dts {
      f.add("\(x.imageId):\(x.id):\(x.categoryId):\(x.isCrowd):\(x.score.bitPattern):\(x.area.bitPattern):\(x.rle.counts.count):\(x.rle.counts.reduce(0, &+))")
    }
    return ShardHeader(
      kind: .instance, segscopeVersion: version, database: store.databasePath, root: store.root, fingerprint: f.hex, pairs: plan.ids.count,
      shardIndex: shard.index, shardCount: shard.count, samples: records, gtField: r.gtField, predField: r.predField, dialect: .coco, ignore: [],
      reduceZeroLabel: false, resizePredictions: false, boundary: r.boundary, bandwidth: nil, view: view, classCount: plan.categories.count)
  }

  /// An instance field's shard: the IoU matrices (the per-image, expensive half of COCO evaluation) of
  /// the shard's images, one line per image and category, the doubles as their bits.
  public func runInstanceShard(_ r: Request, shard: Shard, out: String, view: String?, version: String) throws -> ShardHeader {
    let plan = try instancePlan(r)
    let mine = plan.ids.filter { shard.owns($0) }
    let keep = Set(mine.map { Int($0) })
    let ious = CocoEval.pairIoUs(
      gts: plan.gts.filter { keep.contains($0.imageId) }, dts: plan.dts.filter { keep.contains($0.imageId) }, imageIds: mine.map { Int($0) },
      categoryIds: plan.categories, params: plan.params)
    var text = ""
    for key in ious.keys.sorted(by: { ($0.image, $0.category) < ($1.image, $1.category) }) {
      let m = ious[key]!
      var bytes = Data(capacity: m.count * (m.first?.count ?? 0) * 8)
      for row in m { for v in row { withUnsafeBytes(of: v.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } } }
      text += "{\"img\":\(key.image),\"cat\":\(key.category),\"r\":\(m.count),\"c\":\(m.first?.count ?? 0),\"v\":\"\(bytes.base64EncodedString())\"}\n"
    }
    let head = instanceHeader(r, plan: plan, shard: shard, records: ious.count, version: version, view: view)
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    var data = try encoder.encode(head) + Data("\n".utf8)
    data += Data(text.utf8)
    var sum = PartChecksum()
    sum.add(data)
    data += Data(sum.endLine(samples: ious.count).utf8)
    try FileBytes.writeAtomically([UInt8](data), to: out)
    return head
  }

  /// Merges an instance field's parts: checks them as `merge` does, then matches and accumulates once
  /// over every image with the shards' IoUs, and stores the run as `eval` would.
  public func mergeInstances(parts: [String], key: String, version: String, resolveView: (String) throws -> [Int64]) throws -> (
    CocoEval.Result, ShardHeader
  ) {
    let (head, byIndex) = try PartFiles.checkedParts(parts, version: version)
    guard head.kind == .instance else { throw ShardError("refused, nothing stored: the parts are of a \(head.kind) evaluation") }
    var r = Request(key: key, predField: head.predField)
    r.gtField = head.gtField
    r.boundary = head.boundary
    if let v = head.view { r.sampleIds = try resolveView(v) }
    let plan = try instancePlan(r)
    let now = instanceHeader(r, plan: plan, shard: try Shard(index: 0, count: head.shardCount), records: 0, version: version, view: head.view)
    guard now.fingerprint == head.fingerprint else {
      throw ShardError(
        "refused, nothing stored: the parts do not match the dataset as it is now (fingerprint \(now.fingerprint); the parts: \(head.fingerprint)); the dataset changed since the shards ran, or they come from another dataset (\(head.database))"
      )
    }
    var ious: [CocoEval.PairKey: [[Double]]] = [:]
    for i in 0..<head.shardCount {
      let path = byIndex[i]![0]
      guard let reader = LineReader(path: path) else { throw ShardError("\(path): cannot read") }
      _ = reader.next()
      while let line = reader.next(), !line.hasPrefix("{\"end\"") {
        guard let o = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any], let img = o["img"] as? Int, let cat = o["cat"] as? Int,
          let rows = o["r"] as? Int, let cols = o["c"] as? Int, (0...100_000).contains(rows), (0...100_000).contains(cols),
          let v = (o["v"] as? String).flatMap({ Data(base64Encoded: $0) }), v.count == rows * cols * 8,
          Shard.owner(of: Int64(img), count: head.shardCount) == i
        else { throw ShardError("\(path): a damaged record; run shard \(i)/\(head.shardCount) again") }
        let values = v.withUnsafeBytes { raw in
          (0..<(rows * cols)).map { Double(bitPattern: UInt64(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))) }
        }
        guard values.allSatisfy({ $0.isFinite && $0 >= 0 && $0 <= 1 }) else {
          throw ShardError("\(path): a record with IoUs outside 0...1 (image \(img), category \(cat)); run shard \(i)/\(head.shardCount) again")
        }
        ious[CocoEval.PairKey(image: img, category: cat)] = (0..<rows).map { Array(values[($0 * cols)..<(($0 + 1) * cols)]) }
      }
    }
    // Every image and category with an instance must come from a shard.
    var need = Set<CocoEval.PairKey>()
    let cats = Set(plan.categories)
    for x in plan.gts + plan.dts where cats.contains(x.categoryId) { need.insert(CocoEval.PairKey(image: x.imageId, category: x.categoryId)) }
    let absent = need.subtracting(ious.keys)
    if let first = absent.min(by: { ($0.image, $0.category) < ($1.image, $1.category) }) {
      let s = Shard.owner(of: Int64(first.image), count: head.shardCount)
      throw ShardError(
        "refused, nothing stored: \(absent.count) image/category pairs have no IoUs in the parts (first: image \(first.image) of shard \(s)/\(head.shardCount))"
      )
    }
    let result = CocoEval.evaluate(
      gts: plan.gts, dts: plan.dts, imageIds: plan.ids.map { Int($0) }, categoryIds: plan.categories, params: plan.params, precomputed: ious)
    try saveInstances(r, result: result, version: version)
    return (result, head)
  }
}
