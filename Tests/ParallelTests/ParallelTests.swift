import Dispatch
import Parallel
import Testing

@Suite("Concurrency helpers shared by the passes on all cores")
struct ParallelTests {
  @Test("workers claiming items with one counter take each item exactly once and fill every slot")
  func claimEachOnce() {
    let n = 10_000
    let counter = AtomicCounter(), slots = ResultSlots<Int>(count: n)
    DispatchQueue.concurrentPerform(iterations: max(2, ProcessInfoLite.activeProcessorCount)) { worker in
      while true {
        let i = counter.increment() - 1
        if i >= n { break }
        slots.set(i, i * 2 + worker * 0)
      }
    }
    let values = slots.values()
    #expect(values.count == n && values.allSatisfy { $0 != nil })
    #expect(values.enumerated().allSatisfy { $0.element == $0.offset * 2 })
    #expect(counter.value >= n)
    #expect(ProcessInfoLite.activeProcessorCount >= 1)
  }
}
