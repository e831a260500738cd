#!/usr/bin/env python3
"""Drops named exports from a wasm module: drop-exports.py IN OUT NAME...

The rules link kubewarden-policy-sdk, whose wapc-guest dependency defines
`__guest_call` with #[no_mangle]; rustc exports it from any cdylib, and with
it come imports from a `wapc` module that no browser has. Dropping the
export before wasm-bindgen lets its dead-code pass remove the function and
the imports.
"""
import sys


def leb(data, i):
    value = shift = 0
    while True:
        byte = data[i]
        i += 1
        value |= (byte & 0x7F) << shift
        shift += 7
        if byte < 0x80:
            return value, i


def enc(value):
    out = bytearray()
    while True:
        byte = value & 0x7F
        value >>= 7
        if value:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def main():
    src, dst, *names = sys.argv[1:]
    data = open(src, "rb").read()
    out = bytearray(data[:8])
    i, dropped = 8, []
    while i < len(data):
        section = data[i]
        size, body = leb(data, i + 1)
        end = body + size
        if section == 7:
            count, j = leb(data, body)
            kept = []
            for _ in range(count):
                start = j
                length, j = leb(data, j)
                name = data[j : j + length].decode()
                j += length + 1  # the name, then the export's kind
                _, j = leb(data, j)  # its index
                if name in names:
                    dropped.append(name)
                else:
                    kept.append(data[start:j])
            payload = enc(len(kept)) + b"".join(kept)
            out += bytes([7]) + enc(len(payload)) + payload
        else:
            out += data[i:end]
        i = end
    missing = set(names) - set(dropped)
    if missing:
        # Nothing to drop; the Makefile still checks that no waPC import is left.
        print(f"drop-exports: no export {', '.join(sorted(missing))} in {src}", file=sys.stderr)
    open(dst, "wb").write(out)


main()
