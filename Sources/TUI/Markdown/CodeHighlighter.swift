/// Simple syntax colours for code blocks: keywords, strings and comments. Deliberately a
/// lexer of a few rules, not a grammar: it only has to make code easier to scan.
enum CodeHighlighter {
    static let keywords: Set<String> = [
        "func", "let", "var", "if", "else", "for", "while", "return", "struct", "class", "enum", "import",
        "switch", "case", "default", "break", "continue", "in", "guard", "throw", "throws", "try", "async",
        "await", "public", "private", "static", "protocol", "extension", "def", "fn", "pub", "impl", "use",
        "mod", "match", "const", "function", "new", "package", "type", "interface", "from", "as", "with",
        "true", "false", "nil", "null", "None", "True", "False", "self", "Self", "int", "void", "elif",
        "lambda", "yield", "do", "then", "fi", "done", "echo", "export", "local", "go", "defer", "mut",
    ]
    static let hashCommentLanguages: Set<String> = [
        "python", "py", "sh", "bash", "shell", "zsh", "ruby", "rb", "toml", "yaml", "yml", "perl", "r",
    ]

    static func spans(_ line: String, language: String) -> [Span] {
        let hashComments = hashCommentLanguages.contains(language.lowercased())
        let characters = Array(line)
        var spans: [Span] = []
        var word = ""
        var index = 0

        func flushWord() {
            guard !word.isEmpty else { return }
            append(word, keywords.contains(word) ? .codeKeyword : .codeBlock)
            word = ""
        }
        func append(_ text: String, _ role: Role) {
            if let last = spans.last, last.role == role {
                spans[spans.count - 1].text += text
            } else {
                spans.append(Span(text, role: role))
            }
        }

        while index < characters.count {
            let c = characters[index]
            let startsComment =
                (c == "/" && index + 1 < characters.count && characters[index + 1] == "/")
                || (c == "#" && hashComments)
                || (c == "-" && index + 1 < characters.count
                    && characters[index + 1] == "-" && language.lowercased() == "sql")
            if startsComment {
                flushWord()
                append(String(characters[index...]), .codeComment)
                return spans
            }
            if c == "\"" || c == "'" {
                flushWord()
                var end = index + 1
                while end < characters.count && characters[end] != c {
                    end += characters[end] == "\\" ? 2 : 1
                }
                end = min(end + 1, characters.count)
                append(String(characters[index..<end]), .codeString)
                index = end
                continue
            }
            if c.isLetter || c.isNumber || c == "_" {
                word.append(c)
            } else {
                flushWord()
                append(String(c), .codeBlock)
            }
            index += 1
        }
        flushWord()
        return spans
    }
}
