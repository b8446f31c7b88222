#!/usr/bin/env python3
"""Writes the ELF files the `elf` guest test hands to execve(2).

Usage: make_bad_elfs.py OUTDIR

Every file is mode 0755 (so execve reaches the format check instead of
failing with EACCES). Besides the broken files there are two tiny valid
programs built from scratch, so the loader is also tested on an image that
no linker made. The expected errno for each file (what Linux 6.x returns) is
in the `elf` test, not here.
"""
import os
import struct
import sys

ELFCLASS32, ELFCLASS64 = 1, 2
ELFDATA2LSB = 1
ET_REL, ET_EXEC, ET_DYN = 1, 2, 3
EM_386, EM_ARM, EM_X86_64, EM_AARCH64 = 3, 40, 62, 183
PT_LOAD, PT_INTERP = 1, 3
PF_X, PF_W, PF_R = 1, 2, 4

BASE = 0x400000          # where the tiny programs are linked
EHDR64_SIZE, PHDR64_SIZE = 64, 56
EHDR32_SIZE, PHDR32_SIZE = 52, 32


def ehdr64(e_type=ET_EXEC, machine=EM_X86_64, entry=0, phoff=EHDR64_SIZE, phnum=1,
           phentsize=PHDR64_SIZE, magic=b"\x7fELF"):
    # No variant with a bad EI_CLASS/EI_DATA: Linux's binfmt_elf never looks at
    # them (an EM_X86_64 image with EI_CLASS=7 runs), so there is no common
    # answer worth asserting.
    ident = magic + bytes([ELFCLASS64, ELFDATA2LSB, 1, 0]) + bytes(8)
    return ident + struct.pack("<HHIQQQIHHHHHH", e_type, machine, 1, entry, phoff, 0, 0,
                               EHDR64_SIZE, phentsize, phnum, 64, 0, 0)


def phdr64(p_type, flags, offset, vaddr, filesz, memsz, align=0x1000):
    return struct.pack("<IIQQQQQQ", p_type, flags, offset, vaddr, vaddr, filesz, memsz, align)


# x86-64 code: exit_group(42)
CODE_EXIT42 = bytes.fromhex("bf2a000000" "b8e7000000" "0f05")   # mov edi,42; mov eax,231; syscall


def tiny_exit42():
    """A complete static program: one R+X PT_LOAD holding headers and code."""
    code_off = EHDR64_SIZE + PHDR64_SIZE
    size = code_off + len(CODE_EXIT42)
    return (ehdr64(entry=BASE + code_off) +
            phdr64(PT_LOAD, PF_R | PF_X, 0, BASE, size, size) + CODE_EXIT42)


def tiny_bss():
    """Code that exits with the sum of 64 KiB of .bss bytes (0 if zeroed) + 7.

    Two PT_LOADs: text, and a data segment whose memsz is far beyond its
    filesz; the loader must zero the tail of the last file page and map zero
    pages after it. The data page holds 16 bytes of 0xff that are not summed.
    """
    data_vaddr = BASE + 0x10000
    data_file = b"\xff" * 16
    bss_start = data_vaddr + len(data_file)
    bss_len = 0x10000
    # rsi = bss_start, rcx = bss_len, edi = 7; loop: movzx eax,[rsi]; add edi,eax;
    # inc rsi; dec rcx; jnz loop; mov eax,231; syscall
    code = (b"\x48\xbe" + struct.pack("<Q", bss_start) +
            b"\x48\xc7\xc1" + struct.pack("<I", bss_len) +
            b"\xbf\x07\x00\x00\x00" +
            b"\x0f\xb6\x06" b"\x01\xc7" b"\x48\xff\xc6" b"\x48\xff\xc9" b"\x75\xf3" +
            b"\xb8\xe7\x00\x00\x00" b"\x0f\x05")
    code_off = EHDR64_SIZE + 2 * PHDR64_SIZE
    text_size = code_off + len(code)
    data_off = 0x1000
    image = bytearray(ehdr64(entry=BASE + code_off, phnum=2))
    image += phdr64(PT_LOAD, PF_R | PF_X, 0, BASE, text_size, text_size)
    image += phdr64(PT_LOAD, PF_R | PF_W, data_off, data_vaddr, len(data_file),
                    len(data_file) + bss_len)
    image += code
    image += bytes(data_off - len(image))
    image += data_file
    # Junk after the data in the same file page: must not show up in .bss.
    image += b"\xee" * 64
    return bytes(image)


