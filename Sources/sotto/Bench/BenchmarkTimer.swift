/// Timing for the benchmarks: each case runs in rounds of about `roundDuration`, the rounds
/// of the cases being compared interleave (so drift and noise hit both alike), and the
/// median per-operation time is reported.
struct BenchmarkTimer {
    var rounds = 9
    var roundDuration: Duration = .milliseconds(300)

    /// Per-operation time in nanoseconds of each case: the median over the rounds.
    func compare(_ cases: [() throws -> Void]) throws -> [Double] {
        let clock = ContinuousClock()
        // Calibrate: how many operations fill one round.
        var counts = [Int]()
        for body in cases {
            try body()
            var n = 1
            while true {
                let t = try clock.measure { for _ in 0..<n { try body() } }
                if t >= roundDuration / 4 || n >= 1 << 24 {
                    let perOp = Double(t.components.attoseconds) / 1e9 + Double(t.components.seconds) * 1e9
                    counts.append(max(1, Int(roundDuration.nanoseconds / (perOp / Double(n)))))
                    break
                }
                n *= 2
            }
        }
        var samples = Array(repeating: [Double](), count: cases.count)
        for _ in 0..<rounds {
            for (i, body) in cases.enumerated() {
                let n = counts[i]
                let t = try clock.measure { for _ in 0..<n { try body() } }
                samples[i].append(t.nanoseconds / Double(n))
            }
        }
        return samples.map { s in
            let sorted = s.sorted()
            return sorted[sorted.count / 2]
        }
    }
}

extension Duration {
    var nanoseconds: Double {
        Double(components.seconds) * 1e9 + Double(components.attoseconds) / 1e9
    }
}
