#!/usr/bin/env python3
"""Writes the fuzz targets' seed corpora (Fuzz/corpus/TARGET/) from the test fixtures and small
hand-made inputs. Run from the repository root; the output is committed, so this runs only when
the fixtures or the formats change."""
import base64, hashlib, json, os, struct

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIX = os.path.join(ROOT, "Tests", "Fixtures", "vectors")
OUT = os.path.join(ROOT, "Fuzz", "corpus")


def seed(target, data):
    if isinstance(data, str):
        data = data.encode()
    folder = os.path.join(OUT, target)
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(folder, hashlib.sha1(data).hexdigest()[:16]), "wb") as f:
        f.write(data)


def fixture(*parts):
    with open(os.path.join(FIX, *parts), "rb") as f:
        return f.read()


def b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# GGUF (version 3): a header, typed metadata and a tensor table with aligned data.
def gguf_string(s):
    b = s.encode()
    return struct.pack("<Q", len(b)) + b


def gguf_value(kind, value):
    scalar = {0: "<B", 1: "<b", 2: "<H", 3: "<h", 4: "<I", 5: "<i", 6: "<f", 7: "<?", 10: "<Q", 11: "<q", 12: "<d"}
    if kind == 8:
        return gguf_string(value)
    if kind == 9:
        inner, items = value
        return struct.pack("<IQ", inner, len(items)) + b"".join(gguf_value(inner, v) for v in items)
    return struct.pack(scalar[kind], value)


def gguf(kvs, tensors):
    out = b"GGUF" + struct.pack("<IQQ", 3, len(tensors), len(kvs))
    for key, kind, value in kvs:
        out += gguf_string(key) + struct.pack("<I", kind) + gguf_value(kind, value)
    offset = 0
    for name, dims, ggml_type, size in tensors:
        out += gguf_string(name) + struct.pack("<I", len(dims)) + b"".join(struct.pack("<Q", d) for d in dims)
        out += struct.pack("<IQ", ggml_type, offset)
        offset += (size + 31) // 32 * 32
    out += b"\0" * (-len(out) % 32)
    return out + b"\1" * offset


general = [("general.architecture", 8, "llama"), ("general.alignment", 4, 32), ("llama.block_count", 4, 1),
           ("llama.rope.freq_base", 6, 10000.0), ("general.flag", 7, True), ("general.tags", 9, (8, ["a", "b"]))]
seed("gguf", gguf(general, [("token_embd.weight", [4, 2], 0, 32), ("output_norm.weight", [4], 0, 16)]))
seed("gguf", gguf(general, [("blk.0.attn_q.weight", [32, 1], 2, 18), ("f16", [8], 1, 16)]))
seed("gguf", gguf([], []))
tokens = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"] + [chr(c) for c in range(33, 127)] + ["Ġ", "He", "ll", "Hell", "Hello", "Ġw", "or", "ld"]
tokenizer = [
    ("tokenizer.ggml.model", 8, "gpt2"), ("tokenizer.ggml.tokens", 9, (8, tokens)),
    ("tokenizer.ggml.token_type", 9, (5, [3, 3, 3] + [1] * (len(tokens) - 3))),
    ("tokenizer.ggml.merges", 9, (8, ["H e", "l l", "He ll", "Hell o", "Ġ w", "o r", "l d"])),
    ("tokenizer.ggml.bos_token_id", 4, 1), ("tokenizer.ggml.eos_token_id", 4, 2), ("tokenizer.ggml.add_bos_token", 7, False),
]
for pre in ["smollm", "llama-bpe"]:
    seed("tokenizer", gguf([("general.architecture", 8, "llama"), ("tokenizer.ggml.pre", 8, pre)] + tokenizer, []))

# Attestation: SEV-SNP reports, AMD certificates and CRL-shaped DER, TDX quotes and collateral.
seed("sev-snp-report", fixture("sev-snp", "virtee", "report_milan.hex"))
seed("sev-snp-report", fixture("sev-snp", "go-sev-guest", "attestation.bin")[:0x4A0])
for name in ["vcek_milan.der", "vcek_turin.der", "cert_chain_milan"]:
    seed("amd-certificate", fixture("sev-snp", "virtee", name))
seed("amd-certificate", fixture("sev-snp", "go-sev-guest", "vcek.testcer"))
seed("amd-certificate", fixture("sev-snp", "amd-ca", "ask_ark_genoa.pem"))
# No CRL fixture is committed: the corpus starts from certificates (the same DER shapes).
seed("amd-crl", fixture("sev-snp", "virtee", "vcek_milan.der"))
seed("amd-crl", b"-----BEGIN X509 CRL-----\nMAA=\n-----END X509 CRL-----\n")
seed("tdx-quote", fixture("tdx", "dcap-qvl", "tdx_quote"))
seed("tdx-collateral", fixture("tdx", "dcap-qvl", "tdx_quote_collateral.json"))

# WebAuthn: attestation objects, client data, COSE keys and CBOR from real registrations.
samples = json.loads(fixture("webauthn", "rp-library-samples.json"))["samples"]
for sample in samples[:6]:
    text = json.dumps(sample)
    for key in ["attestationObject", "clientDataJSON"]:
        start = text.find('"%s": "' % key)
        if start < 0:
            continue
        value = text[start + len(key) + 5:text.index('"', start + len(key) + 5)]
        raw = b64url(value)
        if key == "clientDataJSON":
            seed("webauthn-client-data", raw)
        else:
            seed("webauthn-attestation-object", raw)
            seed("cbor", raw)
    for ceremony in ["registration", "authentication"]:
        for key in ["options", "response"]:
            if (sample.get(ceremony) or {}).get(key):
                seed("webauthn-json", json.dumps(sample[ceremony][key]))
