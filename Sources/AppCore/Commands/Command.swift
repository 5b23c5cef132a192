/// A command's identifier, like "sample.next": every command segscope has, so that a switch over
/// them is checked for completeness by the compiler.
public enum CommandID: String, CaseIterable, Sendable, Hashable, CustomStringConvertible {
  case appQuit = "app.quit"
  case appHelp = "app.help"
  case appPalette = "app.palette"
  case screenSamples = "screen.samples"
  case screenClasses = "screen.classes"
  case screenConfusion = "screen.confusion"
  case screenRuns = "screen.runs"
  case screenProblems = "screen.problems"
  case navUp = "nav.up"
  case navDown = "nav.down"
  case navLeft = "nav.left"
  case navRight = "nav.right"
  case navPageUp = "nav.pageUp"
  case navPageDown = "nav.pageDown"
  case navHome = "nav.home"
  case navEnd = "nav.end"
  case navOpen = "nav.open"
  case navBack = "nav.back"
  case samplesGrid = "samples.grid"
  case sampleNext = "sample.next"
  case samplePrev = "sample.prev"
  case samplePrediction = "sample.prediction"
  case sampleLayout = "sample.layout"
  case samplePanel = "sample.panel"
  case sampleAlphaUp = "sample.alphaUp"
  case sampleAlphaDown = "sample.alphaDown"
  case sampleOutlines = "sample.outlines"
  case sampleInspector = "sample.inspector"
  case sampleZoomIn = "sample.zoomIn"
  case sampleZoomOut = "sample.zoomOut"
  case sampleErrorClass = "sample.errorClass"
  case sampleHideClass = "sample.hideClass"
  case classesSort = "classes.sort"
  case confusionNormalize = "confusion.normalize"
  case runNext = "run.next"
  case runCompare = "run.compare"
  case runWorse = "run.worse"
  case runEvaluate = "run.evaluate"
  case jobCancel = "job.cancel"
  case viewSet = "view.set"
  case viewReset = "view.reset"
  case viewWorst = "view.worst"
  case viewSave = "view.save"
  case tagAdd = "tag.add"
  case viewExport = "view.export"
  case reviewStart = "review.start"
  case reviewOk = "review.ok"
  case reviewFix = "review.fix"
  case reviewSkip = "review.skip"
  case reviewEnd = "review.end"
  case flagAdd = "flag.add"
  case flagAnchor = "flag.anchor"
  case maskRelabel = "mask.relabel"
  case maskUndo = "mask.undo"
  case screenFlags = "screen.flags"
  case flagsFix = "flags.fix"
  case flagsReject = "flags.reject"
  case flagsReopen = "flags.reopen"
  case flagsState = "flags.state"
  case flagsFilter = "flags.filter"
  case screenSuspects = "screen.suspects"
  case suspectsRun = "suspects.run"
  case suspectsFind = "suspects.find"
  case suspectDismiss = "suspect.dismiss"
  case suspectNext = "suspect.next"
  case curateDuplicates = "curate.duplicates"
  case curateUniqueness = "curate.uniqueness"
  case curateSimilar = "curate.similar"
  case curateNext = "curate.next"
  case screenMap = "screen.map"
  case sampleBackground = "sample.background"
  case classesAll = "classes.all"
  case mapColour = "map.colour"
  case mapSelect = "map.select"
  case sampleAugment = "sample.augment"
  case predictRun = "predict.run"
  case screenSlices = "screen.slices"
  case curateClusters = "curate.clusters"
  case curateSlices = "curate.slices"
  case slicesToggle = "slices.toggle"

  public var description: String { rawValue }
}

/// A registered command: the palette lists it, the keymap binds it, `?` documents it.
public struct Command: Sendable {
  public let id: CommandID
  public let title: String
  public let doc: String
  /// Screens where its keys work (empty: everywhere).
  public let screens: Set<Screen>
  /// Why it cannot run now, or nil when it can.
  public let disabledReason: @Sendable (AppState) -> String?
  /// Whether it takes an argument typed in the palette (like `view EXPR`).
  public let argument: String?

  public init(
    _ id: CommandID, _ title: String, doc: String, screens: Set<Screen> = [], argument: String? = nil,
    disabledReason: @escaping @Sendable (AppState) -> String? = { _ in nil }
  ) {
    self.id = id
    self.title = title
    self.doc = doc
    self.screens = screens
    self.argument = argument
    self.disabledReason = disabledReason
  }
}

