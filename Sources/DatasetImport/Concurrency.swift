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
  public var value: Int { lock.withLock { n } }
}

/// The number of cores to use.
public enum ProcessInfoLite {
  public static var activeProcessorCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}
