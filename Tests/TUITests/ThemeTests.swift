import Foundation
import TUI
import Testing

@Suite struct ThemeTests {
    static let themesFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("themes")

    @Test(arguments: ShippedThemeNames.all)
    func eachShippedThemeLoadsAndCoversEveryRole(name: String) throws {
        let text = try String(contentsOf: Self.themesFolder.appendingPathComponent(name + ".toml"), encoding: .utf8)
        let theme = try ThemeLoader.parse(text, source: name + ".toml")
        #expect(theme.name == name)
        #expect(theme.missingRoles.isEmpty)
        // The binary's embedded copy is the file.
        #expect(ThemeCatalog.shipped().themes[name] == theme, "run scripts/embed-themes.sh")
    }

    /// Each shipped theme on the main screen: the screen, then how each role on it is drawn at
    /// each colour depth (where each role goes is `main-80x24-roles`).
    @Test(arguments: ShippedThemeNames.all)
    func eachThemePaintsTheMainScreen(name: String) {
        var model = Fixtures.demoModel(size: Size(columns: 80, rows: 24))
        model.themeName = name
        let screen = AppView.render(model)
        let theme = ThemeCatalog.shipped().theme(named: name)
        #expect(theme.name == name)
        let text = """
            Theme “\(name)” on the main screen at 80x24. Where each role goes: main-80x24-roles.txt.
            Styles are foreground/background and attributes; “default” is the terminal's own colour.

            \(Snapshot.frame(screen))

            \(Snapshot.legend(screen, theme: theme))
            """
        Snapshot.assert(text, named: "theme-\(name)-80x24")
    }

    @Test func theCatalogListsShippedThemesFirst() {
        #expect(ThemeCatalog.shipped().names == ShippedThemeNames.all)
        #expect(ThemeCatalog.shipped().theme(named: "nope").name == "dark")
    }

    @Test func parsesColoursAndAttributes() throws {
        let theme = try ThemeLoader.parse(
            """
            name = "mine"
            [palette]
            accent = "#ff8000"
            [roles]
            text = { fg = "default", bg = 236 }
            heading = { fg = "accent", bold = true, underline = true }
            marker = { fg = "bright-blue", reverse = true }
            """, source: "mine.toml")
        #expect(theme.styles[.text] == Style(foreground: .terminalDefault, background: .indexed(236)))
        #expect(theme.styles[.heading] == Style(foreground: .rgb(255, 128, 0), attributes: [.bold, .underline]))
        #expect(theme.styles[.marker] == Style(foreground: .indexed(12), attributes: .reverse))
        // Left-out roles look like text.
        #expect(theme.style(for: .quote, depth: .ansi256) == theme.styles[.text])
    }

