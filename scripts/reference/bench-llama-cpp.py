#!/usr/bin/env python3
"""Measures llama.cpp (through llama-cpp-python) the way `sotto-server bench` measures our engine.

Same definitions as Sources/sotto-server/BenchCommand.swift, so the figures can be set side by side:
- the prompt is "The quick brown fox jumps over the lazy dog near the quiet river. " 64 times,
  tokenized with BOS/EOS as the model's metadata asks (no special-token parsing), cut to 128 tokens;
- pp128: 128 / the time from an empty cache until the last prompt token's logits are ready
  (llama.cpp decodes the prompt as one batch);
- tg64: then 65 greedy samples with a model step between each two (end-of-sequence ignored), and
  64 / the time from the end of the prompt to the last sample;
- no warm-up run; the median (and range) of --runs runs, printed in the same table layout.

Settings: llama-cpp-python's defaults (f16 key/value cache, flash attention off, mmap), a context of
128 + 64 + 1 positions, and --threads threads for both batch and single-token decoding.

Usage: bench-llama-cpp.py --model MODEL.gguf [--threads 2] [--runs 5]
"""

import argparse
import os
import statistics
import sys
import time

import llama_cpp

PROMPT_LENGTH = 128
GENERATED_LENGTH = 64


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()

    llm = llama_cpp.Llama(
        model_path=args.model, n_ctx=PROMPT_LENGTH + GENERATED_LENGTH + 1, n_batch=512,
        n_threads=args.threads, n_threads_batch=args.threads, logits_all=False, verbose=False)
    text = "The quick brown fox jumps over the lazy dog near the quiet river. " * 64
    prompt = llm.tokenize(text.encode("utf-8"), add_bos=True, special=False)[:PROMPT_LENGTH]
    if len(prompt) < PROMPT_LENGTH:
        sys.exit(f"the benchmark prompt encodes to only {len(prompt)} tokens with this tokenizer")
    sampler = llama_cpp.llama_sampler_init_greedy()
    ctx = llm._ctx.ctx

    prompt_rates, generation_rates = [], []
    for _ in range(args.runs):
        llm.reset()
        llm._ctx.kv_cache_clear()
        start = time.perf_counter()
        llm.eval(prompt)
        generation_start = time.perf_counter()
        samples = 0
        while True:
            token = llama_cpp.llama_sampler_sample(sampler, ctx, -1)
            samples += 1
            if samples == GENERATED_LENGTH + 1:
                break
            llm.eval([token])
        end = time.perf_counter()
        prompt_rates.append(PROMPT_LENGTH / (generation_start - start))
        generation_rates.append(GENERATED_LENGTH / (end - generation_start))
    llama_cpp.llama_sampler_free(sampler)

    def row(*columns):
        widths = [8, 8, 12, 12, 12]
        return " ".join(
            c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(columns, widths)))

    def rates_row(rates, test, tokens):
        return row(test, str(tokens), f"{statistics.median(rates):.2f}", f"{min(rates):.2f}",
                   f"{max(rates):.2f}")

    print(f"llama.cpp via llama-cpp-python {llama_cpp.__version__}, model "
          f"{os.path.basename(args.model)}, {args.threads} threads, median of {args.runs} runs")
    print(row("test", "tokens", "median t/s", "min t/s", "max t/s"))
    print(rates_row(prompt_rates, f"pp{PROMPT_LENGTH}", PROMPT_LENGTH))
    print(rates_row(generation_rates, f"tg{GENERATED_LENGTH}", GENERATED_LENGTH))


if __name__ == "__main__":
    main()
