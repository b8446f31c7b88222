#!/usr/bin/env python3
"""Emits the kernel's symbol table (assembly for the .ksyms section) from `nm -n` output.

Usage: gen_ksyms.py NM_OUTPUT > ksyms.S   (an empty NM_OUTPUT gives an empty table)

Only text symbols are kept, sorted by address; see kernel/core/ksyms.c.
"""
import sys


def text_symbols(lines):
    syms = {}
    for line in lines:
        parts = line.split()
        if len(parts) != 3 or parts[1] not in ("t", "T", "W", "w"):
            continue
        addr, name = int(parts[0], 16), parts[2]
        if name.startswith(".L") or name.startswith("__"):
            # Local labels and linker-script markers say nothing about a function.
            if not name.startswith("__") or name in ("__text_start",):
                continue
        syms.setdefault(addr, name)
    return sorted(syms.items())


def main():
    lines = open(sys.argv[1]).read().splitlines() if len(sys.argv) > 1 else []
    syms = text_symbols(lines)
    out = ['\t.section .ksyms, "a"', "\t.balign 8",
           "\t.globl ksyms_count, ksyms_addrs, ksyms_name_offsets, ksyms_names",
           "ksyms_count:", f"\t.quad {len(syms)}", "ksyms_addrs:"]
    out += [f"\t.quad {addr:#x}" for addr, _ in syms]
    out.append("ksyms_name_offsets:")
    offset = 0
    for _, name in syms:
        out.append(f"\t.long {offset}")
        offset += len(name) + 1
    out.append("ksyms_names:")
    out += [f'\t.asciz "{name}"' for _, name in syms]
    out.append("\t.byte 0")
    print("\n".join(out))


if __name__ == "__main__":
    main()
