import AppCore
import Dispatch
import Workflows

/// Where effects run: blocking SQLite and decoding go to Dispatch threads, not Swift's cooperative
/// pool (which has one thread per core: two blocked jobs would stop every load on a 2-core machine).
/// Interactive loads (a view, a sample's pictures, rows) run concurrently at user-initiated priority;
/// background jobs (evaluation, indexing, exports) run one at a time at utility priority, so a key
/// press never waits behind them.
public final class EffectScheduler: Sendable {
  private let interactive = DispatchQueue(label: "segscope.effects.interactive", qos: .userInitiated, attributes: .concurrent)
  private let background = DispatchQueue(label: "segscope.effects.jobs", qos: .utility)

  public init() {}

  /// Runs `effect` with `runner` on the right queue and hands its actions to `deliver`.
  public func run(_ effect: Effect, with runner: EffectRunner, deliver: @escaping @Sendable ([AppAction]) -> Void) {
    let queue = effect.isBackgroundJob ? background : interactive
    queue.async { deliver(runner.perform(effect)) }
  }
}
