#!/usr/bin/env python3
"""Writes the llama.cpp reference fixture for the embedded engine's greedy-decoding test.

For each prompt below, llama.cpp (through the llama-cpp-python bindings) tokenizes the raw text as
`sotto-server generate --raw` does (special tokens parsed, BOS/EOS added only where the model's
metadata asks for them), then decodes greedily for up to 32 tokens, stopping early at an
end-of-generation token. The JSON records the prompt ids, the continuation ids, why it stopped, and
for every step the 10 highest logits (token id, logit) of the distribution the token was picked from,
and llama.cpp's logits for the same ids when the prompt is fed one token at a time (its own rounding
noise, the test's yardstick).
Tests/InferenceTests/LlamaReferenceTests.swift checks the engine against it.

llama.cpp is used only to produce this data; none of it is shipped. Usage:

    python3 scripts/reference/make-llama-fixtures.py MODEL.gguf [OUTPUT.json]

The output defaults to Tests/Fixtures/llama-reference/smollm2-135m-q4_1.json; the settings are
those of llama-cpp-python's defaults (f16 key/value cache, flash attention off) with 2 threads.
Tests/Fixtures/llama-reference/PROVENANCE.md says which versions produced the committed file.
"""

import hashlib
import json
import os
import sys

import llama_cpp
import numpy as np

MAX_TOKENS = 32
TOP_K = 10
SYSTEM = "You are a helpful AI assistant named SmolLM, trained by Hugging Face"


def chatml(*turns):
    """ChatML as the engine's chat template renders it: the default system prompt, the turns, the
    assistant header."""
    if turns[0][0] != "system":
        turns = (("system", SYSTEM),) + turns
    text = "".join(f"<|im_start|>{role}\n{content}<|im_end|>\n" for role, content in turns)
    return text + "<|im_start|>assistant\n"


PROMPTS = [
    ("chat-capital", chatml(("user", "What is the capital of France?"))),
    ("chat-haiku", chatml(("user", "Write a haiku about the ocean."))),
    ("chat-explain", chatml(("user", "Explain photosynthesis to a ten-year-old in two sentences."))),
    (
        "chat-multi-turn",
        chatml(
            ("user", "Hi!"),
            ("assistant", "Hello! How can I help you today?"),
            ("user", "Give me three tips for staying focused while studying."),
        ),
    ),
    ("chat-french-emoji", chatml(("user", "Traduis en anglais : « Je suis très content de te voir 😊 »"))),
    ("plain-capital", "The capital of France is"),
    ("plain-story", "Once upon a time, in a small village by the sea,"),
    ("plain-code", 'def fibonacci(n):\n    """Return the n-th Fibonacci number."""\n'),
    ("plain-unicode", "Café au lait ☕ and croissants 🥐 make the best breakfast because"),
]


def sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def top(logits):
    ids = np.argsort(-logits, kind="stable")[:TOP_K]
    return {"ids": [int(i) for i in ids], "logits": [round(float(logits[i]), 5) for i in ids]}


def run(llm, prompt):
    vocab = llm._model.vocab
    prompt_ids = llm.tokenize(prompt.encode("utf-8"), add_bos=True, special=True)
    llm.reset()
    llm.eval(prompt_ids)
    tokens, steps, stop_token = [], [], None
    while True:
        logits = np.asarray(llm.scores[llm.n_tokens - 1], dtype=np.float32)
        steps.append(top(logits))
        token = int(np.argmax(logits))  # llama.cpp's greedy sampler: the first maximum
        if llama_cpp.llama_vocab_is_eog(vocab, token):
            stop_token = token
            break
        tokens.append(token)
        if len(tokens) == MAX_TOKENS:
            break
        llm.eval([token])
    # steps[i] is the distribution token i (or, last, the stop token) was picked from.
    return {
        "prompt_ids": prompt_ids,
        "tokens": tokens,
        "stop": "end_of_generation" if stop_token is not None else "max_tokens",
        "stop_token": stop_token,
        "text": llm.detokenize(tokens).decode("utf-8", errors="replace"),
        "steps": steps,
    }


def one_token_at_a_time(llm, case):
    """llama.cpp again on the same tokens, the prompt fed one token at a time instead of as one batch
    (teacher-forced: the recorded continuation is fed back), with its logits for each step's recorded
    top ids. The two runs differ only in llama.cpp's own rounding, so this measures how far llama.cpp
    is from itself: the yardstick for how far the engine may be from llama.cpp."""
    llm.reset()
    for token in case["prompt_ids"]:
        llm.eval([token])
    steps = []
    for index, step in enumerate(case["steps"]):
        logits = np.asarray(llm.scores[llm.n_tokens - 1], dtype=np.float32)
        steps.append([round(float(logits[i]), 5) for i in step["ids"]])
        if index < len(case["tokens"]):
            llm.eval([case["tokens"][index]])
    return steps


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    model = sys.argv[1]
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    output = sys.argv[2] if len(sys.argv) == 3 else os.path.join(
        root, "Tests/Fixtures/llama-reference/smollm2-135m-q4_1.json")
    llm = llama_cpp.Llama(
        model_path=model, n_ctx=512, n_threads=2, n_threads_batch=2, logits_all=True, verbose=False)
    cases = []
    for name, prompt in PROMPTS:
        case = {"name": name, "prompt": prompt}
        case.update(run(llm, prompt))
        case["one_token_at_a_time"] = one_token_at_a_time(llm, case)
        cases.append(case)
        print(f"{name}: {len(case['prompt_ids'])} prompt ids, {len(case['tokens'])} tokens, "
              f"{case['stop']}: {case['text']!r}", file=sys.stderr)
    fixture = {
        "model": {"file": os.path.basename(model), "sha256": sha256(model)},
        "reference": {
            "llama_cpp_python": llama_cpp.__version__,
            "n_ctx": 512,
            "threads": 2,
            "kv_cache": "f16",
            "flash_attention": False,
        },
        "max_tokens": MAX_TOKENS,
        "top_logits": TOP_K,
        "cases": cases,
    }
    os.makedirs(os.path.dirname(output), exist_ok=True)
    with open(output, "w", encoding="utf-8") as handle:
        json.dump(fixture, handle, ensure_ascii=False, indent=1)
        handle.write("\n")


if __name__ == "__main__":
    main()
