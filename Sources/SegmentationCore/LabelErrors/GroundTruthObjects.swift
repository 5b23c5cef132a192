/// The ground truth's objects (4-connected areas of one value), found from the rows' runs of equal
/// values: a pass over the mask cuts each row into runs, and runs of one value that overlap between
/// neighbouring rows are joined (union-find). There are far fewer runs than pixels in a label mask,
/// and no per-pixel map is kept: a pixel's object is found by a binary search in its row's runs.
///
/// What the label-error finder asks of an object is computed when asked: its pixels outside the band
/// (from the edge band), and the value that surrounds it.
struct GroundTruthObjects<G: FixedWidthInteger & UnsignedInteger> {
  let width: Int
  let height: Int
  private let g: [G]
  /// Runs in row order: row y's runs are rowStart[y]..<rowStart[y + 1].
  private var runX0: [Int32] = []
  private var runX1: [Int32] = []
  private var rowStart: [Int32] = []
  /// The object (a root run) of each run.
  private var root: [Int32] = []
  /// The runs of each object, grouped: members[memberStart[r]..<memberStart[r + 1]] for root r,
  /// made when first needed.
  private var members: [Int32] = []
  private var memberStart: [Int32] = []

  init(labels g: [G], width w: Int, height h: Int) {
    precondition(g.count == w * h, "GroundTruthObjects: \(g.count) values for \(w)x\(h)")
    width = w
    height = h
    self.g = g
    // Built in locals (not stored properties) so the loops run without exclusivity checks.
    var x0s: [Int32] = [], x1s: [Int32] = [], starts: [Int32] = [], parent: [Int32] = []
    // Pixels per 8 bytes, and the multiplier that repeats one pixel's value over them.
    let lanes = 8 / MemoryLayout<G>.size
    let repeated = UInt64.max / (UInt64.max >> UInt64(64 - 8 * MemoryLayout<G>.size))
    starts.reserveCapacity(h + 1)
    g.withUnsafeBufferPointer { gb in
      guard let base = gb.baseAddress else { return }
      for y in 0..<h {
        let row = base + y &* w
        starts.append(Int32(x0s.count))
        var x = 0
        while x < w {
          let v = row[x]
          var e = x &+ 1
          // Eight bytes at a time along a run (8 or 4 pixels), then one pixel at a time to its end.
          let pattern = UInt64(v) &* repeated
          while e &+ lanes <= w && UnsafeRawPointer(row + e).loadUnaligned(as: UInt64.self) == pattern { e &+= lanes }
          while e < w && row[e] == v { e &+= 1 }
          x0s.append(Int32(x))
          x1s.append(Int32(e &- 1))
          parent.append(Int32(parent.count))
          x = e
        }
        // Join with the runs of the row above that overlap and hold the same value.
        guard y > 0 else { continue }
        var a = Int(starts[y - 1]), b = Int(starts[y])
        let aEnd = Int(starts[y]), bEnd = x0s.count
        let above = row - w
        while a < aEnd && b < bEnd {
          if x1s[a] < x0s[b] {
            a &+= 1
            continue
          }
          if x1s[b] < x0s[a] {
            b &+= 1
            continue
          }
          if above[Int(x0s[a])] == row[Int(x0s[b])] {
            let ra = Self.find(Int32(a), in: &parent), rb = Self.find(Int32(b), in: &parent)
            if ra != rb { parent[Int(max(ra, rb))] = min(ra, rb) }
          }
          if x1s[a] < x1s[b] { a &+= 1 } else { b &+= 1 }
        }
      }
    }
    starts.append(Int32(x0s.count))
    for k in parent.indices { parent[k] = Self.find(Int32(k), in: &parent) }
    runX0 = x0s
    runX1 = x1s
    rowStart = starts
    root = parent
  }

  /// The root of run a's set, halving the path on the way.
  private static func find(_ a: Int32, in parent: inout [Int32]) -> Int32 {
    var a = a
    while parent[Int(a)] != a {
      parent[Int(a)] = parent[Int(parent[Int(a)])]
      a = parent[Int(a)]
    }
    return a
  }

  /// Pixels per value (indices up to the largest value present), from the runs.
  func valueCounts() -> [Int] {
    var counts: [Int] = []
    g.withUnsafeBufferPointer { gb in
      for y in 0..<height {
        let row = y * width
        for run in Int(rowStart[y])..<Int(rowStart[y + 1]) {
          let v = Int(gb[row + Int(runX0[run])])
          if v >= counts.count { counts += [Int](repeating: 0, count: v + 1 - counts.count) }
          counts[v] += Int(runX1[run] - runX0[run]) + 1
        }
      }
    }
    return counts
  }

