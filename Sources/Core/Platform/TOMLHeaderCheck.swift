/// A check run before TOMLKit parses a file. Its parser (toml++) asserts, rather than reporting,
/// when a table header's `[` (or `[[`) is followed by anything but a key: `[` at the end of a
/// line aborts the process in a debug build and is undefined behaviour in a release build. The
/// fuzz targets for themes and the policy file found it; such a header is refused here with the
/// line, before the parser sees it. A line inside a multi-line string or array that starts with
/// a bare `[` is refused too (the files Sotto reads never need one).
package enum TOMLHeaderCheck {
    /// The 1-based line of the first table header without a key, or nil when every one has one.
    package static func lineOfHeaderWithoutKey(in text: String) -> Int? {
        // By scalar, not by Character: a combining mark after `[` joins it into one grapheme.
        let lines = text.unicodeScalars.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, line) in lines.enumerated() {
            var rest = line.drop(while: { $0 == " " || $0 == "\t" })
            guard rest.first == "[" else { continue }
            rest = rest.dropFirst()
            if rest.first == "[" { rest = rest.dropFirst() }
            rest = rest.drop(while: { $0 == " " || $0 == "\t" })
            guard let first = rest.first else { return index + 1 }
            let startsKey =
                first.isASCII
                && (first.properties.isAlphabetic || ("0"..."9").contains(first)
                    || "_-\"']".unicodeScalars.contains(first))
            if !startsKey { return index + 1 }
        }
        return nil
    }

    /// The problem to report for a header without a key on `line`.
    package static func problem(line: Int) -> String {
        "line \(line): a table header needs a name after `[`"
    }
}
