import Augmentation
import SegmentationCore
import TerminalRender

/// The screens of the app.
public enum Screen: String, Sendable, CaseIterable {
  case samples, classes, confusion, sample, runs, help, problems, flags, suspects, map, slices
}

/// A row of the sample list, loaded for the visible page only: the stored sample and what the view
/// adds to it.
public struct SampleSummary: Sendable, Equatable {
  public let sample: SampleRow
  /// mIoU in the active run (nil: not evaluated or failed).
  public let miou: Double?
  public let tags: [String]
  /// Without a semantic run: the newest instance run's counts at IoU 0.5 (TP, FP, FN).
  public var detections: [Int]? = nil
  public init(_ sample: SampleRow, miou: Double?, tags: [String]) {
    self.sample = sample
    self.miou = miou
    self.tags = tags
  }
  public var id: Int64 { sample.id }
  public var path: String { sample.path }
  public var split: String? { sample.split }
  public var width: Int { sample.width }
  public var height: Int { sample.height }
}

/// An instance or panoptic run as the runs screen lists it.
public struct OtherRunSummary: Sendable, Equatable {
  public let key: String
  /// "mask AP", "boundary AP" or "panoptic".
  public let kind: String
  public let predField: String
  public let gtField: String
  /// Headline numbers, e.g. "AP 41.2  AP50 63.0  AP75 44.1".
  public let headline: String
  public let createdAt: String
  public init(key: String, kind: String, predField: String, gtField: String, headline: String, createdAt: String) {
    self.key = key
    self.kind = kind
    self.predField = predField
    self.gtField = gtField
    self.headline = headline
    self.createdAt = createdAt
  }
}

/// A sample's picture and ground truth, shrunk for the grid.
public struct Thumbnail: Sendable, Equatable {
  public let id: Int64
  public let image: RGBImage
  public let groundTruth: LabelMask?
  public init(id: Int64, image: RGBImage, groundTruth: LabelMask?) {
    self.id = id
    self.image = image
    self.groundTruth = groundTruth
  }
}

/// Decoded pictures of one sample, at full size.
public struct SampleImages: Sendable, Equatable {
  public let id: Int64
  public let image: RGBImage
  public let groundTruth: LabelMask?
  /// Prediction fields by name.
  public let predictions: [String: LabelMask]
  /// Problems met while loading (a missing or broken mask), shown in the view.
  public let problems: [String]
  /// The ground truth's revision, its corrections and the sample's open flags.
  public var revision: RevisionInfo?
  /// Per-pixel confidence maps of prediction fields, by prediction name (values / `maxValue`).
  public var confidence: [String: LabelMask] = [:]
  /// Each prediction's confusion matrix against the ground truth, computed once when the sample is
  /// loaded (off the main loop) instead of on every frame.
  public var matrices: [String: ConfusionMatrix] = [:]
  public init(id: Int64, image: RGBImage, groundTruth: LabelMask?, predictions: [String: LabelMask], problems: [String], revision: RevisionInfo? = nil) {
    self.id = id
    self.image = image
    self.groundTruth = groundTruth
    self.predictions = predictions
    self.problems = problems
    self.revision = revision
  }
}

/// Everything the screens show. A value: the reducer changes it, the screens draw it.
public struct AppState: Sendable {
  public var screen: Screen = .samples
  /// The screens visited before this one, most recent last: Esc goes back through them.
  public var screenHistory: [Screen] = []
  /// The view that was current before a flag was opened (which shows the flagged samples): going
  /// back to the Flags screen restores it.
  public var viewBeforeFlag: ViewExpression? = nil
  public var width = 80
  public var height = 24
  public var datasetName = ""
  public var totalSamples = 0
  public var classNames: [String] = []
  public var palette = ClassPalette()
  public var ignoreValues: Set<UInt16> = [255]
  public var fields: [String] = []

  // The current view: its expression (what the effects carry) and, for the status line and the
  // palette, its text.
  public var view = ViewExpression()
  public var viewText: String { view.text }
  public var viewTitle = ""
  public var viewIds: [Int64] = []
  public var viewLoading = false
  /// The newest view load the runtime numbered; results of older loads are dropped.
  public var viewRequest = 0
  public var cursor = 0
  public var scroll = 0
  public var rows: [Int64: SampleSummary] = [:]

