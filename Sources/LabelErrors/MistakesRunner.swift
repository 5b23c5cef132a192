import Parallel
import Dispatch
import DatasetStore
import ImageCodec
import SegmentationCore
import Synchronization

/// Runs the label-error finder over a dataset's ground truth with one or more prediction fields (and
/// their confidence maps when imported), and stores the verdicts as a label-error run.
public struct MistakesRunner: Sendable {
  public let store: DatasetStore
  /// Samples analysed and stored per batch (memory does not grow with the dataset).
  public var chunkSize = 256
  public init(store: DatasetStore) { self.store = store }

  public struct Request: Sendable {
    public var key: String
    public var gtField = FieldName.groundTruth
    public var predFields: [String]
    public var sampleIds: [Int64]? = nil
    public var ignore: Set<UInt16> = [255]
    /// Pixels from a ground-truth edge that are discounted.
    public var band = 2
    public init(
      key: String, predFields: [String], gtField: String = FieldName.groundTruth, sampleIds: [Int64]? = nil, ignore: Set<UInt16> = [255], band: Int = 2
    ) {
      self.key = key
      self.predFields = predFields
      self.gtField = gtField
      self.sampleIds = sampleIds
      self.ignore = ignore
      self.band = band
    }
    /// The run name when none is given: the prediction fields joined by '+'.
    public static func defaultKey(_ predFields: [String]) -> String { predFields.joined(separator: "+") }
  }

  public struct Outcome: Sendable {
    public var run: SuspectRun
    /// The samples analysed now, most suspicious first.
    public var samples: [SuspectSample]
    /// Files that could not be used, one line each (file: problem).
    public var problems: [String]
  }

  /// Whether a prediction field's file holds class probabilities (`--probs`), not a class mask.
  static func isProbabilities(_ ref: MaskRef) -> Bool {
    let lower = ref.path.lowercased()
    return lower.hasSuffix(".npy") || lower.hasSuffix(".npz")
  }

  /// The second pass, over stored statistics only: calibrates every sample of run `key` against the
  /// confusions its evidence makes across the whole run, and stores the samples whose scores or
  /// region order changed. Returns all of the run's samples, calibrated.
  func calibrate(key: String) throws -> [SuspectSample] {
    let stored = try store.suspects(run: key)
    let calibration = LabelErrorCalibration(samples: stored.map { LabelErrorCalibration.Sample(classes: $0.classes, regions: $0.regions) })
    var calibrated: [SuspectSample] = []
    var changed: [SuspectSample] = []
    calibrated.reserveCapacity(stored.count)
    for var s in stored {
      let before = s
      (s.score, s.regions) = calibration.apply(s.regions)
      if s != before { changed.append(s) }
      calibrated.append(s)
    }
    for batch in stride(from: 0, to: changed.count, by: 1024) {
      try store.saveSuspects(key: key, Array(changed[batch..<min(changed.count, batch + 1024)]))
    }
    return calibrated
  }

  public struct Cancelled: Error, CustomStringConvertible {
    public var description: String { "label-error search cancelled" }
  }

