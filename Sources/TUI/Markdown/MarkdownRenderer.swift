/// Renders the Markdown a model writes into styled, wrapped lines: headings, bold, italic,
/// inline code, fenced code blocks (with a background and simple keyword colours), lists,
/// quotes and rules. Not CommonMark: the common subset, forgiving of half-written input,
/// since answers are rendered while they stream.
public enum MarkdownRenderer {
    /// The lines of `markdown` at `width` columns.
    public static func render(_ markdown: String, width: Int) -> [StyledLine] {
        var output: [StyledLine] = []
        var code: (language: String, lines: [String])?
        var previousBlank = false

        for raw in markdown.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = String(raw)
            let trimmed = line.drop(while: { $0 == " " })
            if trimmed.hasPrefix("```") {
                if let block = code {
                    output += codeBlock(block.lines, language: block.language, width: width)
                    code = nil
                } else {
                    code = (String(trimmed.dropFirst(3)).trimmingSpaces(), [])
                }
                previousBlank = false
                continue
            }
            if code != nil {
                code?.lines.append(line)
                continue
            }
            if trimmed.isEmpty {
                if !previousBlank && !output.isEmpty { output.append(StyledLine()) }
                previousBlank = true
                continue
            }
            previousBlank = false
            output += block(line, width: width)
        }
        // A fence still open (the answer is streaming): show what there is.
        if let block = code {
            output += codeBlock(block.lines, language: block.language, width: width)
        }
        while output.last?.spans.isEmpty == true && output.last?.fillRole == nil { output.removeLast() }
        return output
    }

    private static func block(_ line: String, width: Int) -> [StyledLine] {
        let indentCount = line.prefix(while: { $0 == " " }).count
        let body = String(line.dropFirst(indentCount))
        let indent = String(repeating: " ", count: min(indentCount, max(0, width / 2)))

        // Headings.
        let hashes = body.prefix(while: { $0 == "#" }).count
        if (1...6).contains(hashes), body.dropFirst(hashes).first == " " {
            let text = String(body.dropFirst(hashes + 1))
            let attributes: TextAttributes = hashes == 1 ? [.bold, .underline] : [.bold]
            return TextWrapper.wrap(inline(text, role: .heading, base: attributes), width: width)
        }
        // Rules.
        if body.count >= 3, Set(body).count == 1, let mark = body.first, "-*_".contains(mark) {
            return [StyledLine(String(repeating: "─", count: max(0, width)), role: .muted)]
        }
        // Quotes.
        if body.hasPrefix(">") {
            let text = String(body.dropFirst().drop(while: { $0 == " " }))
            let bar = [Span(indent + "│ ", role: .quote)]
            return TextWrapper.wrap(
                inline(text, role: .quote, base: [.italic]), width: width, firstPrefix: bar, continuationPrefix: bar)
        }
        // Bulleted lists.
        if body.count >= 2, "-*+".contains(body.first!), body.dropFirst().first == " " {
            let text = String(body.dropFirst(2))
            return TextWrapper.wrap(
                inline(text, role: .text), width: width, firstPrefix: [Span(indent + "• ", role: .listBullet)],
                continuationPrefix: [Span(indent + "  ")])
        }
        // Numbered lists.
        let digits = body.prefix(while: { $0.isASCII && $0.isNumber })
        if !digits.isEmpty, digits.count <= 9, body.dropFirst(digits.count).hasPrefix(". ") {
            let marker = String(digits) + ". "
            let text = String(body.dropFirst(marker.count))
            return TextWrapper.wrap(
                inline(text, role: .text), width: width, firstPrefix: [Span(indent + marker, role: .listBullet)],
                continuationPrefix: [Span(indent + String(repeating: " ", count: marker.count))])
        }
        return TextWrapper.wrap(
            inline(body, role: .text), width: width, firstPrefix: indent.isEmpty ? [] : [Span(indent)])
    }

    /// A fenced block: one blank-padded line per source line, hard-wrapped, with a
    /// background that runs to the pane's edge.
    private static func codeBlock(_ lines: [String], language: String, width: Int) -> [StyledLine] {
        var result: [StyledLine] = []
        if !language.isEmpty {
            // The label is cut to the width: a fence line can be any length.
            let label = " " + TextWrapper.truncate(language, width: width - 1)
            result.append(StyledLine([Span(label, role: .codeComment)], fillRole: .codeBlock))
        }
        for line in lines {
            let spans = [Span(" ", role: .codeBlock)] + CodeHighlighter.spans(line.replacingTabs(), language: language)
            result += TextWrapper.hardWrap(spans, width: width, fillRole: .codeBlock)
        }
        if lines.isEmpty { result.append(StyledLine([], fillRole: .codeBlock)) }
        return result
    }

    /// Inline markup: `**bold**`, `*italic*` / `_italic_`, `` `code` ``. A marker without
    /// its closing partner is shown as written.
    static func inline(_ text: String, role: Role, base: TextAttributes = []) -> [Span] {
        let characters = Array(text)
        var spans: [Span] = []
        var buffer = ""
        var attributes = base
        var index = 0

        func flush() {
            if !buffer.isEmpty { spans.append(Span(buffer, role: role, attributes: attributes)) }
            buffer = ""
        }
        func closes(_ marker: [Character], after start: Int) -> Bool {
            guard start < characters.count else { return false }
            var i = start
            while i + marker.count <= characters.count {
                if Array(characters[i..<(i + marker.count)]) == marker { return i > start }
                i += 1
            }
            return false
        }

        while index < characters.count {
            let c = characters[index]
            if c == "`" {
                if let end = characters[(index + 1)...].firstIndex(of: "`") {
                    flush()
                    spans.append(Span(String(characters[(index + 1)..<end]), role: .inlineCode, attributes: base))
                    index = end + 1
                    continue
                }
            } else if c == "*" && index + 1 < characters.count && characters[index + 1] == "*" {
                if attributes.contains(.bold) && !base.contains(.bold) {
                    flush()
                    attributes.remove(.bold)
                    index += 2
                    continue
                } else if !attributes.contains(.bold) && closes(["*", "*"], after: index + 2) {
                    flush()
                    attributes.insert(.bold)
                    index += 2
                    continue
                }
            } else if c == "*" || c == "_" {
                let before = index > 0 ? characters[index - 1] : " "
                let after = index + 1 < characters.count ? characters[index + 1] : " "
                if attributes.contains(.italic) && !base.contains(.italic) && before != " " {
                    flush()
                    attributes.remove(.italic)
                    index += 1
                    continue
                } else if !attributes.contains(.italic) && after != " " && !(before.isLetter || before.isNumber)
                    && closes([c], after: index + 1)
                {
                    flush()
                    attributes.insert(.italic)
                    index += 1
                    continue
                }
            }
            buffer.append(c)
            index += 1
        }
        flush()
        return spans
    }
}

extension String {
    func trimmingSpaces() -> String {
        String(drop(while: { $0 == " " }).reversed().drop(while: { $0 == " " }).reversed())
    }

    func replacingTabs() -> String {
        var result = ""
        for c in self { if c == "\t" { result += "    " } else { result.append(c) } }
        return result
    }
}
