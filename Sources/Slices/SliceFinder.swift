import DatasetStore
import Dispatch
import Foundation
import Parallel
import SegmentationCore

/// Finds the slices of a dataset where an evaluation run is significantly worse than on the rest.
///
/// Candidates come from what the store knows of each sample (split, tags, classes present or absent,
/// per-class object-size bins, image size, brightness and contrast tails, clusters, uniqueness tails)
/// and from pairs of the most promising of them. Each is tested against the rest of the samples
/// (one-sided z-test of the mIoU gap, variances by linearisation), false discoveries are controlled
/// across all candidates with Benjamini–Hochberg, nested slices are reduced to the one that explains
/// the gap, and the listed slices get a stratified bootstrap interval of their gap.
public struct SliceFinder: Sendable {
  public let store: DatasetStore
  public init(store: DatasetStore) { self.store = store }

  public struct Options: Sendable {
    /// Slices (and their complements) smaller than this are not tested.
    public var minSize = 10
    /// The false discovery rate: slices are listed when their q-value is at most this.
    public var alpha = 0.05
    /// Bootstrap resamples for each listed slice's interval.
    public var iterations = 500
    /// Of two nested slices, the smaller is listed on its own only when it is worse than the rest of
    /// the larger by at least this much mIoU (and significantly): on large sets a trivial difference is
    /// significant.
    public var minEffect = 0.02
    /// Pairs are formed among this many single slices (the most significant).
    public var pairsFrom = 40
    /// At most this many slices are listed (worst first).
    public var limit = 20
    public var seed: UInt64 = 20_261_204
    public init(minSize: Int = 10, alpha: Double = 0.05, limit: Int = 20) {
      self.minSize = minSize
      self.alpha = alpha
      self.limit = limit
    }
  }

  public struct Slice: Sendable {
    /// What the slice is, in words.
    public var name: String
    /// The slice as a view expression (the filters of `--view` included).
    public var definition: ViewExpression
    public var sampleIds: [Int64]
    /// mIoU on the slice and on the rest of the samples (same scale as `eval`'s mIoU), and rest − slice.
    public var miou: Double
    public var restMIoU: Double
    public var gap: Double
    /// 95% bootstrap interval of the gap.
    public var interval: (low: Double, high: Double)
    public var p: Double
    public var q: Double
    /// Other listed-worthy slices with nearly the same samples (Jaccard >= 0.9): the same finding in
    /// other words (a cluster that is the dark images), with their definitions.
    public var alternatives: [(name: String, definition: ViewExpression)] = []
  }

  public struct Outcome: Sendable {
    public var slices: [Slice]
    /// Candidates tested (singles and pairs) and how many were significant before nested ones were folded.
    public var tested: Int
    public var significant: Int
    /// Samples of the view the run evaluated.
    public var samples: Int
    public var overallMIoU: Double
    public var run: String
    /// Candidate sources that were left out, and why.
    public var notes: [String]
  }

  /// Stopped on request (x in the app); nothing is stored by a slice search.
  public struct Cancelled: Error, CustomStringConvertible {
    public var description: String { "slice search cancelled" }
  }

