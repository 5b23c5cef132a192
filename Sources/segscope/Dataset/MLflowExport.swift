import AppSession
import CommandOutput
import Workflows
import ArgumentParser
import DatasetStore
import Foundation
import SegmentationCore
import Tracking

/// `segscope runs PATH --mlflow URI`: each stored run as an MLflow run (params, metrics, tags, the
/// per-class CSV and the confusion matrix as CSV and PNG). A re-log updates the run logged before.
enum MLflowExport {
  static func log(store: DatasetStore, uri: String, experiment: String, keys: [String], timeout: Double) throws {
    let client = try MLflowClient(uri: uri, requestSeconds: timeout)
    var runs = try store.runs().filter { $0.kind == .semantic || $0.kind == .instance }
    if !keys.isEmpty {
      let unknown = keys.filter { k in !runs.contains { $0.key == k } }
      if !unknown.isEmpty {
        throw ValidationError("no run \(unknown.map(Sanitize.forTerminal).joined(separator: ", ")); runs: \(runs.map(\.key).joined(separator: ", "))")
      }
      runs = runs.filter { keys.contains($0.key) }
    }
    guard !runs.isEmpty else { throw ValidationError("the dataset has no evaluation runs to log (segscope eval makes them)") }
    let dataset = try store.datasetId()
    var failed = false
    for run in runs {
      let tracked = try TrackedRuns.record(store: store, run: run, dataset: dataset, version: Segscope.version)
      do {
        let (id, updated, notes) = try client.log(tracked, experiment: experiment)
        print("\(Sanitize.forTerminal(run.key)): \(updated ? "updated" : "logged") MLflow run \(id) in experiment '\(Sanitize.forTerminal(experiment))'")
        for n in notes { print("  " + Sanitize.forTerminal(n)) }
      } catch {
        failed = true
        Console.stderr("segscope: error: \(Sanitize.forTerminal(run.key)): \(Sanitize.forTerminal("\(error)"))")
      }
    }
    if failed { throw ExitCode.failure }
  }
}
