#!/usr/bin/python3
"""extract-vmlinux.py BZIMAGE OUT: write the uncompressed ELF kernel held inside an xz-compressed bzImage.

Under TCG, decompressing the bzImage takes longer than booting; qemu boots the ELF directly through its
PVH entry point instead (Debian kernels are built with CONFIG_PVH)."""
import lzma
import os
import sys


def main() -> int:
    src, out = sys.argv[1], sys.argv[2]
    data = open(src, "rb").read()
    start = data.find(b"\xfd7zXZ\x00")
    if start < 0:
        print(f"extract-vmlinux: no xz stream in {src}", file=sys.stderr)
        return 1
    elf = lzma.LZMADecompressor().decompress(data[start:])
    if not elf.startswith(b"\x7fELF"):
        print(f"extract-vmlinux: the xz stream in {src} is not an ELF kernel", file=sys.stderr)
        return 1
    tmp = out + ".tmp"
    with open(tmp, "wb") as f:
        f.write(elf)
    os.replace(tmp, out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
