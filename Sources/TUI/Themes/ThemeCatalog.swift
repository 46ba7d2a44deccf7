import Foundation

/// The themes the app can switch between: the shipped ones, then the user's own from
/// `$XDG_CONFIG_HOME/sotto/themes/*.toml` (a user theme with a shipped name replaces it).
public struct ThemeCatalog: Sendable {
    public static let defaultThemeName = "dark"

    public private(set) var themes: [String: Theme]
    /// The user's theme files that could not be used; shown, never fatal.
    public private(set) var problems: [ThemeError]

    /// The themes in the order the switcher cycles through them: shipped first, then the user's.
    public var names: [String] {
        let shipped = ShippedThemes.names.filter { themes[$0] != nil }
        return shipped + themes.keys.filter { !shipped.contains($0) }.sorted()
    }

    /// The shipped themes only.
    public static func shipped() -> ThemeCatalog {
        var themes: [String: Theme] = [:]
        for name in ShippedThemes.names {
            // Checked by the tests; a broken shipped theme is a build defect.
            themes[name] = try! ThemeLoader.parse(
                ShippedThemes.source[name]!, source: name + ".toml", fallbackName: name)
        }
        return ThemeCatalog(themes: themes, problems: [])
    }

    /// The shipped themes plus those in `directory` (a missing folder is no error).
    public static func load(userDirectory directory: String?) -> ThemeCatalog {
        var catalog = shipped()
        guard let directory,
            let files = try? FileManager.default.contentsOfDirectory(atPath: directory)
        else { return catalog }
        for file in files.sorted() where file.hasSuffix(".toml") {
            let path = directory + "/" + file
            guard let data = FileManager.default.contents(atPath: path) else {
                catalog.problems.append(ThemeError(code: .unreadable, source: path, problem: "cannot be read"))
                continue
            }
            do {
                let theme = try ThemeLoader.parse(
                    String(decoding: data, as: UTF8.self), source: path, fallbackName: String(file.dropLast(5)))
                catalog.themes[theme.name] = theme
            } catch let error as ThemeError {
                catalog.problems.append(error)
            } catch {
                catalog.problems.append(ThemeError(code: .unreadable, source: path, problem: "cannot be read"))
            }
        }
        return catalog
    }

    /// The theme called `name`, else the default.
    public func theme(named name: String) -> Theme {
        themes[name] ?? themes[Self.defaultThemeName] ?? Theme(name: "plain", styles: [.text: Style()])
    }
}
