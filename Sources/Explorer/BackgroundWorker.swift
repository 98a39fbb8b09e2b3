// BackgroundWorker: one thread that runs jobs off the UI thread, the skeleton of the
// render scheduler and the exporter: a queue under a condition, the job in flight,
// and a shutdown that waits for it. What becomes of a job's result is the owner's:
// it keeps its state under the worker's lock (`locked`), and `wait` wakes whenever
// a job finishes.

import Foundation

final class BackgroundWorker<Job>: @unchecked Sendable {
    /// What a new job does to the ones still waiting.
    enum Queueing {
        /// Replaces them: they are stale (a newer frame was asked for).
        case newestOnly
        /// Joins them, run in order.
        case inOrder
    }

    // Everything below is guarded by `condition`.
    private let condition = NSCondition()
    private var jobs: [Job] = []
    private var inFlight = false
    private var running = true
    private var started = false
    private var finished = false
    private var replaced = 0

    private let name: String
    private let queueing: Queueing
    private let work: (Job) -> Void

    /// `work` runs each job on the worker's thread, outside the lock; the thread starts
    /// with the first job.
    init(name: String, queueing: Queueing, work: @escaping (Job) -> Void) {
        self.name = name
        self.queueing = queueing
        self.work = work
    }

    /// Queues the job `make` returns (it runs under the lock, so it may read and change
    /// the owner's locked state, such as the next job id).
    func submit(_ make: () -> Job) {
        condition.lock()
        defer { condition.unlock() }
        guard running else { return }
        if !started {
            started = true
            let thread = Thread { [self] in self.run() }
            thread.name = name
            thread.stackSize = 8 << 20
            thread.start()
        }
        if queueing == .newestOnly, !jobs.isEmpty {
            replaced += jobs.count
            jobs.removeAll()
        }
        jobs.append(make())
        condition.broadcast()
    }

    /// Runs `body` holding the worker's lock: for the state the owner shares between its
    /// callers and its work. Never call the worker's other methods inside it.
    func locked<T>(_ body: () -> T) -> T {
        condition.lock()
        defer { condition.unlock() }
        return body()
    }

    /// Waits, up to `timeout` seconds, until `done` holds; `done` is evaluated under the lock
    /// and is told whether the worker is idle (nothing queued or running). Returns whether it held.
    func wait(timeout: TimeInterval, until done: (_ idle: Bool) -> Bool) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date(timeIntervalSinceNow: timeout)
        while !done(jobs.isEmpty && !inFlight) {
            if !condition.wait(until: deadline) { return done(jobs.isEmpty && !inFlight) }
        }
        return true
    }

    /// Jobs queued or running.
    var pendingCount: Int { locked { jobs.count + (inFlight ? 1 : 0) } }

    /// Jobs replaced by a newer one before they started (`newestOnly`).
    var replacedCount: Int { locked { replaced } }

    /// Stops after the job in flight, dropping the queued ones; waits for it to finish.
    func shutdown() {
        condition.lock()
        running = false
        jobs.removeAll()
        condition.broadcast()
        while started && !finished { condition.wait() }
        condition.unlock()
    }

    private func run() {
        while true {
            condition.lock()
            while running && jobs.isEmpty { condition.wait() }
            guard running, !jobs.isEmpty else {
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
            let job = jobs.removeFirst()
            inFlight = true
            condition.unlock()

            work(job)

            condition.lock()
            inFlight = false
            condition.broadcast()
            condition.unlock()
        }
    }
}
