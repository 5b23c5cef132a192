import ArgumentParser
import TerminalBackend

/// `segscope probe`: print what the terminal answered.
struct ProbeCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "probe",
    abstract: "Ask the terminal for its graphics capabilities and print them."
  )
  @Option(help: "How long to wait for replies, in milliseconds.") var timeout: Int = 1000

  func run() {
    print(TTYProbe.run(timeoutMs: max(10, min(10_000, timeout))).summary)
  }
}
