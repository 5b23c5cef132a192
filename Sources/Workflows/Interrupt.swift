import Predict

#if canImport(Glibc)
  import Glibc
#endif

/// Ctrl-C / SIGTERM / SIGHUP (the SSH connection went) during batch work: the first signal asks long
/// work to stop at the next commit point (work done so far is kept and resumes next time; a running
/// model gets TERM, then KILL); a second one kills any model and exits at once.
public enum Interrupt {
  nonisolated(unsafe) public static var requested: sig_atomic_t = 0

  public static func install() {
    let handler: @convention(c) (Int32) -> Void = { sig in
      if Interrupt.requested != 0 {
        ModelProcesses.killAllFromSignalHandler()
        _exit(130)
      }
      Interrupt.requested = 1
    }
    signal(SIGINT, handler)
    signal(SIGTERM, handler)
    signal(SIGHUP, handler)
  }

  public static var isRequested: Bool { requested != 0 }
}

extension Interrupt {
  /// The app reads Ctrl-C as a key (raw mode); SIGTERM still ends it through the flag.
  public static func reset() { requested = 0 }
}
