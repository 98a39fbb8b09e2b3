// WorkerPool.swift: the engine's own threads for the forward pass.
// A frame at batch 1 hands out a few tasks per layer, every 0.1-1 ms; waking a
// sleeping thread for each, as a general-purpose pool does, costs tens of
// microseconds a layer. Here the workers spin briefly on the call counter
// between calls, and sleep on a condition only when no call comes for a while.
//
// Tasks are claimed, not assigned: the caller and the workers take the next
// unclaimed task until none are left. When the machine is busy and a worker
// is not running, the caller does its share instead of waiting a time slice
// for it, so a loaded machine degrades to one thread's speed, not worse.

import Foundation
import Synchronization

final class WorkerPool: @unchecked Sendable {
    /// Participants: the calling thread (participant 0) and count - 1 workers.
    let count: Int

    /// The current call, packed so that a claim is one compare-and-swap:
    /// generation (bits 32-63), task count (16-31), next unclaimed task (0-15).
    private let ticket = Atomic<UInt64>(0)
    /// Tasks of the current call that have finished.
    private let finished = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let lock = NSCondition()
    private var sleepers = 0          // guarded by lock
    // Written by the caller before the ticket is published, read by a participant
    // only after it has claimed a task of that call.
    private nonisolated(unsafe) var task: ((_ task: Int, _ participant: Int) -> Void)?

    /// Spin steps before a worker sleeps: a few hundred µs, longer than the gap between layers.
    private static let spins = 2_000
    static let maxTasks = 0xFFFF

    init(threads: Int) {
        count = max(1, threads)
        for i in 1..<count {
            let t = Thread { [self] in self.work(participant: i) }
            t.name = "latentscope-engine-\(i)"
            t.stackSize = 1 << 20
            t.start()
        }
    }

    /// Runs body(task, participant) for every task in 0..<n and returns when all are
    /// done. Each participant runs one task at a time, so per-participant scratch is
    /// safe; tasks must otherwise touch disjoint memory.
    func run(_ n: Int, _ body: (_ task: Int, _ participant: Int) -> Void) {
        precondition(n >= 0, "WorkerPool.run: \(n) tasks")
        guard n > 1 && count > 1 else { for i in 0..<n { body(i, 0) }; return }
        guard n <= Self.maxTasks else {
            // More tasks than the ticket's 16 bits can count: consecutive calls.
            for start in stride(from: 0, to: n, by: Self.maxTasks) {
                run(min(Self.maxTasks, n - start)) { body(start + $0, $1) }
            }
            return
        }
        withoutActuallyEscaping(body) { body in
            task = body
            finished.store(0, ordering: .relaxed)
            let generation = (ticket.load(ordering: .relaxed) >> 32) &+ 1
            ticket.store(generation << 32 | UInt64(n) << 16, ordering: .releasing)
            lock.lock()
            if sleepers > 0 { lock.broadcast() }
            lock.unlock()
            claimAndRun(generation: generation, participant: 0)
            // Every task is claimed; wait for the ones other participants are still running.
            var spins = 0
            while finished.load(ordering: .acquiring) < n { Self.pause(&spins) }
            task = nil
        }
    }

    /// Stops the workers (after the task in progress, if any).
    func stop() {
        lock.lock()
        stopping.store(true, ordering: .releasing)
        ticket.add(1 << 32, ordering: .releasing)
        lock.broadcast()
        lock.unlock()
    }

    /// Claims and runs tasks of `generation` until none are left or the call is over.
    private func claimAndRun(generation: UInt64, participant: Int) {
        var word = ticket.load(ordering: .acquiring)
        while word >> 32 == generation {
            let n = (word >> 16) & 0xFFFF, next = word & 0xFFFF
            if next >= n { return }
            let (claimed, current) = ticket.compareExchange(expected: word, desired: word + 1,
                                                            successOrdering: .acquiringAndReleasing, failureOrdering: .acquiring)
            if claimed {
                perform(Int(next), participant)
                finished.add(1, ordering: .releasing)
                word = ticket.load(ordering: .acquiring)
            } else {
                word = current
            }
        }
    }

    private func work(participant: Int) {
        var seen: UInt64 = 0
        while true {
            var spins = 0
            while ticket.load(ordering: .acquiring) >> 32 == seen && spins < Self.spins { Self.pause(&spins) }
            if ticket.load(ordering: .acquiring) >> 32 == seen {
                lock.lock()
                sleepers += 1
                while ticket.load(ordering: .acquiring) >> 32 == seen && !stopping.load(ordering: .acquiring) { lock.wait() }
                sleepers -= 1
                lock.unlock()
            }
            if stopping.load(ordering: .acquiring) { return }
            seen = ticket.load(ordering: .acquiring) >> 32
            claimAndRun(generation: seen, participant: participant)
        }
    }

    /// One step of a spin-wait. After a short pure spin it yields the core: should the
    /// thread being waited for share it, it runs at once instead of after a time slice.
    @inline(__always) private static func pause(_ spins: inout Int) {
        spins += 1
        if spins > 64 { sched_yield() }
    }

    /// Runs a claimed task; a function of its own so that its reference to the closure
    /// is gone before the task is counted as finished (run() checks it did not escape).
    @inline(never) private func perform(_ index: Int, _ participant: Int) { task!(index, participant) }
}
