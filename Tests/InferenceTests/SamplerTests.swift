import Foundation
import Testing

@testable import Inference

/// The sampler's filters on hand-made logits, its seeded draws, and stop strings in generation.
@Suite struct SamplerTests {
    /// Logits whose softmax is exactly `probabilities`.
    static func logits(_ probabilities: [Double]) -> [Float] { probabilities.map { Float(log($0)) } }

    static func candidates(_ logits: [Float]) -> [Sampler.Candidate] {
        logits.enumerated().map { Sampler.Candidate(id: $0.offset, logit: $0.element) }
    }

    @Test func topKKeepsTheKHighest() {
        var candidates = Self.candidates([1, 5, 3, 4, 2])
        Sampler.applyTopK(&candidates, k: 2)
        #expect(candidates.map(\.id) == [1, 3])
        var all = Self.candidates([1, 5, 3, 4, 2])
        Sampler.applyTopK(&all, k: 0)
        #expect(all.count == 5)
        var tie = Self.candidates([2, 7, 7, 1])
        Sampler.applyTopK(&tie, k: 1)
        #expect(tie.map(\.id) == [1])
    }

    @Test func topPKeepsTheSmallestSetReachingP() {
        let logits = Self.logits([0.05, 0.5, 0.15, 0.3])
        func kept(_ p: Float) -> [Int] {
            var candidates = Self.candidates(logits)
            Sampler.applyTopP(&candidates, p: p)
            return candidates.map(\.id)
        }
        #expect(kept(0.4) == [1])
        #expect(kept(0.7) == [1, 3])
        #expect(kept(0.85) == [1, 3, 2])
        #expect(kept(0.99) == [1, 3, 2, 0])
        #expect(kept(1).count == 4)
    }

    @Test func minPDropsTokensBelowAFractionOfTheLikeliest() {
        let logits = Self.logits([0.5, 0.3, 0.15, 0.05])
        func kept(_ p: Float) -> [Int] {
            var candidates = Self.candidates(logits)
            Sampler.applyMinP(&candidates, p: p)
            return candidates.map(\.id)
        }
        // Thresholds 0.1, then 0.325, of probability: relative to the 0.5 of the likeliest token.
        #expect(kept(0.2) == [0, 1, 2])
        #expect(kept(0.65) == [0])
        #expect(kept(0) == [0, 1, 2, 3])
    }

    @Test func repetitionPenaltyDividesPositiveAndMultipliesNegativeLogits() {
        var logits: [Float] = [2, -2, 1, 3]
        Sampler.applyRepetitionPenalty(&logits, recent: [0, 1, 0, 9], penalty: 2)
        #expect(logits == [1, -4, 1, 3])
    }

    @Test func repetitionPenaltyOnlyLooksAtTheLastNTokens() {
        var sampler = Sampler(repeatPenalty: 100, repeatLastN: 2)
        // Token 0 wins unless penalised; it is three tokens back, outside the window of 2.
        #expect(sampler.sample([3, 2, 1], history: [0, 2, 2]) == 0)
        #expect(sampler.sample([3, 2, 1], history: [2, 0]) == 1)
    }

    @Test func temperatureScalesLogits() {
        var candidates = Self.candidates([2, -1, 0.5])
        Sampler.applyTemperature(&candidates, temperature: 0.5)
        #expect(candidates.map(\.logit) == [4, -2, 1])
        var greedy = Self.candidates([2, 3, 3])
        Sampler.applyTemperature(&greedy, temperature: 0)
        #expect(greedy.map(\.id) == [1])
    }

    @Test func softmaxSumsToOne() {
        let probabilities = Sampler.softmax([1000, 1000, 999])
        #expect(abs(probabilities.reduce(0, +) - 1) < 1e-12)
        #expect(probabilities[0] == probabilities[1])
    }

    @Test func temperatureZeroIsGreedy() {
        var random = Xoshiro256StarStar(seed: 5)
        for _ in 0..<50 {
            let logits = (0..<40).map { _ in Float(random.nextUnitInterval() * 10 - 5) }
            let best = logits.indices.max { logits[$0] < logits[$1] }!
            var plain = Sampler()
            var filtered = Sampler(temperature: 0, topK: 5, topP: 0.5, minP: 0.3, seed: 3)
            #expect(plain.sample(logits) == best)
            #expect(filtered.sample(logits) == best)
        }
        var sampler = Sampler()
        #expect(sampler.sample([1, 4, 4, 2]) == 1)
    }

