// WorkerPoolTests.swift: the engine's worker threads run every task exactly once
// per call, whatever the number of tasks and workers, give each participant one
// task at a time, and sleep and wake between calls.

import Foundation
import Synchronization
import Testing
@testable import Engine

@Suite struct WorkerPoolTests {
    @Test(arguments: [1, 2, 3, 4])
    func everyTaskRunsOncePerCall(threads: Int) {
        let pool = WorkerPool(threads: threads)
        defer { pool.stop() }
        let maxTasks = 3 * threads + 1
        let counts = UnsafeMutableBufferPointer<Int>.allocate(capacity: maxTasks)
        defer { counts.deallocate() }
        counts.initialize(repeating: 0)
        let calls = 2_000
        for call in 0..<calls {
            let n = call % (maxTasks + 1)          // none, fewer and more tasks than workers
            pool.run(n) { i, _ in counts[i] += 1 }
        }
        for i in 0..<maxTasks {
            let expected = (0..<calls).filter { i < $0 % (maxTasks + 1) }.count
            #expect(counts[i] == expected, "task \(i)")
        }
    }

    @Test func moreTasksThanTheCounterHoldsRunInTurns() {
        let pool = WorkerPool(threads: 2)
        defer { pool.stop() }
        let n = WorkerPool.maxTasks * 2 + 7
        let counts = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: n)
        defer { counts.deallocate() }
        counts.initialize(repeating: 0)
        pool.run(n) { i, _ in counts[i] += 1 }
        #expect(counts.allSatisfy { $0 == 1 })
    }

    @Test func aParticipantRunsOneTaskAtATime() {
        let pool = WorkerPool(threads: 3)
        defer { pool.stop() }
        // One bit per participant, set while it runs a task.
        let busy = Atomic<Int>(0), overlaps = Atomic<Int>(0), participants = Atomic<Int>(0)
        for _ in 0..<200 {
            pool.run(12) { _, p in
                participants.bitwiseOr(1 << p, ordering: .relaxed)
                if busy.bitwiseOr(1 << p, ordering: .acquiringAndReleasing).oldValue & (1 << p) != 0 { overlaps.add(1, ordering: .relaxed) }
                for _ in 0..<100 { _ = busy.load(ordering: .relaxed) }
                busy.bitwiseAnd(~(1 << p), ordering: .acquiringAndReleasing)
            }
        }
        #expect(overlaps.load(ordering: .relaxed) == 0)
        #expect(participants.load(ordering: .relaxed) & 1 == 1, "the caller takes part")
    }

    @Test func tasksRunConcurrentlyOnDistinctThreads() {
        let pool = WorkerPool(threads: 2)
        defer { pool.stop() }
        // The first task waits for the second to start: this only finishes if a worker
        // runs one while the caller runs the other.
        let started = Atomic<Int>(0)
        pool.run(2) { _, _ in
            started.add(1, ordering: .sequentiallyConsistent)
            while started.load(ordering: .sequentiallyConsistent) < 2 {}
        }
        #expect(started.load(ordering: .sequentiallyConsistent) == 2)
    }

    @Test func workersSleepAndWakeBetweenCalls() {
        let pool = WorkerPool(threads: 3)
        defer { pool.stop() }
        let sums = UnsafeMutableBufferPointer<Int>.allocate(capacity: 3)
        defer { sums.deallocate() }
        sums.initialize(repeating: 0)
        for _ in 0..<3 {
            pool.run(3) { i, _ in sums[i] += i + 1 }
            usleep(20_000)                       // long enough for the workers to go to sleep
        }
        #expect(Array(sums) == [3, 6, 9])
    }
}
