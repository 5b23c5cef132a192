#if canImport(Glibc)
  import Glibc
#endif

/// A pthread mutex. Not reentrant.
public final class Mutex: @unchecked Sendable {
  private let m = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  public init() { pthread_mutex_init(m, nil) }
  deinit {
    pthread_mutex_destroy(m)
    m.deallocate()
  }
  public func withLock<T>(_ body: () throws -> T) rethrows -> T {
    pthread_mutex_lock(m)
    defer { pthread_mutex_unlock(m) }
    return try body()
  }
}

/// Slots written by index from worker threads.
public final class ResultSlots<T>: @unchecked Sendable {
  private var items: [T?]
  private let lock = Mutex()
  public init(count: Int) { items = Array(repeating: nil, count: count) }
  public func set(_ i: Int, _ v: T) { lock.withLock { items[i] = v } }
  public func values() -> [T?] { lock.withLock { items } }
}

/// A counter shared by worker threads.
public final class AtomicCounter: @unchecked Sendable {
  private var n = 0
  private let lock = Mutex()
  public init() {}
  public func increment() -> Int { lock.withLock { n += 1; return n } }
}

/// Results produced out of order by workers and taken in order by one consumer.
public final class ResultPipe<T>: @unchecked Sendable {
  private var items: [T?]
  private var cancelled = false
  /// The index the consumer is blocked on, or -1: producers signal only when they fill that slot,
  /// so the consumer is not woken (and a decoding core not interrupted) for every item.
  private var waitingFor = -1
  private let m = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  private let c = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

  public init(count: Int) {
    items = Array(repeating: nil, count: count)
    pthread_mutex_init(m, nil)
    pthread_cond_init(c, nil)
  }

  deinit {
    pthread_cond_destroy(c)
    pthread_mutex_destroy(m)
    c.deallocate()
    m.deallocate()
  }

  public func put(_ i: Int, _ v: T) {
    pthread_mutex_lock(m)
    items[i] = v
    if i == waitingFor { pthread_cond_signal(c) }
    pthread_mutex_unlock(m)
  }

  /// Waits until every result in `range` is there and returns them (releasing their slots).
  public func take(_ range: Range<Int>) -> [T] {
    pthread_mutex_lock(m)
    defer { pthread_mutex_unlock(m) }
    var out: [T] = []
    out.reserveCapacity(range.count)
    for i in range {
      while items[i] == nil {
        waitingFor = i
        pthread_cond_wait(c, m)
      }
      waitingFor = -1
      out.append(items[i]!)
      items[i] = nil
    }
    return out
  }

  public func cancel() {
    pthread_mutex_lock(m)
    cancelled = true
    pthread_mutex_unlock(m)
  }

  public var isCancelled: Bool {
    pthread_mutex_lock(m)
    defer { pthread_mutex_unlock(m) }
    return cancelled
  }
}

/// The number of cores to use.
public enum ProcessInfoLite {
  public static var activeProcessorCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}