  /// Finds the slices. `progress(done, total)` counts the steps (candidates built, singles tested,
  /// pairs tested, nested slices folded, then each listed slice's bootstrap); `shouldStop` is asked
  /// between steps.
  public func find(
    run: EvalRun, view: ViewExpression = ViewExpression(), options: Options = Options(), progress: (@Sendable (Int, Int) -> Void)? = nil,
    shouldStop: (@Sendable () -> Bool)? = nil
  ) throws -> Outcome {
    let steps = 4 + options.limit
    func step(_ done: Int) throws {
      progress?(done, steps)
      if shouldStop?() == true { throw Cancelled() }
    }
    guard run.kind == .semantic else { throw StoreError.invalid("slices need a semantic run; '\(run.key)' is an instance run") }
    let dialect = try run.metricDialect()
    let matrices = try store.sampleMatrices(run: run)
    let universe = try store.sampleIds(ViewExpression(filters: view.filters)).filter { matrices[$0] != nil }
    guard universe.count >= 2 * options.minSize else {
      throw StoreError.invalid(
        "slices need at least \(2 * options.minSize) evaluated samples (--min-size \(options.minSize) on each side); run '\(run.key)' has \(universe.count) in the view"
      )
    }
    let counts = SampleCounts(matrices: universe.map { matrices[$0]! }, classCount: run.classCount, dialect: dialect)
    var notes: [String] = []
    var builder = CandidateBuilder(universe: universe, minSize: options.minSize)
    try addCandidates(&builder, run: run, notes: &notes)
    try step(1)
    var candidates = builder.out
    var tests = evaluate(candidates, counts: counts)
    try step(2)
    // Of each chain of cuts, only the most significant one can be listed or paired.
    var bestOfChain: [String: Int] = [:]
    for (i, c) in candidates.enumerated() {
      guard let chain = c.chain, tests[i].z.isFinite else { continue }
      if let b = bestOfChain[chain], tests[b].z >= tests[i].z { continue }
      bestOfChain[chain] = i
    }
    let listable = Set(candidates.indices.filter { candidates[$0].chain == nil || bestOfChain[candidates[$0].chain!] == $0 })
    // Pairs of the most significant singles, of different features.
    let top = listable.filter { tests[$0].gap > 0 && tests[$0].z.isFinite }.sorted { tests[$0].z != tests[$1].z ? tests[$0].z > tests[$1].z : $0 < $1 }
      .prefix(options.pairsFrom)
    var pairs = CandidateBuilder(universe: universe, minSize: options.minSize)
    pairs.seen = builder.seen
    let topList = Array(top)
    for (x, a) in topList.enumerated() {
      for b in topList[(x + 1)...] where candidates[a].family != candidates[b].family {
        let A = candidates[a], B = candidates[b]
        let both = A.intersection(B)
        guard both.count < min(A.members.count, B.members.count) else { continue }
        pairs.add(
          SliceCandidate(
            name: A.name + " and " + B.name, filters: A.filters + B.filters, family: A.family + "&" + B.family, members: both, universe: universe.count))
      }
    }
    let pairTests = evaluate(pairs.out, counts: counts)
    try step(3)
    candidates += pairs.out
    tests += pairTests
    let q = BenjaminiHochberg.qValues(tests.map(\.p))
    var significant = candidates.indices.filter { ($0 >= builder.out.count || listable.contains($0)) && q[$0] <= options.alpha && tests[$0].gap > 0 }
    let found = significant.count
    significant = fold(significant, candidates: candidates, tests: tests, counts: counts, options: options)
    significant.sort { tests[$0].gap != tests[$1].gap ? tests[$0].gap > tests[$1].gap : $0 < $1 }
    try step(4)
    // Worst first; a slice whose gap comes from its overlap with a worse listed one is left out, and
    // so is one whose bootstrap interval reaches 0.
    var slices: [Slice] = []
    var kept: [SliceCandidate] = []
    for index in significant where slices.count < options.limit {
      let c = candidates[index]
      if let same = kept.firstIndex(where: { Self.jaccard(c, $0) >= 0.9 }) {
        slices[same].alternatives.append((c.name, ViewExpression(filters: view.filters + c.filters)))
        continue
      }
      if kept.contains(where: { explained(c, by: $0, counts: counts, alpha: options.alpha, minEffect: options.minEffect) }) { continue }
      let rest = complement(c, count: universe.count)
      let iv = counts.gapInterval(slice: c.members, rest: rest, iterations: options.iterations, seed: options.seed &+ UInt64(index))
      try step(4 + slices.count + 1)
      guard iv.low > 0 else { continue }
      var inside = ConfusionMatrix(classCount: run.classCount), outside = inside
      for i in c.members { inside.add(matrices[universe[i]]!) }
      for i in rest { outside.add(matrices[universe[i]]!) }
      let m = SemanticMetrics(matrix: inside, dialect: dialect).mIoU, r = SemanticMetrics(matrix: outside, dialect: dialect).mIoU
      kept.append(c)
      slices.append(
        Slice(
          name: c.name, definition: ViewExpression(filters: view.filters + c.filters), sampleIds: c.members.map { universe[$0] }, miou: m, restMIoU: r,
          gap: r - m, interval: iv, p: tests[index].p, q: q[index]))
    }
    var all = ConfusionMatrix(classCount: run.classCount)
    for id in universe { all.add(matrices[id]!) }
    return Outcome(
      slices: slices, tested: candidates.count, significant: found, samples: universe.count,
      overallMIoU: SemanticMetrics(matrix: all, dialect: dialect).mIoU, run: run.key, notes: notes)
  }