/// Every command, in display order.
public enum CommandRegistry {
  static let needsRun: @Sendable (AppState) -> String? = { $0.activeRun == nil ? "no evaluation run (segscope eval PATH --pred FIELD)" : nil }
  static let needsSample: @Sendable (AppState) -> String? = { $0.currentSampleId == nil ? "the view is empty" : nil }
  static let needsReview: @Sendable (AppState) -> String? = {
    $0.review == nil ? "no review queue is open (: review NAME starts one on the current view)" : ($0.currentSampleId == nil ? "the queue is empty" : nil)
  }
  static let needsInspector: @Sendable (AppState) -> String? = {
    $0.inspector == nil ? "turn the pixel inspector on (i) and put it on the region" : nil
  }
  static let needsFlag: @Sendable (AppState) -> String? = { $0.flags.indices.contains($0.flagsCursor) ? nil : "no flag under the cursor" }
  static let needsTarget: @Sendable (AppState) -> String? = {
    $0.targetSampleId == nil ? ($0.screen == .suspects ? "no suspect under the cursor" : "the view is empty") : nil
  }
  static let needsSuspect: @Sendable (AppState) -> String? = {
    $0.suspectTarget != nil ? nil : ($0.screen == .suspects ? "no suspect under the cursor" : "no suspect region here (open one from the Suspects screen, 7)")
  }
  static let needsRegion: @Sendable (AppState) -> String? = {
    $0.inspector != nil || $0.suspectTarget != nil ? nil : "turn the pixel inspector on (i) and put it on the region"
  }

