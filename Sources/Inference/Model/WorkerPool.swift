import Foundation
import Synchronization

/// Threads kept for the products of one model, so handing out a product costs an atomic increment rather than
/// a dispatch.
///
/// A token runs a few hundred small matrix-vector products, each a few microseconds of work; queueing each on
/// Dispatch costs about as much as the work. Here the workers spin on a generation counter between products
/// (yielding the core when the wait grows, in case other processes need it) and go to sleep on a condition after
/// 0.2 ms without work (longer than the gap between two products of one token), so an idle server burns no CPU
/// and other busy processes get the cores.
///
/// ``run(_:)`` is called from one thread at a time (the model's owner); the calling thread does share 0.
final class WorkerPool: Sendable {
    /// Shares per ``run(_:)``: the caller plus the workers.
    let threadCount: Int
    private let state: State

    init(threads: Int) {
        threadCount = max(1, threads)
        state = State(workers: threadCount - 1)
        for index in 1..<threadCount {
            let state = state
            let thread = Thread { state.work(index: index) }
            thread.name = "sotto-inference-\(index)"
            thread.start()
        }
    }

    deinit { state.stop() }

    /// Calls `body(share)` for every share in `0 ..< threadCount`, concurrently, and returns when all are done.
    func run(_ body: (Int) -> Void) {
        guard threadCount > 1 else { return body(0) }
        withoutActuallyEscaping(body) { escapable in
            state.publish(escapable)
            body(0)
            state.waitForWorkers()
        }
    }

    /// The shared state; the workers hold it, not the pool, so dropping the pool stops them.
    private final class State: @unchecked Sendable {
        private let generation = Atomic<Int>(0)
        private let pending = Atomic<Int>(0)
        private let stopping = Atomic<Bool>(false)
        private let condition = NSCondition()
        /// Workers waiting on `condition`; guarded by it.
        private var sleepers = 0
        /// The current job: written before `generation` is released, read after it is acquired.
        private var job: ((Int) -> Void)?
        private let workers: Int
        /// How long a worker spins before it sleeps: longer than the gap between two tokens' products.
        private static let spinNanoseconds: UInt64 = 200_000

        init(workers: Int) { self.workers = workers }

        func publish(_ body: @escaping (Int) -> Void) {
            job = body
            pending.store(workers, ordering: .relaxed)
            generation.wrappingAdd(1, ordering: .releasing)
            wakeSleepers()
        }

        func waitForWorkers() {
            var spins = 0
            while pending.load(ordering: .acquiring) != 0 { Self.pause(&spins) }
            job = nil
        }

        /// A spin-loop step: after a few hundred busy iterations it yields the core, so a worker that the
        /// scheduler put on the same core (other processes busy) gets to run instead of being waited for.
        @inline(__always)
        static func pause(_ spins: inout Int) {
            spins += 1
            if spins > 256 { sched_yield() }
        }

        func stop() {
            stopping.store(true, ordering: .relaxed)
            generation.wrappingAdd(1, ordering: .releasing)
            wakeSleepers()
        }

        private func wakeSleepers() {
            condition.lock()
            if sleepers > 0 { condition.broadcast() }
            condition.unlock()
        }

        func work(index: Int) {
            var seen = 0
            while true {
                var spins = 0
                let start = DispatchTime.now().uptimeNanoseconds
                while generation.load(ordering: .acquiring) == seen {
                    Self.pause(&spins)
                    guard spins % 1024 == 0, DispatchTime.now().uptimeNanoseconds - start > Self.spinNanoseconds
                    else { continue }
                    condition.lock()
                    while generation.load(ordering: .acquiring) == seen {
                        sleepers += 1
                        condition.wait()
                        sleepers -= 1
                    }
                    condition.unlock()
                }
                seen = generation.load(ordering: .acquiring)
                if stopping.load(ordering: .relaxed) { return }
                job?(index)
                pending.subtract(1, ordering: .releasing)
            }
        }
    }
}
