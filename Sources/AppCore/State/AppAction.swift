import Augmentation
import SegmentationCore
import TerminalRender

/// Everything that happens to the app, named after the event.
public enum AppAction: Sendable {
  case keyPressed(Key)
  case terminalResized(width: Int, height: Int)
  /// The link to the terminal carries this many KB/s and is too slow for pixel pictures.
  case linkTooSlow(kbps: Double)
  case mouseClicked(x: Int, y: Int)
  case mouseScrolled(up: Bool)
  case commandInvoked(CommandID, [String])
  case datasetLoaded(
    name: String, total: Int, fields: [String], classNames: [String], palette: ClassPalette, ignore: Set<UInt16>, runs: [EvalRun], problems: [String])
  /// A view's samples. `request` is the id the runtime gave the load (0: unnumbered); a result
  /// for an older request than the newest one is stale and dropped.
  /// A view's samples; `changes` (from `W`) gives each sample's mIoU change between two runs.
  case viewLoaded(view: ViewExpression, title: String, ids: [Int64], matrix: ConfusionMatrix?, request: Int = 0, changes: [Int64: Double] = [:])
  case viewFailed(text: String, message: String, request: Int = 0)
  /// The runtime numbered a view load: results of earlier loads are stale from now on.
  case viewRequested(Int)
  case rowsLoaded([SampleSummary])
  case imagesLoaded(SampleImages)
  case imagesFailed(id: Int64, message: String)
  /// A small image and its ground truth at the same size (at most 192x144 pixels).
  case thumbnailLoaded(Thumbnail)
  /// Two runs' matrices over the samples both evaluated in the view (paired, as `runs --compare`).
  case compareLoaded(PairedRuns)
  case jobProgress(id: JobID, Job?)
  case statusMessage(String, isError: Bool)
  /// Instance and panoptic runs (read-only in the app).
  case otherRunsLoaded([OtherRunSummary])
  /// What the review, flag and correction work answers.
  case triage(TriageAction)
  /// What the label-error work answers.
  case suspects(SuspectAction)
  /// What the curation jobs and the map answer.
  case curation(CurationAction)
  /// What the augmentation and predict work answers.
  case model(ModelAction)
  /// What the clusters and slices jobs answer.
  case slices(SliceAction)
}

/// Review queues, flags and mask revisions.
public enum TriageAction: Sendable {
  /// A review queue opened: its samples (in the queue's order), saved verdicts, and where the last
  /// session stopped.
  case reviewLoaded(queue: String, expression: ViewExpression, ids: [Int64], verdicts: [Int64: Verdict], position: Int64?, matrix: ConfusionMatrix?)
  /// The database confirmed a verdict.
  case verdictSaved(queue: String, sample: Int64, verdict: Verdict)
  /// A verdict could not be saved (it is shown as not given).
  case verdictFailed(queue: String, sample: Int64, message: String)
  /// The database confirmed a flag.
  case flagSaved(id: Int64, sample: Int64, text: String)
  case flagsLoaded([FlagSummary])
  /// A sample's revision history and open flags, re-read (its pictures are unchanged).
  case revisionInfoLoaded(sample: Int64, RevisionInfo)
  /// A sample's mask got a new revision (or lost one): its pictures are stale.
  case maskRevised(sample: Int64, message: String)
}

/// Label-error runs.
public enum SuspectAction: Sendable {
  /// The label-error runs and the regions of the one shown (`run`), most suspicious sample first;
  /// `checked` is how many samples the run has a verdict for.
  case suspectsLoaded(runs: [SuspectRun], run: String?, entries: [SuspectEntry], checked: Int)
}

/// Curation jobs and the embedding map.
public enum CurationAction: Sendable {
  /// A curation job ended: its message, and the view that shows its result (nil: none).
  case curationFinished(job: JobID, view: ViewExpression?, message: String, isError: Bool)
  /// The embedding map of a view (its points in the view's order), and the share of the variance
  /// its two axes explain.
  case mapLoaded(view: ViewExpression, points: [MapPoint], explained: Double)
}

