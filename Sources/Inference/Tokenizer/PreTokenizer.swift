/// The rule that cuts text into words before BPE, one per `tokenizer.ggml.pre` value llama.cpp knows.
///
/// The rules are the regular expressions of the models' `tokenizer.json`, as llama.cpp applies them. They are
/// written here as hand scanners over Unicode scalars rather than `Regex`, which is far slower on this hot path;
/// each scanner reproduces what the expression matches, including its lookahead.
public enum PreTokenizer: String, Sendable, CaseIterable {
    /// SmolLM: every digit alone, then the GPT-2 expression
    /// `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`.
    case smollm
    /// Llama 3: `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|`
    /// `\s*[\r\n]+|\s+(?!\S)|\s+`.
    case llamaBPE = "llama-bpe"

    /// The words of `text`, in order; joined, they give `text` back.
    public func split(_ text: String) -> [String] {
        let scalars = Array(text.unicodeScalars)
        return split(scalars).map { range in
            var view = String.UnicodeScalarView()
            view.append(contentsOf: scalars[range])
            return String(view)
        }
    }

    /// The ranges of the words of `scalars`, in order and covering all of it.
    func split(_ scalars: [Unicode.Scalar]) -> [Range<Int>] {
        let classes = scalars.map(ScalarClass.init)
        var words: [Range<Int>] = []
        switch self {
        case .smollm:
            // llama.cpp runs `\p{N}` first, keeping the text between digits, then GPT-2 within each piece.
            var start = 0
            for index in scalars.indices where classes[index] == .number {
                if start < index { Self.splitGPT2(scalars, classes, start..<index, into: &words) }
                words.append(index..<index + 1)
                start = index + 1
            }
            if start < scalars.count { Self.splitGPT2(scalars, classes, start..<scalars.count, into: &words) }
        case .llamaBPE:
            Self.splitLlama3(scalars, classes, 0..<scalars.count, into: &words)
        }
        return words
    }

    /// The length of a contraction (`'s`, `'t`, `'re`, `'ve`, `'m`, `'ll`, `'d`) at `position`, or 0.
    private static func contractionLength(
        _ scalars: [Unicode.Scalar], at position: Int, end: Int, ignoringCase: Bool
    ) -> Int {
        guard scalars[position] == "'", position + 1 < end else { return 0 }
        func letter(_ index: Int) -> Unicode.Scalar {
            let scalar = scalars[index]
            // Only ASCII letters are in the alternatives, so ASCII folding is the whole of `(?i:)` here.
            if ignoringCase, ("A"..."Z").contains(scalar) { return Unicode.Scalar(scalar.value + 32)! }
            return scalar
        }
        switch letter(position + 1) {
        case "s", "t", "m", "d": return 2
        default: break
        }
        guard position + 2 < end else { return 0 }
        switch (letter(position + 1), letter(position + 2)) {
        case ("r", "e"), ("v", "e"), ("l", "l"): return 3
        default: return 0
        }
    }

    /// GPT-2's expression over `range`; scalars past its end count as absent, as for a separate string.
    private static func splitGPT2(
        _ scalars: [Unicode.Scalar], _ classes: [ScalarClass], _ range: Range<Int>, into words: inout [Range<Int>]
    ) {
        let end = range.upperBound
        func cls(_ index: Int) -> ScalarClass? { index < end ? classes[index] : nil }
        var position = range.lowerBound
        while position < end {
            let start = position
            let contraction = contractionLength(scalars, at: position, end: end, ignoringCase: false)
            if contraction > 0 {
                position += contraction
                words.append(start..<position)
                continue
            }
            // ` ?X+` for letters, numbers, and everything else but whitespace.
            let leadingSpace = scalars[position] == " " && cls(position + 1) != nil && cls(position + 1) != .space
            let body = leadingSpace ? position + 1 : position
            if let kind = cls(body), kind != .space {
                position = body
                while cls(position) == kind { position += 1 }
                words.append(start..<position)
                continue
            }
            var run = 0
            while cls(position + run) == .space { run += 1 }
            // `\s+(?!\S)` leaves the last space to the word that follows; `\s+` takes a final run whole.
            position += (run > 1 && position + run < end) ? run - 1 : run
            words.append(start..<position)
        }
    }

    /// Llama 3's expression over `range`.
    private static func splitLlama3(
        _ scalars: [Unicode.Scalar], _ classes: [ScalarClass], _ range: Range<Int>, into words: inout [Range<Int>]
    ) {
        let end = range.upperBound
        func cls(_ index: Int) -> ScalarClass? { index < end ? classes[index] : nil }
        func isLineBreak(_ index: Int) -> Bool { index < end && (scalars[index] == "\r" || scalars[index] == "\n") }
        var position = range.lowerBound
        while position < end {
            let start = position
            let contraction = contractionLength(scalars, at: position, end: end, ignoringCase: true)
            if contraction > 0 {
                position += contraction
                words.append(start..<position)
                continue
            }
            let kind = classes[position]
            // `[^\r\n\p{L}\p{N}]?\p{L}+`
            if !isLineBreak(position), kind != .number, kind == .letter || cls(position + 1) == .letter {
                position += 1
                while cls(position) == .letter { position += 1 }
                words.append(start..<position)
                continue
            }
            // `\p{N}{1,3}`: a long number becomes groups of three from the left.
            if kind == .number {
                let runStart = position
                while cls(position) == .number, position - runStart < 3 { position += 1 }
                words.append(start..<position)
                continue
            }
            // ` ?[^\s\p{L}\p{N}]+[\r\n]*`
            let body = scalars[position] == " " ? position + 1 : position
            if cls(body) == .other {
                position = body
                while cls(position) == .other { position += 1 }
                while isLineBreak(position) { position += 1 }
                words.append(start..<position)
                continue
            }
            var run = 0
            var afterLastLineBreak = 0
            while cls(position + run) == .space {
                if isLineBreak(position + run) { afterLastLineBreak = position + run + 1 }
                run += 1
            }
            if afterLastLineBreak > 0 {
                // `\s*[\r\n]+`: spaces up to and including the last line break of the run.
                position = afterLastLineBreak
            } else {
                // `\s+(?!\S)`, then `\s+`.
                position += (run > 1 && position + run < end) ? run - 1 : run
            }
            words.append(start..<position)
        }
    }
}

/// The classes the pre-tokenizer expressions distinguish: `\p{L}`, `\p{N}`, `\s` (White_Space) and the rest.
enum ScalarClass: Equatable {
    case letter
    case number
    case space
    case other

    init(_ scalar: Unicode.Scalar) {
        switch scalar.value {
        case 0x41...0x5A, 0x61...0x7A: self = .letter
        case 0x30...0x39: self = .number
        case 0x09...0x0D, 0x20: self = .space
        case 0..<0x80: self = .other
        default:
            let properties = scalar.properties
            if properties.isWhitespace {
                self = .space
                return
            }
            switch properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter:
                self = .letter
            case .decimalNumber, .letterNumber, .otherNumber:
                self = .number
            default:
                self = .other
            }
        }
    }
}