  /// The object of pixel i: the index of its root run.
  func object(at i: Int) -> Int {
    let y = i / width, x = Int32(i % width)
    var lo = Int(rowStart[y]), hi = Int(rowStart[y + 1]) - 1
    while lo < hi {
      let mid = (lo + hi + 1) / 2
      if runX0[mid] <= x { lo = mid } else { hi = mid - 1 }
    }
    return Int(root[lo])
  }

  /// Groups the runs by object (a counting sort by root).
  private mutating func groupMembers() {
    var count = [Int32](repeating: 0, count: root.count + 1)
    for r in root { count[Int(r) + 1] += 1 }
    for k in 0..<root.count { count[k + 1] += count[k] }
    memberStart = count
    members = [Int32](repeating: 0, count: root.count)
    var next = count
    for (run, r) in root.enumerated() {
      members[Int(next[Int(r)])] = Int32(run)
      next[Int(r)] += 1
    }
  }

  /// Calls body(y, x0, x1) for each run of object `id`.
  private mutating func forEachRun(of id: Int, _ body: (Int, Int, Int) -> Void) {
    if memberStart.isEmpty { groupMembers() }
    for m in Int(memberStart[id])..<Int(memberStart[id + 1]) {
      let run = Int(members[m])
      // The run's row: rowStart is sorted, so a binary search finds it.
      var lo = 0, hi = height - 1
      while lo < hi {
        let mid = (lo + hi + 1) / 2
        if Int(rowStart[mid]) <= run { lo = mid } else { hi = mid - 1 }
      }
      body(lo, Int(runX0[run]), Int(runX1[run]))
    }
  }

  /// Object `id`'s pixels outside the band, estimated as its pixels minus `band` times its edge
  /// pixels (level 0 in the edge band), at least 1.
  mutating func core(_ id: Int, level: [UInt8], band: Int) -> Int {
    var pixels = 0, edgePixels = 0
    let w = width
    level.withUnsafeBufferPointer { lv in
      forEachRun(of: id) { y, x0, x1 in
        pixels += x1 - x0 + 1
        var edges = 0
        for x in x0...x1 { edges &+= lv[y * w + x] == 0 ? 1 : 0 }
        edgePixels += edges
      }
    }
    return max(1, pixels - edgePixels * band)
  }

  /// The most common non-ignored value just outside object `id` (looking one step further across a
  /// void border; the smallest value on a tie), or nil when nothing surrounds it.
  mutating func surrounding(_ id: Int, level: [UInt8], ignore: [Bool]) -> UInt16? {
    let w = width, h = height
    // The values just outside the object, with counts: few, so a short list beats a dictionary.
    var aroundValues: [UInt16] = []
    var aroundCounts: [Int] = []
    func note(_ value: UInt16) {
      if let k = aroundValues.firstIndex(of: value) {
        aroundCounts[k] += 1
      } else {
        aroundValues.append(value)
        aroundCounts.append(1)
      }
    }
    let g = self.g
    forEachRun(of: id) { y, x0, x1 in
      let v = UInt16(truncatingIfNeeded: g[y * w + x0])
      for x in x0...x1 where level[y * w + x] == 0 {
        for k in 0..<4 {
          let dx = k == 0 ? -1 : k == 1 ? 1 : 0, dy = k == 2 ? -1 : k == 3 ? 1 : 0
          let nx = x + dx, ny = y + dy
          if nx < 0 || ny < 0 || nx >= w || ny >= h { continue }
          let nv = UInt16(truncatingIfNeeded: g[ny * w + nx])
          if nv == v { continue }
          if !ignore[Int(nv)] {
            note(nv)
          } else {
            // One step further across a void border.
            let fx = x + 2 * dx, fy = y + 2 * dy
            if fx >= 0 && fy >= 0 && fx < w && fy < h {
              let fv = UInt16(truncatingIfNeeded: g[fy * w + fx])
              if fv != v && !ignore[Int(fv)] { note(fv) }
            }
          }
        }
      }
    }
    var surrounding: UInt16? = nil
    var best = 0
    for (k, value) in aroundValues.enumerated() where aroundCounts[k] > best || (aroundCounts[k] == best && surrounding.map { value < $0 } ?? true) {
      best = aroundCounts[k]
      surrounding = value
    }
    return surrounding
  }
}
