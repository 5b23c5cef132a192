#if canImport(Glibc)
  import Glibc
#endif

/// Monotonic time in milliseconds.
func nowMs() -> Double {
  var ts = timespec()
  clock_gettime(CLOCK_MONOTONIC, &ts)
  return Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1e6
}

/// Runs each body `rounds` times, interleaved (A, B, A, B...) so that machine noise hits both alike,
/// and returns the median milliseconds of each.
func interleavedMedians(rounds: Int, _ bodies: [() -> Void]) -> [Double] {
  var times = Array(repeating: [Double](), count: bodies.count)
  for b in bodies { b() }  // warm-up
  for _ in 0..<rounds {
    for (i, b) in bodies.enumerated() {
      let t0 = nowMs()
      b()
      times[i].append(nowMs() - t0)
    }
  }
  return times.map { t in
    let s = t.sorted()
    return s[s.count / 2]
  }
}

func fmt(_ v: Double, _ digits: Int = 2) -> String {
  var p = 1.0
  for _ in 0..<digits { p *= 10 }
  let r = (v * p).rounded() / p
  return String(r)
}
