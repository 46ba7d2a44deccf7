import Foundation
import Glibc
import TUI
import Testing
import Wire

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

    /// The depths a theme is recorded at: what most terminals have, down to the basic eight.
    static let depths: [(name: String, depth: ColorDepth)] = [
        ("truecolor", .truecolor), ("256", .ansi256), ("8", .ansi8),
    ]

    /// How `theme` paints `buffer`: one row per role on screen (with the attributes a cell adds,
    /// such as Markdown's bold) and the style the backend draws it in at each depth, so a
    /// change to a theme file shows up as a changed row.
    static func legend(_ buffer: ScreenBuffer, theme: Theme) -> String {
        struct Use: Hashable { var role: Role, attributes: TextAttributes }
        let uses = Set(buffer.cells.filter { !$0.isContinuation }.map { Use(role: $0.role, attributes: $0.attributes) })
        func rank(_ use: Use) -> (Int, UInt8) { (Role.allCases.firstIndex(of: use.role)!, use.attributes.rawValue) }
        let sorted = uses.sorted { rank($0) < rank($1) }
        let header = ["role (letter)", "cell adds"] + depths.map(\.name)
        let rows = sorted.map { use in
            ["\(use.role.rawValue) (\(use.role.letter))", names(use.attributes)]
                + depths.map { describe(theme.style(for: use.role, attributes: use.attributes, depth: $0.depth)) }
        }
        let widths = header.indices.map { column in ([header] + rows).map { DisplayWidth.of($0[column]) }.max()! }
        return ([header] + rows).map { row in
            let padded = row.enumerated().map { column, text in
                text + String(repeating: " ", count: widths[column] - DisplayWidth.of(text))
            }
            return String(padded.joined(separator: "  ").reversed().drop { $0 == " " }.reversed())
        }.joined(separator: "\n")
    }

    /// "foreground/background attributes", e.g. `#ffffff/#364a82 bold`; `default` is the
    /// terminal's own colour.
    static func describe(_ style: Style) -> String {
        func color(_ color: Color) -> String {
            switch color {
            case .terminalDefault: "default"
            case .indexed(let index): "\(index)"
            case .rgb(let r, let g, let b):
                "#" + [r, g, b].map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
            }
        }
        let attributes = names(style.attributes)
        return color(style.foreground) + "/" + color(style.background) + (attributes.isEmpty ? "" : " " + attributes)
    }

    static func names(_ attributes: TextAttributes) -> String {
        let all: [(TextAttributes, String)] = [
            (.bold, "bold"), (.italic, "italic"), (.underline, "underline"), (.reverse, "reverse"), (.dim, "dim"),
        ]
        return all.filter { attributes.contains($0.0) }.map(\.1).joined(separator: "+")
    }
}

/// Builders for models in known states.
enum Fixtures {
    /// The demo conversations at `size`, with "Welcome to Sotto" open.
    static func demoModel(
        size: Size, open: RecordID = DemoContent.welcomeID, messages: [RecordID: [ChatMessage]]? = nil
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

/// Drives the access screens' runtime on the in-memory terminal.
enum AccessDriving {
    /// Steps `runtime` until `condition` holds or about ten seconds pass.
    static func run(_ runtime: AccessRuntime, until condition: (AccessRuntime) -> Bool) async throws -> Bool {
        for _ in 0..<2000 {
            runtime.step()
            if condition(runtime) { return true }
            try await Task.sleep(for: .milliseconds(5))
        }
        return false
    }

    /// The screen shows `text`.
    static func showing(_ text: String) -> (AccessRuntime) -> Bool {
        { ($0.backend as! InMemoryBackend).screen.text.contains(text) }
    }
}

extension RecordID {
    /// A fixed id a test names its records by.
    static func test(_ number: Int) -> RecordID { DemoContent.id(0xEE, number) }
}