    @Test func malformedThemesSayWhatIsWrong() {
        func problem(_ text: String) -> String {
            do {
                _ = try ThemeLoader.parse(text, source: "bad.toml")
                return "no error"
            } catch {
                return "\(error)"
            }
        }
        #expect(problem("[roles\ntext = 1").hasPrefix("SOTTO-THEME-SYNTAX: theme bad.toml: line 1"))
        // Found by the theme fuzz target: a header without a name made TOMLKit's parser abort
        // the process; it is now a syntax error naming the line.
        #expect(
            problem("name = \"x\"\n[\nmuted = \"#6e7781\"")
                == "SOTTO-THEME-SYNTAX: theme bad.toml: line 2: a table header needs a name after `[`")
        #expect(problem("[[ #\n").contains("line 1: a table header needs a name"))
        #expect(problem("name = \"x\"").contains("a `[roles]` table is required"))
        #expect(problem("[roles]\ntext = {}\nhedaing = { bold = true }").contains("unknown role `hedaing`"))
        #expect(problem("[roles]\ntext = { fg = \"#12345\" }").contains("`roles.text.fg`: `#12345` is not a colour"))
        #expect(problem("[roles]\ntext = { fg = 300 }").contains("out of range"))
        #expect(problem("[roles]\ntext = { bold = \"yes\" }").contains("must be true or false"))
        #expect(problem("[roles]\ntext = { colour = \"red\" }").contains("unknown field"))
        #expect(problem("[roles]\nheading = { bold = true }").contains("`roles.text` is required"))
    }

    @Test func userThemesLoadAndBrokenOnesAreReported() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("sotto-themes-\(UUID())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        try "[roles]\ntext = { fg = \"red\" }".write(
            to: folder.appendingPathComponent("ruby.toml"), atomically: true, encoding: .utf8)
        try "[roles\n".write(to: folder.appendingPathComponent("broken.toml"), atomically: true, encoding: .utf8)
        let catalog = ThemeCatalog.load(userDirectory: folder.path)
        #expect(catalog.names == ShippedThemeNames.all + ["ruby"])
        #expect(catalog.problems.count == 1)
        #expect(catalog.problems.first?.code == .syntax)
        #expect(ThemeCatalog.load(userDirectory: folder.path + "/missing").problems.isEmpty)
    }

    @Test func coloursFallBackToWhatTheTerminalHas() {
        let orange = Color.rgb(255, 128, 0)
        #expect(orange.reduced(to: .truecolor) == orange)
        #expect(orange.reduced(to: .ansi256) == .indexed(208))
        #expect(Color.rgb(0x1a, 0x1a, 0x1a).reduced(to: .ansi256) == .indexed(234))
        #expect(orange.reduced(to: .ansi8) == .indexed(3))
        #expect(Color.indexed(12).reduced(to: .ansi8) == .indexed(4))
        #expect(Color.indexed(196).reduced(to: .ansi8) == .indexed(1))
        #expect(Color.terminalDefault.reduced(to: .ansi8) == .terminalDefault)
    }

    @Test(arguments: ShippedThemeNames.all)
    func everyRoleOfEveryThemeFitsEachDepth(name: String) {
        let theme = ThemeCatalog.shipped().theme(named: name)
        func fits(_ color: Color, _ depth: ColorDepth) -> Bool {
            switch (color, depth) {
            case (.terminalDefault, _): true
            case (_, .none): false
            case (.indexed(let i), .ansi8): i < 8
            case (.indexed, _): true
            case (.rgb, let depth): depth == .truecolor
            }
        }
        for depth in [ColorDepth.none, .ansi8, .ansi256, .truecolor] {
            for role in Role.allCases {
                let style = theme.style(for: role, depth: depth)
                #expect(fits(style.foreground, depth) && fits(style.background, depth), "\(role) at \(depth)")
            }
        }
        // Selection stays visible at 8 colours: its background differs from the list's.
        let list = theme.style(for: .sidebar, depth: .ansi8)
        let selected = theme.style(for: .sidebarSelected, depth: .ansi8)
        #expect(list.background != selected.background || selected.attributes.contains(.reverse))
    }

    @Test func depthFollowsTheTerminalAndNoColor() {
        #expect(ColorDepth.detect(terminalColors: 256, environment: [:]) == .ansi256)
        #expect(ColorDepth.detect(terminalColors: 8, environment: [:]) == .ansi8)
        #expect(ColorDepth.detect(terminalColors: 0x100_0000, environment: [:]) == .truecolor)
        #expect(ColorDepth.detect(terminalColors: 0, environment: [:]) == .none)
        #expect(ColorDepth.detect(terminalColors: 256, environment: ["NO_COLOR": "1"]) == .none)
        #expect(ColorDepth.detect(terminalColors: 256, environment: ["NO_COLOR": ""]) == .ansi256)
    }

    @Test func withoutColourMeaningRidesOnAttributes() {
        let theme = ThemeCatalog.shipped().theme(named: "dark")
        let selected = theme.style(for: .sidebarSelected, depth: .none)
        #expect(selected.foreground == .terminalDefault && selected.background == .terminalDefault)
        #expect(selected.attributes.contains(.reverse))
        #expect(theme.style(for: .statusWarning, depth: .none).attributes.contains(.bold))
        #expect(theme.style(for: .text, attributes: .italic, depth: .none).attributes == .italic)
        #expect(theme.style(for: .text, depth: .ansi8).background == .terminalDefault)
    }
}
