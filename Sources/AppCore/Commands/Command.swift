/// A command's identifier, like "sample.next".
public struct CommandID: RawRepresentable, Sendable, Hashable, ExpressibleByStringLiteral, CustomStringConvertible {
  public let rawValue: String
  public init(rawValue: String) { self.rawValue = rawValue }
  public init(stringLiteral value: String) { rawValue = value }
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

  public init(_ id: CommandID, _ title: String, doc: String, screens: Set<Screen> = [], argument: String? = nil, disabledReason: @escaping @Sendable (AppState) -> String? = { _ in nil }) {
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

  public static let all: [Command] = [
    Command("app.quit", "Quit", doc: "Leave segscope; the terminal is restored."),
    Command("app.help", "Key bindings", doc: "Show every command and its keys."),
    Command("app.palette", "Command palette", doc: "Run any command by name, or type a view expression."),
    Command("screen.samples", "Samples", doc: "The samples of the current view."),
    Command("screen.classes", "Class table", doc: "Per-class IoU, Dice, precision, recall of the view.", disabledReason: needsRun),
    Command("screen.confusion", "Confusion matrix", doc: "Ground truth (rows) against prediction (columns).", disabledReason: needsRun),
    Command("screen.runs", "Evaluation runs", doc: "Pick the active run, or one to compare with."),
    Command("screen.problems", "Problems", doc: "Files that could not be imported or evaluated."),
    Command("nav.up", "Up", doc: "Move the cursor up."),
    Command("nav.down", "Down", doc: "Move the cursor down."),
    Command("nav.left", "Left", doc: "Move the cursor left."),
    Command("nav.right", "Right", doc: "Move the cursor right."),
    Command("nav.pageUp", "Page up", doc: "Move a page up."),
    Command("nav.pageDown", "Page down", doc: "Move a page down."),
    Command("nav.home", "First", doc: "Go to the first entry."),
    Command("nav.end", "Last", doc: "Go to the last entry."),
    Command("nav.open", "Open", doc: "Open the sample, class, cell or run under the cursor."),
    Command("nav.back", "Back", doc: "Go back to the previous screen."),
    Command("samples.grid", "Grid / list", doc: "Show the view as a grid of thumbnails or as a list.", screens: [.samples]),
    Command("sample.next", "Next sample", doc: "The next sample of the view.", screens: [.sample], disabledReason: needsSample),
    Command("sample.prev", "Previous sample", doc: "The previous sample of the view.", screens: [.sample], disabledReason: needsSample),
    Command("sample.prediction", "Next prediction", doc: "Show the next prediction field.", screens: [.sample]),
    Command("sample.layout", "Side by side / one panel", doc: "Switch between all panels and one large panel.", screens: [.sample]),
    Command("sample.panel", "Next panel", doc: "In one-panel layout, show the next panel.", screens: [.sample]),
    Command("sample.alphaUp", "More opaque overlay", doc: "Raise the overlay opacity.", screens: [.sample]),
    Command("sample.alphaDown", "More transparent overlay", doc: "Lower the overlay opacity.", screens: [.sample]),
    Command("sample.outlines", "Toggle outlines", doc: "Draw class boundaries.", screens: [.sample]),
    Command("sample.inspector", "Pixel inspector", doc: "A cursor over the image naming the ground-truth and predicted class.", screens: [.sample]),
    Command("sample.zoomIn", "Zoom in", doc: "Zoom into the sample (x2, up to x16); arrows or hjkl then pan.", screens: [.sample]),
    Command("sample.zoomOut", "Zoom out", doc: "Zoom out of the sample.", screens: [.sample]),
    Command("sample.errorClass", "Error map class", doc: "Cycle the error map between all classes and one class.", screens: [.sample]),
    Command("sample.hideClass", "Hide class", doc: "Hide or show a class in overlays (argument: class name).", argument: "CLASS"),
    Command("classes.sort", "Sort class table", doc: "Cycle the sort column.", screens: [.classes]),
    Command("confusion.normalize", "Counts / row-normalized", doc: "Show counts or row percentages.", screens: [.confusion]),
    Command("run.next", "Next run", doc: "Make the next evaluation run active.", disabledReason: needsRun),
    Command("run.compare", "Compare runs", doc: "Compare the active run with the run under the cursor.", screens: [.runs]),
    Command("run.worse", "Samples that got worse", doc: "The samples ranked by how much their mIoU dropped from the active run to the compared one.", disabledReason: { $0.compareRun == nil || $0.activeRun == nil ? "pick a run to compare with first (4, then c)" : nil }),
    Command("run.evaluate", "Evaluate a prediction", doc: "Evaluate a prediction field against the ground truth in the background (argument: field).", argument: "FIELD"),
    Command("job.cancel", "Cancel jobs", doc: "Stop the background jobs; nothing half-done is stored.", disabledReason: { $0.jobs.isEmpty ? "no background job is running" : nil }),
    Command("view.set", "Filter (view)", doc: "Show the samples of a view expression, e.g. split=val class:car sort:miou(RUN).", argument: "EXPR"),
    Command("view.reset", "All samples", doc: "Clear the view."),
    Command("view.worst", "Worst first", doc: "Sort the view by the active run's mIoU, worst first (instance runs: most missed objects first).", disabledReason: { $0.activeRun == nil && $0.instanceRunKey == nil ? "no evaluation run (segscope eval PATH --pred FIELD)" : nil }),
    Command("view.save", "Save view", doc: "Save the current view under a name.", argument: "NAME"),
    Command("tag.add", "Tag samples", doc: "Tag every sample of the view (argument: tag).", argument: "TAG"),
    Command("view.export", "Export the view", doc: "Write the view as csv, json, sheet (a PNG contact sheet), or an imgseg, voc, coco or cvat folder (arguments: FORMAT PATH).", argument: "FORMAT PATH"),
    Command("review.start", "Review queue", doc: "Open a named review queue, or create it from the current view sorted worst first; resumes where the last session stopped (argument: NAME [EXPR]).", argument: "NAME"),
    Command("review.ok", "Verdict: ok", doc: "Mark the sample ok in the review queue and go to the next one.", screens: [.sample, .samples], disabledReason: needsReview),
    Command("review.fix", "Verdict: needs fix", doc: "Mark the sample as needing a fix and go to the next one.", screens: [.sample, .samples], disabledReason: needsReview),
    Command("review.skip", "Verdict: skip", doc: "Skip the sample (a verdict too) and go to the next one.", screens: [.sample, .samples], disabledReason: needsReview),
    Command("review.end", "Leave the review", doc: "Stop reviewing; verdicts are kept and the queue resumes later.", disabledReason: { $0.review == nil ? "no review queue is open" : nil }),
    Command("flag.add", "Flag mislabeled", doc: "Flag the region the inspector marks (the component under it, or the rectangle from b), else the whole mask, with a suggested class and a note (arguments: CLASS|- NOTE).", argument: "CLASS NOTE", disabledReason: needsSample),
    Command("flag.anchor", "Mark rectangle corner", doc: "Start (or clear) a rectangle at the inspector; flag or relabel then acts on it.", screens: [.sample], disabledReason: needsInspector),
    Command("mask.relabel", "Relabel region", doc: "Relabel the component under the inspector (or the marked rectangle) as a class; writes a new mask revision, never the original file (argument: CLASS).", screens: [.sample], argument: "CLASS", disabledReason: needsInspector),
    Command("mask.undo", "Undo correction", doc: "Remove the newest correction of this sample's ground truth.", screens: [.sample], disabledReason: needsSample),
    Command("screen.flags", "Flags", doc: "Region flags with their state, author and suggested class; Enter opens the sample."),
    Command("flags.fix", "Flag fixed", doc: "Mark the flag under the cursor fixed.", screens: [.flags], disabledReason: needsFlag),
    Command("flags.reject", "Flag rejected", doc: "Mark the flag under the cursor rejected (the mask was right).", screens: [.flags], disabledReason: needsFlag),
    Command("flags.reopen", "Reopen flag", doc: "Mark the flag under the cursor open again.", screens: [.flags], disabledReason: needsFlag),
    Command("flags.state", "Flags by state", doc: "Cycle the flags shown: open, fixed, rejected, any.", screens: [.flags]),
    Command("flags.filter", "Filter flags", doc: "Filter the flags: state=open|fixed|rejected|any author=NAME class=NAME.", argument: "FILTER"),
  ]

  public static func command(_ id: CommandID) -> Command? { all.first { $0.id == id } }
}