def with_interp(path):
    """A dynamic executable whose PT_INTERP names `path`."""
    interp = path + b"\x00"
    interp_off = EHDR64_SIZE + 2 * PHDR64_SIZE
    code_off = interp_off + len(interp)
    size = code_off + len(CODE_EXIT42)
    return (ehdr64(entry=BASE + code_off, phnum=2) +
            phdr64(PT_INTERP, PF_R, interp_off, BASE + interp_off, len(interp), len(interp), 1) +
            phdr64(PT_LOAD, PF_R | PF_X, 0, BASE, size, size) + interp + CODE_EXIT42)


def elf32(machine):
    """A 32-bit ELF header plus one program header (content never runs)."""
    ident = b"\x7fELF" + bytes([ELFCLASS32, ELFDATA2LSB, 1, 0]) + bytes(8)
    hdr = ident + struct.pack("<HHIIIIIHHHHHH", ET_EXEC, machine, 1, 0x8048000 + 0x54,
                              EHDR32_SIZE, 0, 0, EHDR32_SIZE, PHDR32_SIZE, 1, 40, 0, 0)
    ph = struct.pack("<IIIIIIII", PT_LOAD, 0, 0x8048000, 0x8048000, 0x60, 0x60, PF_R | PF_X,
                     0x1000)
    return hdr + ph + b"\xcc" * 12


def files():
    good = tiny_exit42()
    yield "tiny_exit42", good
    yield "tiny_bss", tiny_bss()
    yield "empty", b""
    yield "text", b"this is not an executable\n"
    yield "magic_only", b"\x7fELF"
    yield "truncated_ehdr", good[:40]
    yield "bad_magic", b"\x7fELG" + good[4:]
    yield "elf32_arm", elf32(EM_ARM)
    yield "wrong_machine", ehdr64(machine=EM_AARCH64, entry=BASE + 120) + good[EHDR64_SIZE:]
    yield "bad_type_rel", ehdr64(e_type=ET_REL, entry=BASE + 120) + good[EHDR64_SIZE:]
    yield "bad_phentsize", ehdr64(entry=BASE + 120, phentsize=32) + good[EHDR64_SIZE:]
    yield "no_phdrs", ehdr64(entry=BASE + 120, phnum=0) + good[EHDR64_SIZE:]
    yield "too_many_phdrs", ehdr64(entry=BASE + 120, phnum=0xffff) + good[EHDR64_SIZE:]
    yield "phdrs_past_eof", ehdr64(entry=BASE + 120, phoff=0x10000) + good[EHDR64_SIZE:]
    yield "phdrs_cut_short", ehdr64(entry=BASE + 120, phnum=2)[:EHDR64_SIZE] + \
        good[EHDR64_SIZE:EHDR64_SIZE + PHDR64_SIZE + 8]
    yield "interp_missing", with_interp(b"/nonexistent/ld-tern.so")
    yield "interp_unterminated", with_interp(b"/x")[:-len(CODE_EXIT42)].replace(
        b"/x\x00", b"/xy") + CODE_EXIT42


def main():
    if len(sys.argv) != 2:
        sys.exit("usage: make_bad_elfs.py OUTDIR")
    outdir = sys.argv[1]
    os.makedirs(outdir, exist_ok=True)
    for name, data in files():
        path = os.path.join(outdir, name)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, 0o755)


if __name__ == "__main__":
    main()
