import Foundation
import Glibc
import TUI
import Testing

/// Shared set-up for the TUI tests.
enum TestEnvironment {
    /// wcwidth answers -1 for anything non-ASCII in the C locale; the app sets the user's
    /// (UTF-8) locale before curses starts, the tests a fixed one, once per process.
    static let localeReady: Bool = {
        setlocale(LC_CTYPE, "C.UTF-8") != nil
    }()

    static func prepare() {
        _ = localeReady
    }
}

/// Text snapshots in the argument-parser style: `Snapshots/<name>.txt` next to this file;
/// `RECORD_SNAPSHOTS=1 swift test` rewrites them. A missing snapshot is recorded and the
/// test fails, so a new one is always looked at once.
enum Snapshot {
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
        "Snapshots")

    static func assert(_ text: String, named name: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let url = directory.appendingPathComponent(name + ".txt")
        let actual = text.hasSuffix("\n") ? text : text + "\n"
        let record = ProcessInfo.processInfo.environment["RECORD_SNAPSHOTS"] == "1"
        if record || !FileManager.default.fileExists(atPath: url.path) {
            try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            try? actual.write(to: url, atomically: true, encoding: .utf8)
            if !record {
                Issue.record(
                    "recorded a new snapshot \(name).txt; check it and run again", sourceLocation: sourceLocation)
            }
            return
        }
        let expected = (try? String(contentsOf: url, encoding: .utf8)) ?? ""
        #expect(
            actual == expected, "screen differs from Snapshots/\(name).txt (RECORD_SNAPSHOTS=1 re-records)",
            sourceLocation: sourceLocation)
        if actual != expected {
            print("--- actual \(name) ---\n" + actual)
        }
    }

    /// A buffer as the snapshot shows it: text with a frame so trailing spaces and the
    /// edges are visible.
    static func frame(_ buffer: ScreenBuffer) -> String {
        let border = "+" + String(repeating: "-", count: buffer.size.columns) + "+"
        return ([border] + buffer.lines.map { "|" + $0 + "|" } + [border]).joined(separator: "\n")
    }
}

/// Builders for models in known states.
enum Fixtures {
    /// The demo conversations at `size`, with "Welcome to Sotto" open.
    static func demoModel(
        size: Size, open: ConversationID = ConversationID("welcome"), messages: [ConversationID: [ChatMessage]]? = nil
    ) -> AppModel {
        TestEnvironment.prepare()
        var model = AppModel(size: size, themeNames: ShippedThemeNames.all)
        let transcripts = messages ?? DemoContent.messages()
        _ = Update.update(&model, .service(.status(DemoContent.status)))
        _ = Update.update(
            &model, .service(.conversationsLoaded(DemoContent.conversations, folders: DemoContent.folders)))
        _ = Update.update(&model, .service(.conversationLoaded(open, transcripts[open] ?? [])))
        if model.current != open {
            model.current = open
        }
        return model
    }

    /// Applies key notation to `model` through `update`, collecting the effects.
    @discardableResult
    static func type(_ notation: String, into model: inout AppModel) -> [Effect] {
        KeyNotation.parse(notation).flatMap { Update.update(&model, $0) }
    }
}

enum ShippedThemeNames {
    static let all = ["dark", "light", "solarized-dark", "high-contrast"]
}

extension ScreenBuffer {
    /// Every row's display width equals the screen's: nothing spills or goes missing.
    func rowsFit() -> Bool {
        lines.allSatisfy { DisplayWidth.of($0) == size.columns }
    }
}