/// Clusters and slices.
public enum SliceAction: Sendable {
  /// Clusters or slices a background job made (the Slices screen shows them).
  case slicesLoaded(SliceListKind, SliceList)
}

/// Augmentation pipelines.
public enum ModelAction: Sendable {
  /// An augmentation pipeline read from `name`.
  case pipelineLoaded(name: String, pipeline: Pipeline)
}

/// Curation work the app runs in the background.
public enum CurationTask: Sendable, Equatable {
  /// Exact and near duplicates and leaks (the view `dup` shows them).
  case duplicates
  /// FiftyOne-style uniqueness (the view `sort:-uniqueness`).
  case uniqueness
  /// The `budget` most uncertain samples of the view, spread apart, tagged `tag`.
  case next(budget: Int, fields: [String], view: ViewExpression, tag: String)
  /// Clusters of the images (k nil: chosen by silhouette), with the run's mIoU on each.
  case clusters(k: Int?, run: String?)
  /// The clusters stored by an earlier run (`segscope clusters`), with the run's mIoU on each.
  case storedClusters(run: String?)
  /// The slices of the view where the run is significantly worse.
  case slices(run: String, view: ViewExpression)
}

/// Work the reducer asks for; the runtime performs it and answers with actions.
public enum Effect: Sendable, Equatable {
  /// Whether the effect loads the view (its answer replaces the samples shown).
  public var loadsView: Bool {
    switch self {
    case .loadView, .loadCell, .loadChanges, .curation(.loadSimilar), .curation(.selectionToView): return true
    default: return false
    }
  }

  /// Long work that runs as a job in the background (evaluation, indexing, exports), behind
  /// everything a key press is waiting for.
  public var isBackgroundJob: Bool {
    switch self {
    case .evaluate, .indexMasks, .triage(.exportView), .suspects(.findMistakes), .curation(.curate), .curation(.loadMap), .model(.predict): return true
    default: return false
    }
  }

  /// The effect numbered as view request `id` (other effects are returned as they are).
  public func numbered(_ id: Int) -> Effect {
    switch self {
    case .loadView(let view, let run, _): return .loadView(view, run: run, request: id)
    case .loadCell(let run, let g, let p, let gn, let pn, _): return .loadCell(run: run, gt: g, pred: p, gtName: gn, predName: pn, request: id)
    case .loadChanges(let from, let to, let view, _): return .loadChanges(from: from, to: to, view: view, request: id)
    case .curation(.loadSimilar(let sample, let limit, _)): return .curation(.loadSimilar(sample: sample, limit: limit, request: id))
    case .curation(.selectionToView(let ids, let tag, _)): return .curation(.selectionToView(ids: ids, tag: tag, request: id))
    default: return self
    }
  }

  case loadDataset
  case loadView(ViewExpression, run: String?, request: Int = 0)
  case loadCell(run: String, gt: Int, pred: Int, gtName: String, predName: String, request: Int = 0)
  case loadRows([Int64], run: String?)
  case loadImages(Int64)
  case loadThumbnails([Int64])
  /// Run `base` (A, the active run) against `run` (B) on the samples both evaluated in the view.
  case loadCompare(base: String, run: String, view: ViewExpression)
  /// The samples of the view ranked by how much their mIoU dropped from `from` to `to`.
  case loadChanges(from: String, to: String, view: ViewExpression, request: Int = 0)
  /// Evaluate a prediction field in the background as job `job`.
  case evaluate(field: String, job: JobID)
  case cancelJobs([JobID])
  /// Index the masks an interrupted import left (class histograms), as job `job`.
  case indexMasks(job: JobID)
  case saveView(name: String, view: ViewExpression)
  case tag([Int64], String)
  case quit
  /// Review queues, flags and mask corrections.
  case triage(TriageEffect)
  /// Label-error runs.
  case suspects(SuspectEffect)
  /// Curation jobs, similar samples and the map.
  case curation(CurationEffect)
  /// Augmentation pipelines and the user's model.
  case model(ModelEffect)
}

