import Parallel
import Dispatch
import ImageCodec
import SegmentationCore

/// One ground-truth / prediction pair on disk.
public struct MaskPair: Sendable, Equatable {
  public let sampleId: String
  public let groundTruth: String
  public let prediction: String
  /// Cityscapes instanceIds of the ground truth, for iIoU.
  public var instanceIds: String? = nil
  /// Decodings for these files when they differ from the evaluator's (corrected revisions).
  public var gtDecoding: MaskDecoding? = nil
  public var predDecoding: MaskDecoding? = nil

  public init(
    sampleId: String, groundTruth: String, prediction: String, instanceIds: String? = nil, gtDecoding: MaskDecoding? = nil, predDecoding: MaskDecoding? = nil
  ) {
    self.sampleId = sampleId
    self.groundTruth = groundTruth
    self.prediction = prediction
    self.instanceIds = instanceIds
    self.gtDecoding = gtDecoding
    self.predDecoding = predDecoding
  }
}

/// A sample's confusion matrix, or why it could not be evaluated.
public struct SampleEvaluation: Sendable {
  public let sampleId: String
  public let matrix: ConfusionMatrix?
  /// A message naming the file and the problem when the pair could not be evaluated.
  public let problem: String?
  /// Boundary IoU counts of this sample (when asked for).
  public var boundary: BoundaryIoU? = nil
  /// Cityscapes instance-weighted counts (when the pair has instanceIds).
  public var instances: CityscapesInstanceIoU? = nil
  /// Predicted values outside the class map, with their pixel counts (they go to the "other" column).
  public var outsidePredictions: [UInt16: UInt64] = [:]

  /// This sample's metrics (mIoU over the classes present in its ground truth or prediction).
  public func metrics(dialect: MetricDialect = .mmseg) -> SemanticMetrics? {
    matrix.map { SemanticMetrics(matrix: $0, dialect: dialect) }
  }
}

/// Evaluates semantic masks read from files, on every core.
public struct SemanticEvaluator: Sendable {
  public var classCount: Int
  public var ignore: Set<UInt16>
  public var limits: DecodeLimits
  /// mmseg's reduce_zero_label, applied to the ground truth as it is loaded.
  public var reduceZeroLabel = false
  /// Resize predictions of another size to the ground truth (nearest neighbour) instead of failing.
  public var resizePredictions = false
  /// Also count boundary IoU (Cheng et al. 2021).
  public var boundary = false
  /// FiftyOne's `bandwidth`: count only the pixels within this many pixels of a ground-truth contour
  /// (see `ContourBand`). Boundary IoU and iIoU still use the whole masks.
  public var bandwidth: Int? = nil
  /// How the ground-truth and prediction files become class ids.
  public var gtDecoding: MaskDecoding = .identity
  public var predDecoding: MaskDecoding = .identity

  public init(classCount: Int, ignore: Set<UInt16> = [255], limits: DecodeLimits = .default) {
    self.classCount = classCount
    self.ignore = ignore
    self.limits = limits
  }

  /// Decodes and compares every pair. A broken pair gives a problem entry and the rest go on.
  /// `progress` is called (from worker threads) with the number of pairs done.
  /// `shouldStop` is polled before each pair: once it says yes the remaining pairs are skipped.
  public func evaluate(_ pairs: [MaskPair], progress: (@Sendable (Int) -> Void)? = nil, shouldStop: (@Sendable () -> Bool)? = nil) -> [SampleEvaluation] {
    let box = ResultSlots<SampleEvaluation>(count: pairs.count)
    let counter = AtomicCounter()
    DispatchQueue.concurrentPerform(iterations: pairs.count) { i in
      if shouldStop?() == true { return }
      box.set(i, evaluateOne(pairs[i]))
      let done = counter.increment()
      progress?(done)
    }
    return box.values().compactMap { $0 }
  }

  /// Evaluates one pair.
  public func evaluateOne(_ pair: MaskPair) -> SampleEvaluation {
    do {
      var gt = try ImageLoader.loadMask(path: pair.groundTruth, decoding: pair.gtDecoding ?? gtDecoding, limits: limits).mask
      var pred = try ImageLoader.loadMask(path: pair.prediction, decoding: pair.predDecoding ?? predDecoding, limits: limits).mask
      if reduceZeroLabel { gt = gt.reducingZeroLabel() }
      if resizePredictions && (pred.width != gt.width || pred.height != gt.height) { pred = pred.resizedNearest(width: gt.width, height: gt.height) }
      do throws(AccumulateError) {
        let m: ConfusionMatrix
        if let bw = bandwidth {
          let (bg, bp) = try ContourBand.restrict(gt: gt, pred: pred, bandwidth: bw)
          m = try ConfusionMatrix.of(gt: bg, pred: bp, classCount: classCount, ignore: ignore)
        } else {
          m = try ConfusionMatrix.of(gt: gt, pred: pred, classCount: classCount, ignore: ignore)
        }
        var result = SampleEvaluation(sampleId: pair.sampleId, matrix: m, problem: nil)
        // Which predicted values fell in the "other" column: looked up only when some did.
        var other: UInt64 = 0
        for g in 0..<classCount { other &+= m[g, classCount] }
        if other > 0 || !m.outside.isEmpty {
          for (v, n) in pred.histogram() where Int(v) >= classCount { result.outsidePredictions[v] = UInt64(n) }
        }
        if let ip = pair.instanceIds, let inst = try? ImageLoader.loadMask(path: ip, limits: limits), inst.width == gt.width, inst.height == gt.height {
          var c = CityscapesInstanceIoU()
          c.accumulate(instanceIds: inst, prediction: pred)
          result.instances = c
        }
        if boundary {
          var b = BoundaryIoU(classCount: classCount)
          try b.accumulate(gt: gt, pred: pred, ignore: ignore)
          result.boundary = b
        }
        return result
      } catch {
        return SampleEvaluation(sampleId: pair.sampleId, matrix: nil, problem: "\(pair.prediction): \(error.description)")
      }
    } catch {
      return SampleEvaluation(sampleId: pair.sampleId, matrix: nil, problem: error.description)
    }
  }
}