    @Test func topKOfOneIsGreedyAtAnyTemperature() {
        var sampler = Sampler(temperature: 5, topK: 1, seed: 11)
        for _ in 0..<100 { #expect(sampler.sample([0.1, 0.3, 0.2]) == 1) }
    }

    static func draws(seed: UInt64, count: Int) -> [Int] {
        var sampler = Sampler(temperature: 1, seed: seed)
        let logits = [Float](repeating: 0, count: 16)
        return (0..<count).map { _ in sampler.sample(logits) }
    }

    @Test func sameSeedGivesSameTokens() {
        #expect(Self.draws(seed: 42, count: 200) == Self.draws(seed: 42, count: 200))
        #expect(Self.draws(seed: 42, count: 200) != Self.draws(seed: 43, count: 200))
        var first = Xoshiro256StarStar(seed: 1)
        var second = Xoshiro256StarStar(seed: 1)
        #expect((0..<10).map { _ in first.next() } == (0..<10).map { _ in second.next() })
    }

    @Test func unitIntervalStaysInRange() {
        var random = Xoshiro256StarStar(seed: 0)
        for _ in 0..<10_000 {
            let value = random.nextUnitInterval()
            #expect(value >= 0 && value < 1)
        }
    }

    @Test func drawsFollowTheSoftmax() {
        let logits: [Float] = [1, 0, 2, -1, 0.5]
        let expected = Sampler.softmax(logits)
        var sampler = Sampler(temperature: 1, seed: 2024)
        let total = 40_000
        var counts = [Int](repeating: 0, count: logits.count)
        for _ in 0..<total { counts[sampler.sample(logits)] += 1 }
        for (index, count) in counts.enumerated() {
            // Three standard deviations of a binomial frequency at n = 40,000 are below 0.008.
            #expect(abs(Double(count) / Double(total) - expected[index]) < 0.01, "token \(index)")
        }
    }

    @Test func temperatureSharpensTheDistribution() {
        let logits: [Float] = [1, 0]
        var sampler = Sampler(temperature: 0.25, seed: 9)
        let total = 20_000
        let firsts = (0..<total).filter { _ in sampler.sample(logits) == 0 }.count
        // softmax([4, 0]) gives the first token 0.982.
        #expect(abs(Double(firsts) / Double(total) - 1 / (1 + exp(-4))) < 0.01)
    }

    // MARK: - Stop strings

    @Test func matcherHoldsBackOnlyWhatCouldBecomeAStop() {
        var matcher = StopStringMatcher(["lo w", "zz"])
        #expect(matcher.push("Hel") == ("He", nil))
        #expect(matcher.push("l") == ("l", nil))
        #expect(matcher.push("o") == ("", nil))
        #expect(matcher.push(" wide") == ("", "lo w"))
        var open = StopStringMatcher(["END"])
        #expect(open.push("abcE") == ("abc", nil))
        #expect(open.push("N") == ("", nil))
        #expect(open.flush() == "EN")
    }

    @Test func matcherWorksOnBytesNotCharacters() {
        var matcher = StopStringMatcher(["\n"])
        // "\r\n" is one Character; the stop must still be found inside it.
        #expect(matcher.push("a\r\nb") == ("a\r", "\n"))
        var none = StopStringMatcher([])
        #expect(none.push("text") == ("text", nil))
    }

    static func generated(
        _ stopStrings: [String], count: Int = 10
    ) throws -> (result: GenerationResult, pieces: [String]) {
        let (generator, _) = try GeneratorTests.make()
        var pieces: [String] = []
        let result = try generator.generate(
            promptTokens: GeneratorTests.prompt,
            options: GenerationOptions(maxTokens: count, stopStrings: stopStrings, ignoresEndOfSequence: true)
        ) { pieces.append($0) }
        return (result, pieces)
    }

    @Test func stopStringAcrossTokensEndsGenerationWithoutEmittingIt() throws {
        let full = try Self.generated([]).result
        let scalars = Array(full.text.unicodeScalars)
        try #require(scalars.count >= 5, "the tiny model's text: \(full.text.debugDescription)")
        // With one token per byte, two scalars of text always come from at least two tokens.
        var stop = String.UnicodeScalarView()
        stop.append(contentsOf: scalars[2..<4])
        let stopText = String(stop)
        let (result, pieces) = try Self.generated([stopText])
        let expected = String(full.text[..<full.text.range(of: stopText)!.lowerBound])
        #expect(result.stopReason == .stopString(stopText))
        #expect(result.text == expected)
        #expect(pieces.joined() == expected)
        #expect(result.tokens.count < full.tokens.count)
        #expect(Array(full.tokens.prefix(result.tokens.count)) == result.tokens)
    }

    @Test func unmatchedStopStringsChangeNothing() throws {
        let full = try Self.generated([]).result
        let (result, pieces) = try Self.generated(["\u{1}never\u{2}", String(full.text.unicodeScalars.last!) + "\u{7}"])
        #expect(result.text == full.text)
        #expect(pieces.joined() == full.text)
        #expect(result.stopReason == .maxTokens)
    }

    @Test func seededSamplingInTheGeneratorIsReproducible() throws {
        let (generator, _) = try GeneratorTests.make()
        func run(_ seed: UInt64) throws -> [Int] {
            let options = GenerationOptions(
                maxTokens: 12, ignoresEndOfSequence: true, temperature: 1.5, topK: 20, topP: 0.95, minP: 0.01,
                repeatPenalty: 1.1, seed: seed)
            return try generator.generate(promptTokens: GeneratorTests.prompt, options: options).tokens
        }
        #expect(try run(7) == run(7))
        let greedy = try generator.generate(
            promptTokens: GeneratorTests.prompt, options: GenerationOptions(maxTokens: 12, ignoresEndOfSequence: true)
        ).tokens
        let sampled = try (1...5).map { try run($0) }
        #expect(sampled.contains { $0 != greedy })
    }
}