/// Review queues, flags and mask corrections.
public enum TriageEffect: Sendable, Equatable {
  /// Opens (or creates, with `expression`) a review queue.
  case openReview(queue: String, expression: ViewExpression?, newQueueView: ViewExpression, run: String?)
  case setVerdict(queue: String, sample: Int64, verdict: Verdict)
  /// Remembers the reviewer's place in a queue.
  case setReviewPosition(queue: String, sample: Int64)
  /// Flags a region of a sample's ground truth with a suggested class (a name) and a note.
  case addFlag(sample: Int64, region: MaskRegion, className: String?, note: String)
  /// Re-reads a shown sample's revision history and open flags, without decoding its pictures.
  case loadRevisionInfo(Int64)
  case loadFlags(FlagFilter)
  /// Moves a flag to open, fixed or rejected, then reloads the list.
  case setFlagState(id: Int64, state: FlagState, reload: FlagFilter)
  /// Relabels a region of the ground truth as a new revision based on `baseRevision` (the one shown).
  case relabel(sample: Int64, region: MaskRegion, className: String, baseRevision: Int)
  /// Removes the newest correction of a sample's ground truth.
  case undoRevision(sample: Int64)
  /// Writes the view as FORMAT (csv, json, sheet, imgseg, voc, coco, cvat) to `out`.
  case exportView(format: ExportFormat, out: String, view: ViewExpression, run: String?)
}

/// Label-error runs: finding, dismissing, restoring and relabelling suspects.
public enum SuspectEffect: Sendable, Equatable {
  /// Loads a label-error run's suspects (nil: the newest run).
  case loadSuspects(run: String?)
  /// Looks for label errors with these prediction fields in the background as job `job`, stored as
  /// the run named after the fields.
  case findMistakes(fields: [String], job: JobID)
  /// Records that a suspect region is labelled right (it stays out of later runs), then reloads `run`.
  case dismissSuspect(run: String, sample: Int64, region: SuspectRegion)
  /// Takes back the dismissal of a suspect region (the sample is checked again), then reloads `run`.
  case restoreSuspect(run: String, sample: Int64, region: SuspectRegion)
  /// Relabels a suspect region as its suggested class: a new ground-truth revision based on
  /// `baseRevision`; the sample is then checked again in `run`.
  case relabelSuspect(run: String, sample: Int64, region: SuspectRegion, baseRevision: Int)
  /// Checks a sample again in a label-error run after its mask changed, then reloads the run.
  case recheckSuspects(run: String, sample: Int64)
}

/// Curation jobs, similar samples and the map.
public enum CurationEffect: Sendable, Equatable {
  /// Runs a curation pass as background job `job` (image signatures are made first where missing).
  case curate(CurationTask, job: JobID)
  /// The samples most like `sample`, nearest first, as the view.
  case loadSimilar(sample: Int64, limit: Int, request: Int = 0)
  /// The embedding map of view `view` as background job `job`, coloured with the active run, the
  /// newest label-error run and, when given, a class's presence.
  case loadMap(view: ViewExpression, run: String?, className: String?, job: JobID)
  /// Tags exactly these samples `tag` and shows the view `tag:TAG`.
  case selectionToView(ids: [Int64], tag: String, request: Int = 0)
}

/// Augmentation pipelines and the user's model.
public enum ModelEffect: Sendable, Equatable {
  /// Reads an augmentation pipeline (TOML).
  case loadPipeline(path: String)
  /// Runs the user's model (predict protocol) over view `view` as background job `job`.
  case predict(name: String, command: String, view: ViewExpression, job: JobID)
}
