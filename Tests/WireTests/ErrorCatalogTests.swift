import Foundation
import Testing

/// docs/ERRORS.md lists every error code the sources declare, and nothing else; and a code
/// appears in the sources only as the raw value of an enum case (the one place it is spelled),
/// never as a string literal in a message or a comparison.
@Suite struct ErrorCatalogTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// Each Swift source line that holds a code literal, outside comments.
    static func sourceLines() throws -> [(file: String, line: String)] {
        let sources = root.appendingPathComponent("Sources")
        let files = FileManager.default.enumerator(atPath: sources.path)?.allObjects as? [String] ?? []
        var found: [(String, String)] = []
        for file in files where file.hasSuffix(".swift") {
            let text = try String(contentsOf: sources.appendingPathComponent(file), encoding: .utf8)
            for line in text.split(separator: "\n", omittingEmptySubsequences: false)
            where !line.trimmingCharacters(in: .whitespaces).hasPrefix("//") && line.contains("\"SOTTO-") {
                found.append((file, String(line)))
            }
        }
        return found
    }

    /// The codes the sources declare; a prefix (`SOTTO-HTTP-`) as the catalogue shows it.
    static func sourceCodes() throws -> Set<String> {
        Set(
            try sourceLines().flatMap { _, line in
                // A code literal: `"SOTTO-…"` (a trailing hyphen makes it a prefix).
                line.matches(of: /"(SOTTO-[A-Z0-9-]+)"/).map { match in
                    let code = String(match.1)
                    return code.hasSuffix("-") ? code + "<status>" : code
                }
            })
    }

    /// The codes of the catalogue's tables.
    static func catalogueCodes() throws -> Set<String> {
        let text = try String(contentsOf: root.appendingPathComponent("docs/ERRORS.md"), encoding: .utf8)
        return Set(text.matches(of: /(?m)^\| `(SOTTO-[^`]+)` \|/).map { String($0.1) })
    }

    @Test func everyCodeInTheSourcesIsInTheCatalogue() throws {
        let sources = try Self.sourceCodes()
        #expect(sources.count > 300, "the scan found \(sources.count) codes; is the source tree where it was?")
        let missing = sources.subtracting(try Self.catalogueCodes())
        #expect(missing.isEmpty, "add to docs/ERRORS.md: \(missing.sorted())")
    }

    @Test func theCatalogueListsNoCodeThatNoLongerExists() throws {
        let stale = try Self.catalogueCodes().subtracting(try Self.sourceCodes())
        #expect(stale.isEmpty, "remove from docs/ERRORS.md: \(stale.sorted())")
    }

    /// Codes are spelled once, as `case name = "SOTTO-…"`; only the client's codes for a
    /// refusal that named none (`UnexplainedRefusal`) are constants of their own.
    @Test func aCodeIsSpelledOnlyAsAnEnumCase() throws {
        let declaration = /^\s*case [a-zA-Z_][a-zA-Z0-9_]* = "SOTTO-[A-Z0-9-]+"\s*$/
        let bare = try Self.sourceLines().filter { file, line in
            line.wholeMatch(of: declaration) == nil && !line.contains("public static let code = \"SOTTO-HTTP\"")
                && !line.contains("public static let prefix = \"SOTTO-HTTP-\"")
        }
        #expect(
            bare.isEmpty,
            "codes as bare literals: \(bare.map { "\($0.file): \($0.line.trimmingCharacters(in: .whitespaces))" })")
    }
}
