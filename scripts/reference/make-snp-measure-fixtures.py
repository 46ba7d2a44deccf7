#!/usr/bin/env python3
"""Makes the fixtures of `sotto-server measure` and their expected digests from sev-snp-measure.

The firmware images are synthetic (our own bytes, not OVMF builds): 64 KiB of deterministic
filler ending in an OVMF footer GUID table with an SEV-ES reset block, an SEV hashes table
entry and SEV metadata whose sections are the ones OVMF declares. The reference tool reads
them exactly as it reads a real OVMF. Writes Tests/Fixtures/vectors/snp-measure/.

Usage: scripts/reference/make-snp-measure-fixtures.py SEV_SNP_MEASURE_EXECUTABLE
(pip install sev-snp-measure==0.0.13 into a virtual environment under .cache first).
"""

import hashlib
import json
import os
import struct
import subprocess
import sys
import uuid

OUT = os.path.join(os.path.dirname(__file__), "..", "..", "Tests", "Fixtures", "vectors", "snp-measure")
SIZE = 64 * 1024
FOUR_GB = 1 << 32


def guid(text):
    return uuid.UUID("{" + text + "}").bytes_le


def filler(seed, length):
    out = b""
    counter = 0
    while len(out) < length:
        out += hashlib.sha256(seed + counter.to_bytes(4, "little")).digest()
        counter += 1
    return out[:length]


def image(name, sections, hashes_table=True):
    gpa = FOUR_GB - SIZE
    data = bytearray(filler(name.encode(), SIZE))
    # SEV metadata 8 KiB before the end.
    meta_offset_from_end = 0x2000
    meta = b"ASEV" + struct.pack("<III", 16 + 12 * len(sections), 1, len(sections))
    for (page, size, kind) in sections:
        meta += struct.pack("<III", gpa - 0x10000 + page * 0x1000, size, kind)
    start = SIZE - meta_offset_from_end
    data[start:start + len(meta)] = meta
    entries = [(guid("dc886566-984a-4798-a75e-5585a7bf67cc"), struct.pack("<I", meta_offset_from_end)),
               (guid("00f771de-1a7e-4fcb-890e-68c77e2fb44e"), struct.pack("<I", 0xffff_8000 + 0x0123))]
    if hashes_table:
        # The hashes table sits 0x3a0 bytes into the kernel hashes page.
        entries.append((guid("7255371f-3a3b-4b04-927b-1da6efa8d454"),
                        struct.pack("<II", gpa - 0x10000 + 3 * 0x1000 + 0x3a0, 0x400)))
    table = b""
    for (g, payload) in entries:
        table += payload + struct.pack("<H", len(payload) + 18) + g
    footer = struct.pack("<H", len(table) + 18) + guid("96b582de-1fb2-45f7-baea-a366c55a082d")
    end = SIZE - 32
    block = table + footer
    data[end - len(block):end] = block
    path = os.path.join(OUT, name)
    with open(path, "wb") as f:
        f.write(bytes(data))
    return name


def main():
    tool = sys.argv[1]
    os.makedirs(OUT, exist_ok=True)
    # Section kinds: 1 SEC_MEM, 2 SECRETS, 3 CPUID, 4 SVSM_CAA, 0x10 KERNEL_HASHES.
    images = [
        image("ovmf-kernel-hashes.bin", [(0, 0x2000, 1), (2, 0x1000, 2), (4, 0x1000, 3), (3, 0x1000, 0x10)]),
        image("ovmf-no-kernel-hashes.bin", [(0, 0x3000, 1), (4, 0x1000, 2), (5, 0x1000, 3)], hashes_table=False),
        image("ovmf-svsm-area.bin", [(0, 0x1000, 1), (1, 0x1000, 4), (2, 0x1000, 2), (4, 0x1000, 3),
                                     (3, 0x1000, 0x10)]),
    ]
    with open(os.path.join(OUT, "kernel.bin"), "wb") as f:
        f.write(filler(b"kernel", 12345))
    with open(os.path.join(OUT, "initrd.bin"), "wb") as f:
        f.write(filler(b"initrd", 6789))
    cases = []
    boots = [None, {"kernel": "kernel.bin"}, {"kernel": "kernel.bin", "initrd": "initrd.bin"},
             {"kernel": "kernel.bin", "initrd": "initrd.bin", "append": "console=ttyS0 root=/dev/vda1 ro"}]
    for name in images:
        for vcpus in [1, 2, 4, 16]:
            for vcpu_type in ["EPYC-v4", "EPYC-Rome", "EPYC-Milan-v2", "EPYC-Genoa", "EPYC-Turin"]:
                for boot in boots:
                    for features in ["0x1", "0x21"]:
                        if vcpus > 2 and (boot and "append" not in boot):
                            continue
                        args = [tool, "--mode", "snp", "--vcpus", str(vcpus), "--vcpu-type", vcpu_type,
                                "--ovmf", os.path.join(OUT, name), "--guest-features", features]
                        for key in ["kernel", "initrd"]:
                            if boot and key in boot:
                                args += ["--" + key, os.path.join(OUT, boot[key])]
                        if boot and "append" in boot:
                            args += ["--append", boot["append"]]
                        run = subprocess.run(args, capture_output=True, text=True)
                        case = {"ovmf": name, "vcpus": vcpus, "vcpu_type": vcpu_type, "guest_features": features}
                        if boot:
                            case.update(boot)
                        if run.returncode == 0:
                            case["measurement"] = run.stdout.strip().split()[-1]
                        else:
                            case["refused"] = run.stderr.strip().splitlines()[-1]
                        cases.append(case)
    with open(os.path.join(OUT, "expected.json"), "w") as f:
        json.dump({"tool": "sev-snp-measure 0.0.13", "cases": cases}, f, indent=1)
        f.write("\n")
    print(len(cases), "cases")


if __name__ == "__main__":
    main()