  // Evaluation.
  public var runs: [EvalRun] = []
  /// Instance (COCO AP) and panoptic runs, listed with their headline numbers; the active run and
  /// the class table are semantic.
  public var otherRuns: [OtherRunSummary] = []
  public var activeRun: Int? = nil
  public var compareRun: Int? = nil
  /// The mIoU change (B - A) of each sample of a "got worse" view (`W`); empty for other views.
  public var viewChanges: [Int64: Double] = [:]
  /// The active run against the compared one, on the samples both evaluated in the current view.
  public var comparison: PairedRuns? = nil
  public var matrix: ConfusionMatrix? = nil
  public var metrics: SemanticMetrics? = nil
  public var runsCursor = 0

  // Class table and confusion matrix.
  public var classCursor = 0
  public var classSort: ClassSort = .id
  public var confusionCursor = (row: 0, col: 0)
  public var confusionNormalized = true

  // Grid of thumbnails (the samples screen's other mode).
  public var gridMode = false
  /// Width over height of the dataset's images (from the first rows seen), for the grid's tiles.
  public var imageAspect = 4.0 / 3.0
  public var thumbnails: [Int64: Thumbnail] = [:]
  /// Thumbnails asked for and not yet delivered (so moving around does not ask twice).
  public var thumbnailsPending: Set<Int64> = []

  // Sample view.
  public var images: [Int64: SampleImages] = [:]
  public var predictionIndex = 0
  public var layout: SampleLayout = .sideBySide
  public var single: Panel = .overlay
  public var overlayAlpha = 0.5
  public var outlines = true
  public var hiddenClasses: Set<UInt16> = []
  /// Class 0 when its name says it is background (`background`, `_background_`, `bg`, `unlabeled`):
  /// overlays leave it transparent unless `paintBackground` (B toggles; config `paint_background`).
  public var backgroundClass: UInt16? = nil
  public var paintBackground = false
  /// The augmentation pipeline loaded with `:augment FILE`, its file name, and the draw shown beside
  /// the sample (0: none; `A` shows the next draw).
  public var augmentPipeline: Pipeline? = nil
  public var augmentName = ""
  public var augmentDraw = 0
  /// Class table and `segscope eval`: classes absent from both ground truth and prediction are
  /// hidden unless this is set (A on the class table).
  public var showAllClasses = false
  public var errorClass: UInt16? = nil
  public var inspector: (x: Int, y: Int)? = nil
  /// Sample view zoom (1 = whole image) and the image point it centres on.
  public var zoom = 1
  public var zoomCenter = (x: 0, y: 0)

  // Triage: review queue, region flags, corrections.
  /// The review queue being worked through (its samples are the view).
  public var review: ReviewSession? = nil
  /// The first corner of a rectangle being marked with the inspector (`b`).
  public var rectAnchor: (x: Int, y: Int)? = nil
  public var flags: [FlagSummary] = []
  public var flagsCursor = 0
  public var flagsFilter = FlagFilter(state: .open)
  public var flagsLoading = false
  /// A sample to put the cursor on when the next view arrives (opening a flag's sample).
  public var focusAfterLoad: Int64? = nil
  /// The Suspects screen (label-error runs) and the region the sample view outlines.
  public var suspects = SuspectsState()
  /// The embedding map of the view.
  public var map = MapState()
  /// The Clusters/Slices screen.
  public var slices = SlicesState()

  // Palette, help, status.
  public var paletteState = PaletteState()
  public var helpScroll = 0
  public var problems: [String] = []
  /// The selected line of the problems screen.
  public var problemsCursor = 0
  public var status: String? = nil
  public var statusIsError = false
  public var jobs: [JobID: Job] = [:]
  public var graphics: TerminalCapabilities.Graphics = .halfblock
  public var colors: ColorMode = .palette256
  public var quitRequested = false
  public var cell = CellGeometry()
  /// Composed pictures, reused by frames that change nothing they depend on (shared by copies of
  /// the state; a new state starts empty).
  public var composeCache = ComposeCache()
  /// Key bindings (defaults plus the user's config).
  public var keymap = Keymap.defaults

  public init() {}

  public var activeRunSummary: EvalRun? { activeRun.flatMap { runs.indices.contains($0) ? runs[$0] : nil } }

  /// The prediction field shown in the sample view.
  public var shownPrediction: String? {
    var preds = fields.filter { $0 != FieldName.groundTruth }
    guard !preds.isEmpty else { return nil }
    // The active run's prediction first, then the others: each Tab shows another one.
    if let r = activeRunSummary, let i = preds.firstIndex(of: r.predField) { preds.insert(preds.remove(at: i), at: 0) }
    return preds[predictionIndex % preds.count]
  }