  typealias Test = (gap: Double, z: Double, p: Double, sliceMIoU: Double, restMIoU: Double)

  func complement(_ c: SliceCandidate, count: Int) -> [Int] { (0..<count).filter { !c.contains($0) } }

  func evaluate(_ candidates: [SliceCandidate], counts: SampleCounts) -> [Test] {
    let slots = ResultSlots<Test>(count: candidates.count)
    DispatchQueue.concurrentPerform(iterations: candidates.count) { i in
      slots.set(i, counts.gapTest(slice: candidates[i].members, rest: complement(candidates[i], count: counts.count)))
    }
    return slots.values().map { $0 ?? (.nan, .nan, 1, .nan, .nan) }
  }

  /// Minimal slices. Of two significant slices A ⊂ B, A is folded into B (B explains it) when its gap
  /// is not larger than B's by `minEffect`, or when it is not worse than the rest of B (significantly
  /// and by `minEffect`); B is folded into A (A explains B's gap) when the rest of B is not worse than
  /// the samples outside B in that sense. A rest of B smaller than `minSize` is not tested.
  func fold(_ significant: [Int], candidates: [SliceCandidate], tests: [Test], counts: SampleCounts, options: Options) -> [Int] {
    func worse(_ x: [Int], than y: [Int]) -> Bool {
      let t = counts.gapTest(slice: x, rest: y)
      return t.p <= options.alpha && t.gap >= options.minEffect
    }
    var dropped = Set<Int>()
    let n = counts.count
    for a in significant {
      for b in significant where a != b && candidates[a].members.count < candidates[b].members.count {
        let A = candidates[a], B = candidates[b]
        guard A.isSubset(of: B) else { continue }
        let restOfB = B.members.filter { !A.contains($0) }
        let testable = restOfB.count >= options.minSize
        if tests[a].gap < tests[b].gap + options.minEffect || (testable && !worse(A.members, than: restOfB)) {
          dropped.insert(a)
        } else if testable && !worse(restOfB, than: complement(B, count: n)) {
          dropped.insert(b)
        }
      }
    }
    return significant.filter { !dropped.contains($0) }
  }

  static func jaccard(_ a: SliceCandidate, _ b: SliceCandidate) -> Double {
    var both = 0, either = 0
    for w in 0..<a.bits.count {
      both += (a.bits[w] & b.bits[w]).nonzeroBitCount
      either += (a.bits[w] | b.bits[w]).nonzeroBitCount
    }
    return either == 0 ? 0 : Double(both) / Double(either)
  }

  /// Whether `c`'s gap comes from its overlap with the worse slice `worse`: what is left of `c` outside
  /// it is too small to test, or not worse than the samples in neither.
  func explained(_ c: SliceCandidate, by worse: SliceCandidate, counts: SampleCounts, alpha: Double, minEffect: Double) -> Bool {
    let left = c.members.filter { !worse.contains($0) }
    guard left.count < c.members.count else { return false }
    guard left.count >= 2 else { return true }
    let neither = (0..<counts.count).filter { !c.contains($0) && !worse.contains($0) }
    let t = counts.gapTest(slice: left, rest: neither)
    return !(t.p <= alpha && t.gap >= minEffect)
  }