seed("cose-key", bytes.fromhex("a50102032620012158200000000000000000000000000000000000000000000000000000000000000001225820"
                               "0000000000000000000000000000000000000000000000000000000000000002"))
seed("cose-key", bytes.fromhex("a4010103272006215820" + "11" * 32))
seed("cose-key", bytes.fromhex("a401030339010020430100012143010001"))
seed("cbor", bytes.fromhex("a2616101616282f5f6"))
seed("cbor", bytes.fromhex("1bffffffffffffffff"))

# Noise: one byte picks protocol and role, then length-prefixed messages.
for pick in [0, 1, 0x81, 3, 0x84]:
    seed("noise-handshake", bytes([pick]) + struct.pack(">H", 48) + b"\x09" * 48 + struct.pack(">H", 64) + b"\x01" * 64)
seed("noise-handshake", b"Noise_XX_25519_ChaChaPoly_BLAKE2b")
seed("noise-transport", b"\0\0hello transport frame")
seed("noise-transport", b"\0\x09" + b"x" * 100)

# The chat channel: request plaintexts (ChatRequest JSON), a raw body head, event frames.
request = {"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hello"}],
           "max_tokens": 64, "sampling": {"temperature": 0.7, "top_k": 40, "seed": 1}}
seed("chat-request", b"\0\0\0" + json.dumps(request).encode())
seed("chat-request", b"\0\0\x11" + json.dumps({"messages": []}).encode())
seed("chat-request", b"STC1" + b"\0" * 16 + b"\1" * 1088 + b"\0\x30" + b"\2" * 48)
seed("chat-answer", b"\x02\x00\x05hello" + b"\0" * 56)
seed("chat-answer", b"\x04\x00\x09\x00\x00\x00\x00\x05\x00\x00\x00\x07" + b"\0" * 52)
seed("chat-answer", b"\x03\x00\x09SOTTO\x00bad" + b"\0" * 52)
seed("chat-answer", b"\0\0\x10Hello\0, \0world\0!")

# Sync pages and envelopes.
rid = "0123456789abcdef0123456789abcdef"
env = base64.b64encode(bytes([1]) + b"\x42" * 40 + b"\0" * 272).decode()
seed("sync-messages", json.dumps({"records": [{"id": rid, "kind": 2, "version": 3, "envelope": env, "sequence": 9}],
                                  "cursor": 9, "more": False}))
seed("sync-messages", json.dumps({"records": [{"id": rid, "kind": 1, "version": 1, "deletion": env}]}))
seed("sync-messages", json.dumps({"results": [{"id": rid, "status": "stored", "sequence": 4}],
                                  "usage": {"records": 1, "bytes": 300, "maximumRecords": 10, "maximumBytes": 1000}}))
seed("record-envelope", bytes([1]) + b"\x42" * 40 + b"\0" * 272)
seed("record-envelope", json.dumps({"title": "t", "clock": {"wall": 1, "counter": 0, "device": rid}}))
seed("record-envelope", json.dumps({"name": "Work", "customInstructions": "", "order": "a0",
                                    "clock": {"wall": 1, "counter": 0, "device": rid}}))

# Exports, themes, policies.
seed("history-export", json.dumps({"format": "sotto-export", "version": 1, "exportedAt": "2026-01-02T03:04:05Z",
                                   "folders": [{"id": rid, "name": "Work", "customInstructions": ""}],
                                   "conversations": [{"id": rid, "title": "Hi", "pinned": False, "archived": False,
                                                      "createdAt": "2026-01-02T03:04:05Z", "updatedAt": "2026-01-02T03:04:05Z",
                                                      "messages": [{"id": rid, "role": "user", "content": "Hello",
                                                                    "time": "2026-01-02T03:04:05Z"}]}]}))
for name in sorted(os.listdir(os.path.join(ROOT, "themes"))):
    with open(os.path.join(ROOT, "themes", name), "rb") as f:
        seed("theme-toml", f.read())
seed("policy-toml", 'allow_products = ["Genoa"]\nrequire_smt_off = true\nmax_manifest_age_days = 30\n'
                    "[minimum_tcb.genoa]\nmicrocode = 90\nsnp = 22\n")
seed("policy-toml", 'allow_products = ["Milan", "Turin"]\n[minimum_tcb.turin]\nfmc = 3\nbootloader = 4\n')

# Terminal input, Markdown and wrapping.
seed("input-decoder", b"hello\x1bx\x1b\xbd\xbepasted\r\ntext\xbf\xc0\x02\x80\x00\x03\x01e\x80\x00\x03\x01")
seed("input-decoder", b"\x80\x00\xd8\x00\x80\x11\x00\x00\xc0\x57\xbd")
markdown = ("# Title\n\nSome **bold** and *italic* and `code`.\n\n- one\n- two\n  1. nested\n\n> quote\n\n"
            "```swift\nlet x = \"s\" // c\n\tfunc f() {}\n```\n---\n日本語のテキスト 🧑‍💻 e\u0301\n")
for width in [0, 1, 12, 40, 80]:
    seed("markdown", bytes([width]) + markdown.encode())
seed("text-wrapper", bytes([20, 2, 2]) + "Hello wide 日本語 world, a veryveryverylongword\x01and code".encode())
seed("text-wrapper", bytes([3, 0, 1]) + "🧑‍💻🧑‍💻 e\u0301e\u0301\tx".encode())
