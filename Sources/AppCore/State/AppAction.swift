import SegmentationCore
import TerminalRender

/// Everything that happens to the app, named after the event.
public enum AppAction: Sendable {
  case keyPressed(Key)
  case terminalResized(width: Int, height: Int)
  case mouseClicked(x: Int, y: Int)
  case mouseScrolled(up: Bool)
  case commandInvoked(CommandID, [String])
  case datasetLoaded(name: String, total: Int, fields: [String], classNames: [String], palette: ClassPalette, ignore: Set<UInt16>, runs: [RunSummary], problems: [String])
  case viewLoaded(text: String, title: String, ids: [Int64], matrix: ConfusionMatrix?)
  case viewFailed(text: String, message: String)
  case rowsLoaded([SampleSummary])
  case imagesLoaded(SampleImages)
  case imagesFailed(id: Int64, message: String)
  /// A small image and its ground truth at the same size (at most 192x144 pixels).
  case thumbnailLoaded(Thumbnail)
  case compareLoaded(run: String, matrix: ConfusionMatrix)
  case jobProgress(id: String, Job?)
  case statusMessage(String, isError: Bool)
}

/// Work the reducer asks for; the runtime performs it and answers with actions.
public enum Effect: Sendable, Equatable {
  case loadDataset
  case loadView(text: String, run: String?)
  case loadCell(run: String, gt: Int, pred: Int, gtName: String, predName: String)
  case loadRows([Int64], run: String?)
  case loadImages(Int64)
  case loadThumbnails([Int64])
  case loadCompare(run: String, view: String)
  /// The samples of the view ranked by how much their mIoU dropped from `from` to `to`.
  case loadChanges(from: String, to: String, view: String)
  /// Evaluate a prediction field in the background as job `job`.
  case evaluate(field: String, job: String)
  case cancelJobs([String])
  /// Index the masks an interrupted import left (class histograms), as job `job`.
  case indexMasks(job: String)
  case saveView(name: String, text: String)
  case tag([Int64], String)
  case quit
}