  /// Every candidate the store can define for the universe.
  func addCandidates(_ b: inout CandidateBuilder, run: EvalRun, notes: inout [String]) throws {
    let ids = b.universe
    let rows = try store.samples(ids: ids)
    let byId = Dictionary(uniqueKeysWithValues: rows.map { ($0.id, $0) })
    let sample = ids.map { byId[$0] }
    // Split and tags.
    let splits = Set(sample.compactMap { $0?.split })
    if splits.count > 1 {
      for s in splits.sorted() { b.add("split \(s)", [.split(s, equal: true)], family: "split") { sample[$0]?.split == s } }
    }
    let tags = try store.tags(ids: ids)
    let tagNames = Set(tags.values.flatMap { $0 })
    for t in tagNames.sorted() { b.add("tag \(t)", [.tag(t)], family: "tag:" + t) { tags[ids[$0]]?.contains(t) == true } }
    // Classes of the ground truth: present, absent, object-size bins.
    let field = try store.fields().first { $0.name == run.gtField }
    let histograms = try store.classHistograms(field: run.gtField)
    let ignore = field?.ignoredValues ?? [255]
    let names = field?.classNamesByValue ?? [:]
    var pixels: [Int: [Int: Int]] = [:]  // class -> universe index -> pixels
    for (i, id) in ids.enumerated() {
      for e in histograms[id] ?? [] where e.pixels > 0 && !ignore.contains(e.value) { pixels[e.value, default: [:]][i] = e.pixels }
    }
    if histograms.isEmpty { notes.append("no class histograms for '\(run.gtField)': class slices left out (segscope index PATH)") }
    for v in pixels.keys.sorted() {
      let p = pixels[v] ?? [:]
      let name = names[v] ?? String(v)
      let f = run.gtField
      let present = ViewExpression.Filter.classPixels(className: name, field: f, .gt, 0)
      b.add("with \(name)", [present], family: "class:\(v)") { p[$0] != nil }
      b.add("without \(name)", [.not(present)], family: "class:\(v)") { p[$0] == nil }
      let sorted = p.values.map(Double.init).sorted()
      guard sorted.count >= 3 * b.minSize else { continue }
      let t1 = CandidateBuilder.quantile(sorted, 1.0 / 3), t2 = CandidateBuilder.quantile(sorted, 2.0 / 3)
      guard t1 < t2 else { continue }
      b.add("small \(name) (< \(Int(t1)) px)", [present, .classPixels(className: name, field: f, .lt, t1)], family: "class:\(v)") {
        (p[$0] ?? 0) > 0 && Double(p[$0] ?? 0) < t1
      }
      b.add("large \(name) (>= \(Int(t2)) px)", [.classPixels(className: name, field: f, .ge, t2)], family: "class:\(v)") { Double(p[$0] ?? 0) >= t2 }
    }
    // Image size.
    var sizes: [String: (Int, Int)] = [:]
    for r in sample { if let r { sizes["\(r.width)x\(r.height)"] = (r.width, r.height) } }
    if sizes.count > 1 && sizes.count <= 8 {
      for (key, (w, h)) in sizes.sorted(by: { $0.key < $1.key }) {
        b.add("\(key) images", [.metric(.width, .eq, Double(w)), .metric(.height, .eq, Double(h))], family: "size") {
          sample[$0]?.width == w && sample[$0]?.height == h
        }
      }
    } else if sizes.count > 8 {
      var areas: [Int: Double] = [:]
      for (i, r) in sample.enumerated() { if let r { areas[i] = Double(r.width) } }
      b.tails(.width, values: areas, low: "narrow images", high: "wide images")
    }
    // Brightness and contrast, made with the signatures.
    let luma = try store.imageLuma()
    if luma.isEmpty {
      notes.append("no brightness or contrast: run segscope signatures PATH (or clusters) for those slices")
    } else {
      var bright: [Int: Double] = [:], contrast: [Int: Double] = [:]
      for (i, id) in ids.enumerated() {
        if let l = luma[id] {
          bright[i] = l.brightness
          contrast[i] = l.contrast
        }
      }
      b.tails(.brightness, values: bright, low: "dark images", high: "bright images")
      b.tails(.contrast, values: contrast, low: "low-contrast images", high: "high-contrast images")
    }
    // Clusters and uniqueness, when they were computed.
    if try store.hasCuration("sample_cluster") {
      let members = try store.clusters()
      var cluster: [Int64: Int] = [:]
      for m in members { cluster[m.sampleId] = m.cluster }
      for c in Set(members.map(\.cluster)).sorted() { b.add("cluster \(c)", [.cluster(c)], family: "cluster") { cluster[ids[$0]] == c } }
    } else {
      notes.append("no clusters: run segscope clusters PATH for cluster slices")
    }
    if try store.hasCuration("uniqueness") {
      let u = try store.uniqueness()
      var values: [Int: Double] = [:]
      for (i, id) in ids.enumerated() { if let v = u[id] { values[i] = v } }
      b.tails(.uniqueness, values: values, low: "common images", high: "unusual images")
    } else {
      notes.append("no uniqueness: run segscope uniqueness PATH for uniqueness slices")
    }
  }
}
