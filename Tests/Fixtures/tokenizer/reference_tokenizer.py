# Reference tokenizer used to produce the expected token ids in
# Tests/InferenceTests/RealModelTokenizerTests.swift and the expected splits in
# Tests/InferenceTests/PreTokenizerTests.swift. Independent of the Swift code: the `gguf`
# package reads the vocabulary and merges from the model file, the `regex` module applies the
# pre-tokenizer expressions, and a plain rank-ordered BPE merges.
#
#   python3 -m pip install gguf regex
#   python3 reference_tokenizer.py split-smollm corpus.json       # pre-tokenizer splits
#   python3 reference_tokenizer.py split-llama3 corpus.json
#   python3 reference_tokenizer.py encode corpus.json .cache/models/SmolLM2-135M-Instruct-Q4_1.gguf
#
# corpus.json is a JSON array of strings; output is one JSON line per string.
import json, sys, regex
from gguf import GGUFReader

WS = r"\p{White_Space}"; NWS = r"\P{White_Space}"
GPT2 = r"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^WS\p{L}\p{N}]+|WS+(?!NWS)|WS+"
GPT2 = GPT2.replace("[^WS", r"[^\p{White_Space}").replace("NWS", NWS).replace("WS", WS)
LLAMA3 = (r"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*"
          r"|\s*[\r\n]+|\s+(?!\S)|\s+").replace(r"\s", WS).replace(r"\S", NWS).replace(r"[^" + WS, r"[^\p{White_Space}")

def bytes_to_unicode():
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b); cs.append(256 + n); n += 1
    return dict(zip(bs, map(chr, cs)))

def split_smollm(text):
    pieces, out = regex.split(r"(\p{N})", text), []
    for piece in pieces:
        if piece == "": continue
        words = regex.findall(GPT2, piece)
        assert "".join(words) == piece
        out += words
    return out

def split_llama3(text):
    words = regex.findall(LLAMA3, text)
    assert "".join(words) == text
    return words

def bpe(symbols, ranks):
    word = list(symbols)
    while len(word) > 1:
        pairs = [(ranks.get((word[i], word[i + 1]), 1 << 60), i) for i in range(len(word) - 1)]
        best = min(pairs)
        if best[0] == 1 << 60: break
        a, b = word[best[1]], word[best[1] + 1]
        merged, i = [], 0
        while i < len(word):
            if i < len(word) - 1 and word[i] == a and word[i + 1] == b:
                merged.append(a + b); i += 2
            else:
                merged.append(word[i]); i += 1
        word = merged
    return word

def main():
    mode = sys.argv[1]
    corpus = json.load(open(sys.argv[2]))
    if mode == "split-llama3":
        for text in corpus: print(json.dumps(split_llama3(text), ensure_ascii=False))
        return
    if mode == "split-smollm":
        for text in corpus: print(json.dumps(split_smollm(text), ensure_ascii=False))
        return
    reader = GGUFReader(sys.argv[3])
    f = reader.fields
    tokens = [bytes(f["tokenizer.ggml.tokens"].parts[i]).decode() for i in f["tokenizer.ggml.tokens"].data]
    merges = [bytes(f["tokenizer.ggml.merges"].parts[i]).decode() for i in f["tokenizer.ggml.merges"].data]
    ranks = {tuple(m.split(" ")): r for r, m in enumerate(merges)}
    ids = {t: i for i, t in enumerate(tokens)}
    b2u = bytes_to_unicode()
    for text in corpus:
        out = []
        for word in split_smollm(text):
            mapped = "".join(b2u[b] for b in word.encode("utf-8"))
            out += [ids[s] for s in bpe(mapped, ranks)]
        print(json.dumps(out))

main()