  public func run(_ r: Request, version: String, progress: (@Sendable (Int, Int) -> Void)? = nil, shouldStop: (@Sendable () -> Bool)? = nil) throws -> Outcome {
    let fields = try store.fields()
    let names = fields.map(\.name).joined(separator: ", ")
    guard let gt = fields.first(where: { $0.name == r.gtField }) else { throw StoreError.invalid("no mask field '\(r.gtField)' (fields: \(names))") }
    guard !r.predFields.isEmpty else { throw StoreError.invalid("give at least one prediction field (--pred FIELD)") }
    guard Set(r.predFields).count == r.predFields.count else { throw StoreError.invalid("a prediction field is given twice") }
    for name in [r.gtField] + r.predFields {
      guard let f = fields.first(where: { $0.name == name }) else { throw StoreError.invalid("no mask field '\(name)' (fields: \(names))") }
      if f.kind != .semantic { throw StoreError.invalid("'\(name)' holds \(f.kind) data, not class masks; the label-error finder compares class masks") }
    }
    if r.predFields.contains(r.gtField) { throw StoreError.invalid("'\(r.gtField)' is the ground truth; compare it with prediction fields") }
    var ignore = r.ignore
    for c in gt.classes where c.isIgnore { ignore.insert(UInt16(c.value)) }

    // Per sample: the ground truth, and each prediction (with its confidence map) it has.
    var gtRefs: [Int64: MaskRef] = [:]
    var predRefs: [String: [Int64: MaskRef]] = [:]
    var confRefs: [String: [Int64: MaskRef]] = [:]
    for p in r.predFields {
      for (sid, g, m) in try store.maskPairs(gt: r.gtField, pred: p, sampleIds: r.sampleIds) {
        gtRefs[sid] = g
        predRefs[p, default: [:]][sid] = m
      }
      let conf = FieldName.confidence(of: p)
      if fields.contains(where: { $0.name == conf }) {
        for (sid, _, c) in try store.maskPairs(gt: r.gtField, pred: conf, sampleIds: r.sampleIds) { confRefs[p, default: [:]][sid] = c }
      }
    }
    let ids = gtRefs.keys.sorted()
    guard !ids.isEmpty else {
      let scope = r.sampleIds.map { "the view's \($0.count) samples" } ?? "the dataset"
      throw StoreError.invalid(
        "nothing to check: no sample of \(scope) has both '\(r.gtField)' and one of \(r.predFields.map { "'\($0)'" }.joined(separator: ", "))")
    }
    let hasProbabilities = r.predFields.count == 1 && (predRefs[r.predFields[0]]?.values.contains(where: Self.isProbabilities) ?? false)
    let planned: LabelEvidence =
      r.predFields.count >= 2 ? .predictions : hasProbabilities ? .probabilities : (confRefs.isEmpty ? .hardPrediction : .confidence)
    // What the run's stored samples were computed with: a run made again with the same parameters
    // skips the samples whose ground truth and evidence have not changed (an interrupted run resumes).
    let params =
      "finder=\(LabelErrorFinder.version) band=\(r.band) ignore=\(ignore.sorted().map(String.init).joined(separator: ",")) gt=\(r.gtField) version=\(version)"
    let stored = try store.suspectRunParams(key: r.key) == params ? try store.suspectSignatures(run: r.key) : [:]
    var signatures: [Int64: String] = [:]
    for sid in ids {
      signatures[sid] = r.predFields.map { p in
        [predRefs[p]?[sid], confRefs[p]?[sid]].map { $0.map { "\($0.revision):\($0.path)" } ?? "-" }.joined(separator: "+")
      }.joined(separator: "|")
    }
    var resumed: [Int64] = []
    var pending: [Int64] = []
    for sid in ids {
      // A view or a single sample is always checked anew (a recheck after a restore or an edit).
      if r.sampleIds == nil, let s = stored[sid], s.gtRevision == gtRefs[sid]?.revision, s.evidence == signatures[sid] {
        resumed.append(sid)
      } else {
        pending.append(sid)
      }
    }
    // A partial run (a view, one rechecked sample) keeps what the run's other samples had.
    let before = r.sampleIds == nil ? nil : try store.suspectRuns().first { $0.key == r.key && $0.predFields == r.predFields }?.evidence
    try store.beginSuspectRun(key: r.key, gtField: r.gtField, predFields: r.predFields, evidence: planned, version: version, params: params)
    let dismissed = try store.allDismissals()
    var tuned = LabelErrorFinder(ignore: ignore)
    tuned.band = r.band
    let finder = tuned
    let (gtOf, predOf, confOf, sigOf) = (gtRefs, predRefs, confRefs, signatures)
    let gtDecoding = gt.decoding
    let decodings = Dictionary(uniqueKeysWithValues: fields.map { ($0.name, $0.decoding) })
    let problems = Mutex<[String]>([])
    var computed: [SuspectSample] = []
    let done = AtomicCounter()
    let writer = DispatchQueue(label: "segscope.mistakes.writer")
    let inFlight = DispatchGroup()
    let writeError = Mutex<(any Error)?>(nil)
    // A cancelled run still calibrates what it stored, so the run's scores stay on one scale.
    func stopped() -> Cancelled {
      inFlight.wait()
      if writeError.withLock({ $0 }) == nil { _ = try? calibrate(key: r.key) }
      return Cancelled()
    }
    var start = 0
    let total = ids.count
    for _ in resumed { progress?(done.increment(), total) }
    let work = pending
    while start < work.count {
      if shouldStop?() == true { throw stopped() }
      let chunk = Array(work[start..<min(work.count, start + chunkSize)])
      let slots = ResultSlots<SuspectSample>(count: chunk.count)
      DispatchQueue.concurrentPerform(iterations: chunk.count) { i in
        if shouldStop?() == true { return }
        let sid = chunk[i]
        defer { progress?(done.increment(), total) }
        guard let gref = gtOf[sid] else { return }
        let gtPath = store.absolutePath(gref.path)
        var file = gtPath
        do {
          let g = try ImageLoader.loadMask(path: gtPath, decoding: gref.decoding ?? gtDecoding).mask
          var evidence: [PredictionEvidence] = []
          for p in r.predFields {
            guard let ref = predOf[p]?[sid] else { continue }
            file = store.absolutePath(ref.path)
            if Self.isProbabilities(ref) {
              // Class probabilities: the strongest evidence, read one file at a time per worker.
              do {
                let map = try NumpyProbabilities.read(path: file)
                guard map.width == g.width, map.height == g.height else {
                  let note = "\(store.relativePath(file)): probabilities of '\(p)' are \(map.width)x\(map.height), the ground truth \(g.width)x\(g.height)"
                  problems.withLock { $0.append(note + " (left out of this sample)") }
                  continue
                }
                evidence.append(PredictionEvidence(probabilities: map))
              } catch {
                problems.withLock { $0.append("\(error) (prediction '\(p)' left out of this sample)") }
              }
              continue
            }
            let labels: LabelMask
            do {
              labels = try ImageLoader.loadMask(path: file, decoding: ref.decoding ?? decodings[p] ?? .identity).mask
            } catch {
              // One unreadable prediction leaves the others as evidence.
              problems.withLock { $0.append("\(error) (prediction '\(p)' left out of this sample)") }
              continue
            }
            guard labels.width == g.width, labels.height == g.height else {
              let note = "\(store.relativePath(file)): prediction '\(p)' is \(labels.width)x\(labels.height), the ground truth \(g.width)x\(g.height)"
              problems.withLock { $0.append(note + " (left out of this sample)") }
              continue
            }
            var confidence: LabelMask? = nil
            if let cref = confOf[p]?[sid] {
              let cfile = store.absolutePath(cref.path)
              if let c = try? ImageLoader.loadMask(path: cfile), c.width == g.width, c.height == g.height {
                confidence = c
              } else {
                problems.withLock {
                  $0.append("\(store.relativePath(cfile)): confidence map unreadable or of another size (prediction '\(p)' used as a hard prediction)")
                }
              }
            }
            evidence.append(
              PredictionEvidence(labels: labels, confidence: confidence, confidenceScale: confidence?.bitDepth == 16 ? 65535 : 255))
          }
          file = gtPath
          guard !evidence.isEmpty else { return }
          var verdict = try finder.analyze(groundTruth: g, predictions: evidence)
          if let gone = dismissed[sid] {
            verdict.regions.removeAll { region in gone.contains { DatasetStore.sameRegion($0, region) } }
            verdict.score = LabelErrorCalibration.combine(verdict.regions.map(\.score))
          }
          slots.set(
            i,
            SuspectSample(
              sampleId: sid, gtRevision: gref.revision, evidence: verdict.evidence, score: verdict.score, quality: verdict.quality, regions: verdict.regions,
              classes: verdict.classes, evidenceSignature: sigOf[sid] ?? ""))
        } catch let e as ImageCodecError {
          problems.withLock { $0.append("\(e)") }
        } catch {
          problems.withLock { $0.append("\(store.relativePath(file)): \(error)") }
        }
      }
      if shouldStop?() == true { throw stopped() }
      let rows = slots.values().compactMap { $0 }
      // Each batch is written while the next one is computed (one write in flight).
      inFlight.wait()
      if let e = writeError.withLock({ $0 }) { throw e }
      let target = store, key = r.key
      writer.async(group: inFlight) {
        do { try target.saveSuspects(key: key, rows) } catch { writeError.withLock { $0 = error } }
      }
      computed += rows
      start += chunk.count
    }
    inFlight.wait()
    if let e = writeError.withLock({ $0 }) { throw e }
    let all = try calibrate(key: r.key)
    let scope = Set(r.sampleIds == nil ? all.map(\.sampleId) : gtRefs.keys.map { $0 })
    computed = all.filter { scope.contains($0.sampleId) }
    // The run's evidence is the strongest any sample had.
    let strongest = (computed.map(\.evidence) + [before].compactMap { $0 }).min() ?? planned
    try store.beginSuspectRun(key: r.key, gtField: r.gtField, predFields: r.predFields, evidence: strongest, version: version)
    if r.sampleIds == nil {
      // A whole-dataset run forgets samples that are gone or no longer have the fields.
      let keep = Set(computed.map(\.sampleId))
      let stale = try store.suspectSampleIds(run: r.key).filter { !keep.contains($0) }
      if !stale.isEmpty { try store.forgetSuspects(key: r.key, sampleIds: stale) }
    }
    guard let run = try store.suspectRuns().first(where: { $0.key == r.key }) else { throw StoreError.notFound("label-error run \(r.key)") }
    computed.sort { $0.score != $1.score ? $0.score > $1.score : $0.sampleId < $1.sampleId }
    return Outcome(run: run, samples: computed, problems: problems.withLock { $0 }.sorted())
  }
}
