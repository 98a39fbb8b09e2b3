// WorkerPoolTests.swift: the engine's worker threads run every index once per
// call, from any number of calls, and stop cleanly.

import Foundation
import Synchronization
import Testing
@testable import Engine

@Suite struct WorkerPoolTests {
    @Test(arguments: [1, 2, 3, 4])
    func everyIndexRunsOncePerCall(threads: Int) {
        let pool = WorkerPool(threads: threads)
        defer { pool.stop() }
        let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: threads)
        defer { counts.deallocate() }
        counts.initialize(repeating: 0)
        let calls = 2_000
        for call in 0..<calls {
            let n = 1 + call % threads            // fewer tasks than workers too
            pool.run(n) { i in counts[i] += 1 }
        }
        for i in 0..<threads {
            let expected = (0..<calls).filter { i < 1 + $0 % threads }.count
            #expect(counts[i] == expected, "index \(i)")
        }
    }

    @Test func tasksRunConcurrentlyOnDistinctThreads() {
        let pool = WorkerPool(threads: 2)
        defer { pool.stop() }
        // Each task waits for the other to start: this only finishes if both run at once.
        let started = Atomic<Int>(0)
        pool.run(2) { _ in
            started.add(1, ordering: .sequentiallyConsistent)
            while started.load(ordering: .sequentiallyConsistent) < 2 {}
        }
        #expect(started.load(ordering: .sequentiallyConsistent) == 2)
    }

    @Test func workersSleepAndWakeBetweenCalls() throws {
        let pool = WorkerPool(threads: 3)
        defer { pool.stop() }
        let sums = UnsafeMutableBufferPointer<Int>.allocate(capacity: 3)
        defer { sums.deallocate() }
        sums.initialize(repeating: 0)
        for _ in 0..<3 {
            pool.run(3) { i in sums[i] += i + 1 }
            usleep(20_000)                       // long enough for the workers to go to sleep
        }
        #expect(Array(sums) == [3, 6, 9])
    }
}
