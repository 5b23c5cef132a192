import SegmentationCore

/// Curation from the app: duplicates, uniqueness and the annotation queue run as background jobs
/// and end on the view that shows their result; similar samples load as a view at once.
enum CurationCommands {
  static let verbs: [String: CommandID] = [
    "duplicates": .curateDuplicates, "uniqueness": .curateUniqueness, "similar": .curateSimilar, "next": .curateNext, "map": .screenMap,
  ]

  /// The commands this file handles (`Commands.run` maps each `CommandID` to one, so both switches
  /// are exhaustive: a new command that nothing handles does not compile).
  enum Command: Sendable, Equatable {
    case curateDuplicates, curateUniqueness, curateSimilar, curateNext
  }

  static func run(_ s: inout AppState, _ id: Command, _ args: [String]) -> [Effect] {
    let arg = args.joined(separator: " ").trimmingCharacters()
    switch id {
    case .curateDuplicates: return start(&s, .duplicates, job: .duplicates)
    case .curateUniqueness: return start(&s, .uniqueness, job: .uniqueness)
    case .curateSimilar:
      guard let sample = s.currentSampleId else { return [] }
      if s.screen == .sample { Commands.go(&s, .samples) }
      s.viewLoading = true
      let name = s.rows[sample]?.path.split(separator: "/").last.map(String.init) ?? "sample \(sample)"
      Reducer.setStatus(&s, "samples like \(name), nearest first (image signatures are made where missing)", error: false)
      return [.curation(.loadSimilar(sample: sample, limit: 50))]
    case .curateNext:
      let preds = s.fields.filter { $0 != FieldName.groundTruth }
      let words = arg.split(separator: " ").map(String.init)
      guard let first = words.first else {
        Palette.open(&s, prefill: "next 20 " + preds.joined(separator: " "))
        Reducer.setStatus(&s, "next BUDGET FIELD...: how many samples to pick, and the prediction fields whose confidence and disagreement count", error: false)
        return []
      }
      guard let budget = Int(first), budget > 0 else {
        Reducer.setStatus(&s, "next: the budget is a positive number, not '\(first)'", error: true)
        return []
      }
      let fields = Array(words.dropFirst())
      guard !fields.isEmpty else {
        Reducer.setStatus(&s, "next: name the prediction fields (\(preds.joined(separator: ", ")))", error: true)
        return []
      }
      if let unknown = fields.first(where: { !preds.contains($0) }) {
        Reducer.setStatus(&s, "next: no prediction field '\(unknown)' (fields: \(preds.joined(separator: ", ")))", error: true)
        return []
      }
      return start(&s, .next(budget: budget, fields: fields, view: s.view, tag: "next"), job: .next(budget: budget))
    }
  }

  static func start(_ s: inout AppState, _ task: CurationTask, job: JobID) -> [Effect] {
    guard s.jobs[job] == nil else {
      Reducer.setStatus(&s, "\(job) is running already", error: false)
      return []
    }
    s.jobs[job] = Job(title: job.description, done: 0, total: 0)
    s.status = nil
    return [.curation(.curate(task, job: job))]
  }

  static func reduce(_ s: inout AppState, _ action: CurationAction) -> [Effect] {
    switch action {
    case .mapLoaded(let view, let points, let explained):
      s.jobs[MapCommands.job] = nil
      s.map.loading = false
      s.map.points = points
      s.map.view = view
      s.map.explained = explained
      s.map.anchor = nil
      s.map.cursor = max(0, min(s.map.cursor, points.count - 1))
      return MapCommands.rowEffect(s)
    case .curationFinished(let job, let view, let message, let isError):
      s.jobs[job] = nil
      if job == MapCommands.job { s.map.loading = false }
      Reducer.setStatus(&s, message, error: isError)
      guard let view, !isError else { return [] }
      Commands.go(&s, .samples)
      s.viewLoading = true
      return [.loadView(view, run: s.activeRunSummary?.key)]
    }
  }
}
