// WorkerPool.swift: the engine's own threads for the forward pass.
// A frame at batch 1 hands out one task per layer, every 0.1-1 ms; waking a
// sleeping thread for each (as a general-purpose pool does) costs tens of
// microseconds and, measured, lets the band for the other core start late or
// share a core. Here the workers spin briefly on a generation counter between
// tasks, and sleep on a condition only when no task comes for a while.

import Foundation
import Synchronization

final class WorkerPool: @unchecked Sendable {
    /// Participants: the calling thread and count - 1 workers.
    let count: Int

    private let generation = Atomic<Int>(0)
    private let pending = Atomic<Int>(0)
    private let lock = NSCondition()
    private var sleepers = 0          // guarded by lock
    private let stopping = Atomic<Bool>(false)
    // Written by the caller before the generation is bumped, read by the workers after.
    private nonisolated(unsafe) var task: ((Int) -> Void)?
    private nonisolated(unsafe) var taskCount = 0

    /// Spin steps before a worker sleeps: a few hundred µs, longer than the gap between layers.
    private static let spins = 2_000

    init(threads: Int) {
        count = max(1, threads)
        for i in 1..<count {
            let t = Thread { [self] in self.work(index: i) }
            t.name = "latentscope-engine-\(i)"
            t.stackSize = 1 << 20
            t.start()
        }
    }

    /// Runs body(0..<n), n <= count: index 0 on the calling thread, the rest on the
    /// workers, and returns when all are done. body must touch disjoint memory per index.
    func run(_ n: Int, _ body: (Int) -> Void) {
        precondition(n <= count, "WorkerPool.run: \(n) tasks for \(count) participants")
        guard n > 1 else { if n == 1 { body(0) }; return }
        withoutActuallyEscaping(body) { body in
            task = body
            taskCount = n
            // Every worker reports every generation, needed or not: the next call may
            // only rewrite task and taskCount once no worker can still be reading them.
            pending.store(count - 1, ordering: .releasing)
            generation.add(1, ordering: .releasing)
            lock.lock()
            if sleepers > 0 { lock.broadcast() }
            lock.unlock()
            body(0)
            var spins = 0
            while pending.load(ordering: .acquiring) > 0 { Self.pause(&spins) }
            task = nil
        }
    }

    /// Stops the workers (after the task in progress, if any).
    func stop() {
        lock.lock()
        stopping.store(true, ordering: .releasing)
        generation.add(1, ordering: .releasing)
        lock.broadcast()
        lock.unlock()
    }

    private func work(index: Int) {
        var seen = 0
        while true {
            var spins = 0
            while generation.load(ordering: .acquiring) == seen && spins < Self.spins { Self.pause(&spins) }
            if generation.load(ordering: .acquiring) == seen {
                lock.lock()
                sleepers += 1
                while generation.load(ordering: .acquiring) == seen && !stopping.load(ordering: .acquiring) { lock.wait() }
                sleepers -= 1
                lock.unlock()
            }
            if stopping.load(ordering: .acquiring) { return }
            seen = generation.load(ordering: .acquiring)
            if index < taskCount { perform(index) }
            pending.subtract(1, ordering: .releasing)
        }
    }

    /// One step of a spin-wait. After a short pure spin it yields the core: should the
    /// thread being waited for share it, it runs at once instead of after a time slice.
    @inline(__always) private static func pause(_ spins: inout Int) {
        spins += 1
        if spins > 64 { sched_yield() }
    }

    /// Runs the current task; a function of its own so that its reference to the
    /// closure is gone before the caller is told (run() checks it did not escape).
    @inline(never) private func perform(_ index: Int) { task!(index) }
}
