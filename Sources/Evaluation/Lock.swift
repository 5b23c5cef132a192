#if canImport(Glibc)
  import Glibc
#endif

/// A pthread mutex. Not reentrant.
final class Lock: @unchecked Sendable {
  private let m = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
  init() { pthread_mutex_init(m, nil) }
  deinit {
    pthread_mutex_destroy(m)
    m.deallocate()
  }
  func withLock<T>(_ body: () throws -> T) rethrows -> T {
    pthread_mutex_lock(m)
    defer { pthread_mutex_unlock(m) }
    return try body()
  }
}
