import SegmentationCore

/// Where the model underperforms: `: clusters [K]` and `: slices` run in the background (x cancels)
/// and end on the Slices screen (9), which lists clusters or slices worst first; Enter makes one the
/// view, c switches between the two lists.
enum SliceCommands {
  static let verbs: [String: CommandID] = ["clusters": .curateClusters, "slices": .curateSlices]
  static let clustersJob = JobID.clusters
  static let slicesJob = JobID.slices

  /// The commands this file handles (`Commands.run` maps each `CommandID` to one, so both switches
  /// are exhaustive: a new command that nothing handles does not compile).
  enum Command: Sendable, Equatable {
    case screenSlices, slicesToggle, curateClusters, curateSlices
  }

  static func run(_ s: inout AppState, _ id: Command, _ args: [String]) -> [Effect] {
    let arg = args.joined(separator: " ").trimmingCharacters()
    switch id {
    case .screenSlices:
      Commands.go(&s, .slices)
      if s.slices.list == nil, let other = SliceListKind.allCases.first(where: { s.slices.lists[$0] != nil }) { s.slices.kind = other }
      return stripEffects(&s) + storedClusters(&s)
    case .slicesToggle:
      s.slices.kind = s.slices.kind == .slices ? .clusters : .slices
      s.slices.cursor = 0
      return stripEffects(&s) + storedClusters(&s)
    case .curateClusters:
      var k: Int? = nil
      if !arg.isEmpty && arg != "auto" {
        guard let n = Int(arg), (1...100).contains(n) else {
          Reducer.setStatus(&s, "clusters: K is a number from 1 to 100, or auto (chosen by silhouette), not '\(arg)'", error: true)
          return []
        }
        k = n
      }
      return CurationCommands.start(&s, .clusters(k: k, run: s.activeRunSummary?.key), job: clustersJob)
    case .curateSlices:
      guard let run = s.activeRunSummary?.key else {
        Reducer.setStatus(&s, "slices need an evaluation run: E evaluates a prediction field (or segscope eval)", error: true)
        return []
      }
      return CurationCommands.start(&s, .slices(run: run, view: s.view), job: slicesJob)
    }
  }

  /// The clusters list, when the app has none yet, from the stored clusters (quietly: none stored
  /// leaves the screen's hint).
  static func storedClusters(_ s: inout AppState) -> [Effect] {
    guard s.slices.kind == .clusters, s.slices.list == nil, s.jobs[clustersJob] == nil else { return [] }
    s.jobs[clustersJob] = Job(title: "clusters: reading the stored clusters", done: 0, total: 0)
    return [.curation(.curate(.storedClusters(run: s.activeRunSummary?.key), job: clustersJob))]
  }

  static func reduce(_ s: inout AppState, _ action: SliceAction) -> [Effect] {
    switch action {
    case .slicesLoaded(let kind, let list):
      s.slices.lists[kind] = list
      s.slices.kind = kind
      s.slices.cursor = 0
      Commands.go(&s, .slices)
      return stripEffects(&s)
    }
  }

  /// Enter: the entry under the cursor becomes the view.
  static func open(_ s: inout AppState) -> [Effect] {
    guard let e = s.slices.current else { return [] }
    Commands.go(&s, .samples)
    s.cursor = 0
    s.viewLoading = true
    return [.loadView(e.definition, run: s.activeRunSummary?.key)]
  }

  static func move(_ s: inout AppState, _ how: Move) -> [Effect] {
    let n = s.slices.list?.entries.count ?? 0
    guard n > 0 else { return [] }
    how.apply(&s.slices.cursor, count: n, page: SlicesScreen.rowsPerPage(s))
    return stripEffects(&s)
  }

  /// Thumbnails of the strips on the page that are not loaded yet.
  static func stripEffects(_ s: inout AppState) -> [Effect] {
    guard let list = s.slices.list else { return [] }
    let page = SlicesScreen.visibleRows(s)
    let strip = SlicesScreen.stripLength(s)
    var wanted: [Int64] = []
    for i in page where list.entries.indices.contains(i) { wanted += list.entries[i].strip.prefix(strip) }
    return Commands.thumbnailEffects(&s, wanted)
  }
}
