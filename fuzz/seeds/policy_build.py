#!/usr/bin/env python3
"""Writes the policy_build seeds: configurations from CONFORMANCE.md and issue 9, encoded the
way `arbitrary` 1.x decodes the target's `Config` (fuzz_targets/policy_build.rs), so that each
seed is the configuration its name says. Check one with
`cargo +nightly fuzz fmt policy_build seeds/policy_build/<name>`.

Encoding (arbitrary 1.x, inputs under 256 bytes): bool = one byte, lowest bit; Option = a bool
then the value; Vec = a bool before each element and a false after the last; String = a length
byte taken from the *end* of the data, then that many bytes from the front; integers little
endian. Run from fuzz/: `python3 seeds/policy_build.py`.
"""
import os
import struct

FIELDS = ["strict", "origins", "regexes", "methods", "headers", "any_header", "expose",
          "expose_any", "max_age", "no_max_age", "allow_null", "allow_insecure_http",
          "block_disallowed", "private_network", "defer"]


class Encoder:
    def __init__(self):
        self.front = bytearray()
        self.back = bytearray()  # consumed from the end: the first length read is the last byte

    def bool(self, value):
        self.front.append(1 if value else 0)

    def string(self, text):
        data = text.encode()
        self.back.append(len(data))
        self.front += data

    def strings(self, items):
        for item in items:
            self.bool(True)
            self.string(item)
        self.bool(False)

    def option(self, value, write):
        self.bool(value is not None)
        if value is not None:
            write(value)

    def data(self):
        out = bytes(self.front) + bytes(reversed(self.back))
        assert len(out) <= 256, "lengths would take two bytes"
        return out


def encode(config):
    e = Encoder()
    e.bool(config.get("strict", True))
    e.strings(config.get("origins", []))
    e.strings(config.get("regexes", []))
    e.option(config.get("methods"), e.strings)
    e.option(config.get("headers"), e.strings)
    e.option(config.get("any_header"), e.bool)
    e.option(config.get("expose"), e.strings)
    e.bool(config.get("expose_any", False))
    e.option(config.get("max_age"), lambda t: e.front.extend(struct.pack("<QI", *t)))
    for flag in FIELDS[9:]:
        e.bool(config.get(flag, False))
    return e.data()


SEEDS = {
    "valid-strict": dict(origins=["https://app.example.com", "https://*.tenant.example.com"],
                         methods=["GET", "POST", "PUT", "DELETE"],
                         headers=["content-type", "authorization"], expose=["x-request-id"],
                         max_age=(600, 0)),
    "every-problem-at-once": dict(origins=["https://app.example.com/", "*", "null"],
                                  methods=["GET", "TRACE", "get", "*"],
                                  expose=["set-cookie"], max_age=(86401, 0)),
    "non-canonical-origins": dict(origins=["https://App.Example.com", "https://app.example.com:443",
                                           "https://bücher.example", "https://u:p@app.example.com"]),
    "wildcards-and-http": dict(origins=["https://*.com", "https://*.github.io", "http://app.example.com",
                                        "https://a.*.example.com"]),
    "regexes": dict(origins=[], regexes=[r"https://pr-[0-9]+.preview.example.com", r"https://(", r".*"]),
    "permissive": dict(strict=False, methods=["*"], headers=["X-Custom"], expose_any=True,
                       any_header=True, private_network=True, max_age=(7200, 500_000_000)),
    "opt-ins": dict(origins=["null", "http://intranet.example"], allow_null=True,
                    allow_insecure_http=True, block_disallowed=True, defer=True, max_age=(0, 1)),
    "nothing-allowed": dict(origins=[], headers=["*", "bad name"], no_max_age=True),
}

if __name__ == "__main__":
    directory = os.path.join(os.path.dirname(__file__), "policy_build")
    os.makedirs(directory, exist_ok=True)
    for name, config in SEEDS.items():
        with open(os.path.join(directory, name), "wb") as f:
            f.write(encode(config))
