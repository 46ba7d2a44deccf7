import ArgumentParser
import Foundation
import TUI

/// `sotto dev bench tui`: what one keystroke costs in a 10,000-message conversation —
/// update, render into the screen buffer, and the diff a backend presents.
struct TUIBenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tui",
        abstract: "Per-keystroke update, render and diff time in a 10,000-message conversation.",
        discussion: "Build in release mode for meaningful figures: swift build -c release."
    )

    @Option(help: "Keystrokes to time.")
    var keystrokes = 2000

    @Option(help: "Terminal size, COLUMNSxROWS.")
    var size = "120x40"

    func run() throws {
        #if DEBUG
            print("warning: debug build; figures are meaningless. Use: swift build -c release")
        #endif
        _ = setlocale(LC_CTYPE, "C.UTF-8")
        let parts = size.split(separator: "x").compactMap { Int($0) }
        guard parts.count == 2 else { throw ValidationError("--size must look like 120x40") }
        let backend = InMemoryBackend(size: Size(columns: parts[0], rows: parts[1]))
        let runtime = Runtime(
            backend: backend, service: InMemoryChatService(), themes: .shipped())
        let id = DemoContent.longID
        let messages = DemoContent.longConversation(count: 10_000)
        runtime.send(
            .service(.conversationsLoaded([ConversationSummary(id: id, title: "Long")], folders: [])))
        runtime.send(.service(.conversationLoaded(id, messages)))
        runtime.render()

        let clock = ContinuousClock()
        var samples: [Double] = []
        samples.reserveCapacity(keystrokes)
        let keys: [Key] = [.character("a"), .character("你"), .backspace, .backspace, .pageUp, .pageDown]
        for i in 0..<keystrokes {
            let elapsed = clock.measure {
                runtime.send(.key(keys[i % keys.count]))
                runtime.render()
            }
            samples.append(elapsed.nanoseconds / 1e6)
        }
        samples.sort()
        func percentile(_ p: Double) -> Double { samples[min(samples.count - 1, Int(Double(samples.count) * p))] }
        print("keystroke → update + render + diff, 10,000 messages, \(size), \(keystrokes) keystrokes")
        print(
            String(
                format: "  median %.3f ms   p99 %.3f ms   max %.3f ms", percentile(0.5), percentile(0.99),
                samples.last ?? 0))
    }
}