  public static let all: [Command] = [
    Command(.appQuit, "Quit", doc: "Leave segscope; the terminal is restored."),
    Command(.appHelp, "Key bindings", doc: "Show every command and its keys."),
    Command(.appPalette, "Command palette", doc: "Run any command by name, or type a view expression."),
    Command(.screenSamples, "Samples", doc: "The samples of the current view."),
    Command(.screenClasses, "Class table", doc: "Per-class IoU, Dice, precision, recall of the view.", disabledReason: needsRun),
    Command(.screenConfusion, "Confusion matrix", doc: "Ground truth (rows) against prediction (columns).", disabledReason: needsRun),
    Command(.screenRuns, "Evaluation runs", doc: "Pick the active run, or one to compare with."),
    Command(.screenProblems, "Problems", doc: "Files that could not be imported or evaluated."),
    Command(.navUp, "Up", doc: "Move the cursor up."),
    Command(.navDown, "Down", doc: "Move the cursor down."),
    Command(.navLeft, "Left", doc: "Move the cursor left."),
    Command(.navRight, "Right", doc: "Move the cursor right."),
    Command(.navPageUp, "Page up", doc: "Move a page up."),
    Command(.navPageDown, "Page down", doc: "Move a page down."),
    Command(.navHome, "First", doc: "Go to the first entry."),
    Command(.navEnd, "Last", doc: "Go to the last entry."),
    Command(.navOpen, "Open", doc: "Open the sample, class, cell or run under the cursor."),
    Command(.navBack, "Back", doc: "Go back to the previous screen."),
    Command(.samplesGrid, "Grid / list", doc: "Show the view as a grid of thumbnails or as a list.", screens: [.samples]),
    Command(.sampleNext, "Next sample", doc: "The next sample of the view.", screens: [.sample], disabledReason: needsSample),
    Command(.samplePrev, "Previous sample", doc: "The previous sample of the view.", screens: [.sample], disabledReason: needsSample),
    Command(.samplePrediction, "Next prediction", doc: "Show the next prediction field.", screens: [.sample]),
    Command(.sampleLayout, "Side by side / one panel", doc: "Switch between all panels and one large panel.", screens: [.sample]),
    Command(.samplePanel, "Next panel", doc: "In one-panel layout, show the next panel.", screens: [.sample]),
    Command(.sampleAlphaUp, "More opaque overlay", doc: "Raise the overlay opacity.", screens: [.sample]),
    Command(.sampleAlphaDown, "More transparent overlay", doc: "Lower the overlay opacity.", screens: [.sample]),
    Command(.sampleOutlines, "Toggle outlines", doc: "Draw class boundaries.", screens: [.sample]),
    Command(.sampleInspector, "Pixel inspector", doc: "A cursor over the image naming the ground-truth and predicted class.", screens: [.sample]),
    Command(.sampleZoomIn, "Zoom in", doc: "Zoom into the sample (x2, up to x16); arrows or hjkl then pan.", screens: [.sample]),
    Command(.sampleZoomOut, "Zoom out", doc: "Zoom out of the sample.", screens: [.sample]),
    Command(.sampleErrorClass, "Error map class", doc: "Cycle the error map between all classes and one class.", screens: [.sample]),
    Command(.sampleHideClass, "Hide class", doc: "Hide or show a class in overlays (argument: class name).", argument: "CLASS"),
    Command(.classesSort, "Sort class table", doc: "Cycle the sort column.", screens: [.classes]),
    Command(
      .classesAll, "Show absent classes", doc: "Show or hide the classes absent from both ground truth and prediction in the view.", screens: [.classes]),
    Command(
      .sampleBackground, "Paint background",
      doc: "Paint the background class in overlays, or leave it transparent (the default when class 0 is named background, _background_, bg or unlabeled)."),
    Command(
      .sampleAugment, "Augmentation preview",
      doc:
        "Load an augmentation pipeline (argument: FILE, TOML with Albumentations' names; off stops), then A on a sample shows the next seeded draw beside it.",
      argument: "FILE"),
    Command(
      .predictRun, "Run a model",
      doc:
        "Run your model over the view in the background through the predict protocol; its outputs become field NAME (arguments: NAME COMMAND, with {manifest} in COMMAND).",
      argument: "NAME COMMAND"),
    Command(.confusionNormalize, "Counts / row-normalized", doc: "Show counts or row percentages.", screens: [.confusion]),
    Command(.runNext, "Next run", doc: "Make the next evaluation run active.", disabledReason: needsRun),
    Command(.runCompare, "Compare runs", doc: "Compare the active run with the run under the cursor.", screens: [.runs]),
    Command(
      .runWorse, "Samples that got worse", doc: "The samples ranked by how much their mIoU dropped from the active run to the compared one.",
      disabledReason: { $0.compareRun == nil || $0.activeRun == nil ? "pick a run to compare with first (4, then c)" : nil }),
    Command(
      .runEvaluate, "Evaluate a prediction", doc: "Evaluate a prediction field against the ground truth in the background (argument: field).", argument: "FIELD"
    ),
    Command(
      .jobCancel, "Cancel jobs", doc: "Stop the background jobs; nothing half-done is stored.",
      disabledReason: { $0.jobs.isEmpty ? "no background job is running" : nil }),
    Command(.viewSet, "Filter (view)", doc: "Show the samples of a view expression, e.g. split=val class:car sort:miou(RUN).", argument: "EXPR"),
    Command(.viewReset, "All samples", doc: "Clear the view."),
    Command(
      .viewWorst, "Worst first", doc: "Sort the view by the active run's mIoU, worst first (instance runs: most missed objects first).",
      disabledReason: { $0.activeRun == nil && $0.instanceRunKey == nil ? "no evaluation run (segscope eval PATH --pred FIELD)" : nil }),
    Command(.viewSave, "Save view", doc: "Save the current view under a name.", argument: "NAME"),
    Command(.tagAdd, "Tag samples", doc: "Tag every sample of the view (argument: tag).", argument: "TAG"),
    Command(
      .viewExport, "Export the view",
      doc: "Write the view as csv, json, sheet (a PNG contact sheet), or an imgseg, voc, coco or cvat folder (arguments: FORMAT PATH).", argument: "FORMAT PATH"
    ),
    Command(
      .reviewStart, "Review queue",
      doc: "Open a named review queue, or create it from the current view sorted worst first; resumes where the last session stopped (argument: NAME [EXPR]).",
      argument: "NAME"),
    Command(
      .reviewOk, "Verdict: ok", doc: "Mark the sample ok in the review queue and go to the next one.", screens: [.sample, .samples], disabledReason: needsReview
    ),
    Command(
      .reviewFix, "Verdict: needs fix", doc: "Mark the sample as needing a fix and go to the next one.", screens: [.sample, .samples],
      disabledReason: needsReview),
    Command(
      .reviewSkip, "Verdict: skip", doc: "Skip the sample (a verdict too) and go to the next one.", screens: [.sample, .samples], disabledReason: needsReview),
    Command(
      .reviewEnd, "Leave the review", doc: "Stop reviewing; verdicts are kept and the queue resumes later.",
      disabledReason: { $0.review == nil ? "no review queue is open" : nil }),
    Command(
      .flagAdd, "Flag mislabeled",
      doc:
        "Flag the region the inspector marks (the component under it, or the rectangle from b), else the suspect region, else the whole mask, with a suggested class and a note (arguments: CLASS|- NOTE).",
      argument: "CLASS NOTE", disabledReason: needsTarget),
    Command(
      .flagAnchor, "Mark rectangle corner", doc: "Start (or clear) a rectangle at the inspector; flag or relabel then acts on it.", screens: [.sample],
      disabledReason: needsInspector),
    Command(
      .maskRelabel, "Relabel region",
      doc:
        "Relabel the component under the inspector (or the marked rectangle) as a class, or a suspect region as the class the evidence names; writes a new mask revision, never the original file (argument: CLASS).",
      screens: [.sample, .suspects], argument: "CLASS", disabledReason: needsRegion),
    Command(
      .maskUndo, "Undo correction", doc: "Remove the newest correction of this sample's ground truth.", screens: [.sample, .suspects],
      disabledReason: needsTarget),
    Command(.screenFlags, "Flags", doc: "Region flags with their state, author and suggested class; Enter opens the sample."),
    Command(.flagsFix, "Flag fixed", doc: "Mark the flag under the cursor fixed.", screens: [.flags], disabledReason: needsFlag),
    Command(.flagsReject, "Flag rejected", doc: "Mark the flag under the cursor rejected (the mask was right).", screens: [.flags], disabledReason: needsFlag),
    Command(.flagsReopen, "Reopen flag", doc: "Mark the flag under the cursor open again.", screens: [.flags], disabledReason: needsFlag),
    Command(.flagsState, "Flags by state", doc: "Cycle the flags shown: open, fixed, rejected, any.", screens: [.flags]),
    Command(.flagsFilter, "Filter flags", doc: "Filter the flags: state=open|fixed|rejected|any author=NAME class=NAME.", argument: "FILTER"),
    Command(
      .screenSuspects, "Suspects",
      doc: "Regions whose ground truth is probably wrong (segscope mistakes, or : mistakes FIELD...), most suspicious sample first; Enter opens the sample."),
    Command(.suspectsRun, "Next label-error run", doc: "Show the next stored label-error run.", screens: [.suspects]),
    Command(
      .suspectsFind, "Find label errors",
      doc:
        "Look for mislabeled masks in the background with one or more prediction fields as evidence (several are stronger); stored as a run named after them (arguments: FIELD...).",
      argument: "FIELD..."),
    Command(
      .suspectDismiss, "Label is right", doc: "Dismiss the suspect region: the label is right; it is stored and does not come back in later runs.",
      screens: [.sample, .suspects], disabledReason: needsSuspect),
    Command(
      .suspectNext, "Next suspect region", doc: "Outline the sample's next suspect region.", screens: [.sample],
      disabledReason: { $0.outlinedSuspect == nil ? "no suspect region here (open one from the Suspects screen, 7)" : nil }),
    Command(
      .curateDuplicates, "Find duplicates",
      doc: "Find byte copies, near duplicates and leaks across splits in the background; the view dup lists them (group:N one group, leak the leaks)."),
    Command(.curateUniqueness, "Uniqueness", doc: "Rank the samples by how unlike the rest they are, in the background; the view sort:-uniqueness lists them."),
    Command(
      .curateSimilar, "Similar samples", doc: "The samples most like the one under the cursor, nearest first, as the view.", screens: [.samples, .sample],
      disabledReason: needsSample),
    Command(
      .screenMap, "Embedding map",
      doc:
        "The view's samples as a 2-D map of their image embeddings (PCA), coloured by split, mIoU, suspicion, duplicates or a class (argument: CLASS colours by that class).",
      argument: "[CLASS]"),
    Command(.mapColour, "Map colours", doc: "Colour the map by split, mIoU of the active run, suspicion, duplicates, or the chosen class.", screens: [.map]),
    Command(
      .mapSelect, "Map selection",
      doc: "Mark a corner of a rectangle at the point under the cursor; at the second corner its samples become the view (tag map).",
      screens: [.map], disabledReason: { $0.map.points.isEmpty ? "the map is empty" : nil }),
    Command(
      .screenSlices, "Clusters and slices",
      doc:
        "Where the model underperforms: clusters of similar images and the slices where the active run is significantly worse, worst first, each with a strip of thumbnails; Enter makes one the view."
    ),
    Command(
      .curateClusters, "Cluster the images",
      doc:
        "Cluster the images by their signatures in the background (k-means; K, or auto: chosen by silhouette), with the active run's mIoU on each; the view cluster:N lists one.",
      argument: "[K]"),
    Command(
      .curateSlices, "Find slices",
      doc:
        "Find the slices of the view where the active run is significantly worse (split, tags, classes, object sizes, image size, brightness, contrast, clusters, uniqueness and pairs; Benjamini-Hochberg), in the background.",
      disabledReason: { $0.activeRunSummary == nil ? "needs an evaluation run (E evaluates one)" : nil }),
    Command(.slicesToggle, "Clusters or slices", doc: "Switch the Slices screen between clusters and slices.", screens: [.slices]),
    Command(
      .curateNext, "Annotate next",
      doc:
        "Pick the samples to annotate next: the most uncertain of the view by the fields' confidence maps and disagreement, spread apart; tagged 'next' (arguments: BUDGET FIELD...).",
      argument: "BUDGET FIELD..."),
  ]

  public static func command(_ id: CommandID) -> Command? { all.first { $0.id == id } }
}
