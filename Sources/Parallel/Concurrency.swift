import Synchronization
#if canImport(Glibc)
  import Glibc
#endif

// Every lock in segscope is the standard library's Synchronization.Mutex (and Atomic for counters).

/// Slots written by index from worker threads.
public final class ResultSlots<T: Sendable>: Sendable {
  private let items: Mutex<[T?]>
  public init(count: Int) { items = Mutex(Array(repeating: nil, count: count)) }
  public func set(_ i: Int, _ v: T) { items.withLock { $0[i] = v } }
  public func values() -> [T?] { items.withLock { $0 } }
}

/// A counter shared by worker threads.
public final class AtomicCounter: Sendable {
  private let n = Atomic<Int>(0)
  public init() {}
  public func increment() -> Int { n.add(1, ordering: .relaxed).newValue }
  public var value: Int { n.load(ordering: .relaxed) }
}

/// The number of cores to use.
public enum ProcessInfoLite {
  public static var activeProcessorCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}