  /// The region the inspector marks: a rectangle from the anchor, the component under the cursor, or
  /// nil when the inspector is off.
  public var markedRegion: MaskRegion? {
    guard let p = inspector else { return nil }
    if let a = rectAnchor { return .spanning(a, p) }
    return .component(x: p.x, y: p.y)
  }

  /// The newest instance run, which the sample list and worst-first use when there is no semantic run.
  public var instanceRunKey: String? { otherRuns.last { $0.kind.hasSuffix("AP") }?.key }

  /// The sample under the cursor.
  public var currentSampleId: Int64? { viewIds.indices.contains(cursor) ? viewIds[cursor] : nil }

  /// Classes overlays leave transparent: the hidden ones, and the background unless it is painted.
  public var overlayHidden: Set<UInt16> {
    guard let bg = backgroundClass, !paintBackground else { return hiddenClasses }
    return hiddenClasses.union([bg])
  }

  /// The background class of a class map: class 0 when its name says so (`BackgroundClass`, the rule
  /// every picture output follows).
  public static func backgroundClass(_ names: [String]) -> UInt16? { BackgroundClass.value(names: names) }

  /// The suspect region the sample view outlines: the one chosen on the Suspects screen (or with
  /// `]`) when it is in the current sample, else the sample's first, while the view is the one the
  /// suspects were opened as.
  public var outlinedSuspect: SuspectEntry? {
    guard suspects.focusView != nil, let id = currentSampleId else { return nil }
    if let f = suspects.focus, f.sampleId == id { return f }
    return suspects.regions(of: id).first
  }

  /// The suspect region F, L, d and u act on: the row under the cursor on the Suspects screen; in
  /// the sample view the outlined one, unless the inspector marks a region of its own.
  public var suspectTarget: SuspectEntry? {
    switch screen {
    case .suspects: return suspects.current
    case .sample: return inspector == nil ? outlinedSuspect : nil
    default: return nil
    }
  }

  /// The sample F, L and u act on.
  public var targetSampleId: Int64? { screen == .suspects ? suspects.current?.sampleId : currentSampleId }
}

public enum ClassSort: String, Sendable, CaseIterable {
  case id, iou, dice, precision, recall, gtPixels
}

public enum SampleLayout: String, Sendable { case sideBySide, single }

public enum Panel: String, Sendable, CaseIterable { case image, overlay, groundTruth, prediction, errors, confidence, augmented }

/// A background job shown in the status bar.
/// Which background job: the key of `AppState.jobs`, what `x` cancels, what effects report on.
public enum JobID: Hashable, Sendable, CustomStringConvertible {
  case evaluate(field: String)
  case indexMasks
  case mistakes(fields: [String])
  case duplicates
  case uniqueness
  case next(budget: Int)
  case map
  case predict(name: String)
  case clusters
  case slices

  /// How the status bar and messages name it.
  public var description: String {
    switch self {
    case .evaluate(let field): return "eval " + field
    case .indexMasks: return "indexing masks"
    case .mistakes(let fields): return "mistakes " + fields.joined(separator: "+")
    case .duplicates: return "duplicates"
    case .uniqueness: return "uniqueness"
    case .next(let budget): return "next \(budget)"
    case .map: return "map"
    case .predict(let name): return "predict " + name
    case .clusters: return "clusters"
    case .slices: return "slices"
    }
  }
}

public struct Job: Sendable, Equatable {
  public var title: String
  public var done: Int
  public var total: Int
  public init(title: String, done: Int, total: Int) {
    self.title = title
    self.done = done
    self.total = total
  }
}

/// The command palette: input line, history, matches.
public struct PaletteState: Sendable, Equatable {
  public var isOpen = false
  public var input = ""
  public var cursor = 0
  public var selection = 0
  public var history: [String] = []
  public var historyIndex: Int? = nil
  public var error: String? = nil
  public init() {}
}

/// Two semantic runs over the same samples: run A (the active one) and run B (the compared one),
/// each one's confusion matrix summed over the samples both evaluated. Changes read B - A.
public struct PairedRuns: Sendable, Equatable {
  public var a: String
  public var b: String
  public var matrixA: ConfusionMatrix
  public var matrixB: ConfusionMatrix
  public var samples: Int
  public init(a: String, b: String, matrixA: ConfusionMatrix, matrixB: ConfusionMatrix, samples: Int) {
    self.a = a
    self.b = b
    self.matrixA = matrixA
    self.matrixB = matrixB
    self.samples = samples
  }
}
