import CommandOutput
import Predict

#if canImport(Glibc)
  @preconcurrency import Glibc

  // Keep freed buffers for the next image instead of handing them back to the kernel: with glibc's
  // defaults every mask-sized buffer above 128 KiB is a fresh mmap, and refilling its pages cost
  // `mistakes` as much system time as it spent computing (measured: 1.05 s -> 0.73 s wall on 400
  // 1024x512 masks). Peak memory is unchanged; what is kept is at most what was in use at the peak.
  // mallopt is declared in <malloc.h>, which the Glibc module does not bring in; its option numbers
  // are glibc's M_TRIM_THRESHOLD (-1) and M_MMAP_THRESHOLD (-3).
  if let symbol = dlsym(nil, "mallopt") {
    typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
    let mallopt = unsafeBitCast(symbol, to: Mallopt.self)
    _ = mallopt(-3, 64 << 20)
    _ = mallopt(-1, 128 << 20)
  }
#endif

let status = await Segscope.runMain(Array(CommandLine.arguments.dropFirst()))
// A model still running (the app quit, or its pane closed, while `:predict` ran) ends with segscope:
// TERM to its process group, KILL after 3 s.
ModelProcesses.endAll(grace: 3)
#if canImport(Glibc)
  // Output the user asked for and did not get is an error: a full disk or /dev/full fails the
  // buffered writes, which print() does not report. A closed pipe (EPIPE) stays quiet.
  if fflush(stdout) != 0 || ferror(stdout) != 0 {
    let code = errno
    if code != EPIPE {
      Console.stderr("segscope: error: could not write to standard output (\(String(cString: strerror(code))))")
      exit(status == 0 ? 1 : status)
    }
  }
#endif
exit(status)
