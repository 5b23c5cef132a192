import CommandOutput
import ArgumentParser
import SegmentationCore

/// The root command.
struct Segscope: AsyncParsableCommand {
  static let version = "0.1.0"

  static let configuration = CommandConfiguration(
    commandName: "segscope",
    abstract: "Look at image-segmentation datasets, masks and model errors in the terminal.",
    discussion: """
      segscope shows a dataset as a grid of thumbnails with mask overlays, per-class IoU tables, a
      confusion matrix and side-by-side sample views, over plain SSH. Exit status: 0 ok, 1 error, 2 usage.
      """,
    version: version,
    subcommands: [
      DemoCommand.self, OpenCommand.self, ImportCommand.self, InfoCommand.self, QueryCommand.self, EvalCommand.self, MergeCommand.self, IndexCommand.self,
      PredictCommand.self, AugmentCommand.self,
      PanopticCommand.self,
      RunsCommand.self,
      TagCommand.self, ExportCommand.self, FlagCommand.self, FlagsCommand.self, ReviewCommand.self, RevisionsCommand.self, RelabelCommand.self,
      ReimportCommand.self, MistakesCommand.self, SignaturesCommand.self, DuplicatesCommand.self, SimilarCommand.self, UniquenessCommand.self,
      UncertaintyCommand.self, NextCommand.self, ClustersCommand.self, SlicesCommand.self,
      RenderCommand.self, FileCommand.self, ProbeCommand.self,
    ]
  )
}

extension Segscope {
  /// Parses and runs a command. Exit codes: 0 ok, 1 error, 2 usage (ArgumentParser's own default for
  /// usage errors is 64), or the status a command ended with (130 interrupted).
  static func runMain(_ arguments: [String]) async -> Int32 {
    do {
      var command = try parseAsRoot(arguments)
      if var asyncCommand = command as? any AsyncParsableCommand { try await asyncCommand.run() } else { try command.run() }
      return 0
    } catch let e as CommandExit {
      return e.status
    } catch {
      let error = (error as? UsageError).map { ValidationError($0.description) } ?? error
      switch exitCode(for: error) {
      case .success:
        print(fullMessage(for: error))
        return 0
      case .validationFailure:
        // Line by line: a message may quote what the user typed, control characters included.
        Console.stderr(
          fullMessage(for: error).split(separator: "\n", omittingEmptySubsequences: false).map { Sanitize.forTerminal(String($0)) }.joined(separator: "\n"))
        return 2
      case let code where error is ExitCode:
        return code.rawValue
      default:
        Console.stderr("segscope: error: " + Sanitize.forTerminal(String(describing: error)))
        return 1
      }
    }
  }
}
