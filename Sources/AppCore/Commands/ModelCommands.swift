import Augmentation
import SegmentationCore

/// Models and augmentations in the app: `:augment FILE` and `A` (seeded draws of the pipeline beside
/// the sample), `:predict NAME COMMAND` (the user's model over the view, in the background).
enum ModelCommands {
  static let verbs: [String: CommandID] = ["augment": .sampleAugment, "predict": .predictRun]

  /// The commands this file handles (`Commands.run` maps each `CommandID` to one, so both switches
  /// are exhaustive: a new command that nothing handles does not compile).
  enum Command: Sendable, Equatable {
    case sampleAugment, predictRun
  }

  static func run(_ s: inout AppState, _ id: Command, _ arg: String) -> [Effect] {
    switch id {
    case .sampleAugment:
      let a = arg.trimmingCharacters(in: .whitespaces)
      if a == "off" {
        s.augmentPipeline = nil
        s.augmentDraw = 0
        Reducer.setStatus(&s, "augmentation preview off", error: false)
        return []
      }
      if !a.isEmpty { return [.model(.loadPipeline(path: a))] }
      guard s.augmentPipeline != nil else {
        Reducer.setStatus(&s, "no augmentation pipeline: :augment FILE loads one (TOML, Albumentations' names)", error: true)
        return []
      }
      s.augmentDraw += 1
      Reducer.setStatus(&s, "\(s.augmentName): draw \(s.augmentDraw) beside the sample (A next draw, :augment off)", error: false)
      return []
    case .predictRun:
      let parts = arg.split(separator: " ", maxSplits: 1).map(String.init)
      guard parts.count == 2, parts[1].contains("{manifest}") else {
        Reducer.setStatus(&s, "predict: give NAME COMMAND, with {manifest} where the manifest's path goes", error: true)
        return []
      }
      let job = JobID.predict(name: parts[0])
      guard s.jobs[job] == nil else { return [] }
      s.jobs[job] = Job(title: job.description, done: 0, total: 0)
      return [.model(.predict(name: parts[0], command: parts[1], view: s.view, job: job))]
    }
  }

  static func reduce(_ s: inout AppState, _ action: ModelAction) -> [Effect] {
    switch action {
    case .pipelineLoaded(let name, let pipeline):
      s.augmentPipeline = pipeline
      s.augmentName = name
      s.augmentDraw = 1
      Reducer.setStatus(&s, "\(name): \(pipeline.steps.count) transforms; A on a sample shows the next draw beside it", error: false)
      return []
    }
  }
}
