import Inference

/// GGUF header, metadata and tensor table: the parser validates every count, offset and size
/// against the file before use.
func fuzzGGUF(_ data: [UInt8]) {
    guard let file = try? GGUFFile(bytes: data) else { return }
    _ = try? file.architecture()
    for tensor in file.tensors {
        guard file.tensorIfPresent(named: tensor.name) != nil else { violated("a listed tensor is found by name") }
    }
    // A file without tensors may end before its (empty) aligned data section.
    guard file.tensors.isEmpty || file.dataOffset <= file.byteCount else {
        violated("the data section starts inside the file")
    }
}

/// Tokenizer metadata (vocabulary, merges, token kinds, special ids) from a GGUF file, then
/// encoding and decoding with whatever vocabulary it built.
func fuzzTokenizer(_ data: [UInt8]) {
    guard let file = try? GGUFFile(bytes: data), let tokenizer = try? Tokenizer(file: file) else { return }
    let tokens = tokenizer.encode("Hello, world! <|im_start|> 123 éü 日本", parseSpecial: true, addSpecial: true)
    _ = try? tokenizer.decodeText(tokens)
    _ = try? tokenizer.decode(tokens, includeSpecial: false)
    for id in [-1, 0, 1, Int.max] {
        _ = tokenizer.tokenText(id)
        _ = tokenizer.kind(of: id)
    }
}
