#!/usr/bin/env python3
"""Seed corpora for the fuzz targets from the e2e cases and fixtures.

bundle_bytes: every case of policies/*/test_data/cases.yml as a payload to
the bundle (the case's settings as a one-member profile), and every request
of the profile table (profiles/test_data) under every profile.
quantity, image, ports: every quantity, image reference and port list those
requests and settings hold. sysctl, selinux_level, external_ip (text, one
value a line): every sysctl name and pattern, SELinux level and external IP
or allowed network those hold, alone and together per case, and the tricky
spellings of TRICKY. The structure-aware targets (bundle_requests,
settings, capabilities, profile) read bytes as choices: their corpora are
grown by fuzzing and kept minimised in fuzz/corpus/.

Usage: fuzz/seeds.py OUT_DIR  (writes OUT_DIR/<target>/<sha1>)
"""
import glob
import hashlib
import json
import os
import sys

import yaml

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")


DROP = ("uid", "requestKind", "requestResource", "userInfo", "options", "dryRun",
        "managedFields", "creationTimestamp", "resourceVersion", "generation")


def compact(value):
    """The payload without what no rule reads (ids, user, timestamps), so
    that the corpus stays small."""
    if isinstance(value, dict):
        return {k: compact(v) for k, v in value.items() if k not in DROP}
    if isinstance(value, list):
        return [compact(v) for v in value]
    return value


def write(out, target, data):
    if isinstance(data, (dict, list)):
        data = json.dumps(compact(data), separators=(",", ":"))
    if isinstance(data, str):
        data = data.encode()
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, hashlib.sha1(data).hexdigest()), "wb") as f:
        f.write(data)


# Hand-written spellings at the parsers' edges.
TRICKY = {
    "sysctl": ["*", "**", "kernel.*", "net/ipv4/conf/eth0.100/rp_filter",
               "net.ipv4.conf.eth0/100.rp_filter", "net/*", "kernel/msg*",
               "kernel.*.max", "", "a/b.c/d*\na.b/c.d", "/\n.\n/*"],
    "selinux_level": ["s0", "s0-s0", "s0:c1,c1", "s0:c2,c0,c1\ns0:c0.c2",
                      "s0-s0:c0.c511,c512.c1023", "s00:c1", "s0:c9.c1", "s0:c1,",
                      "s0:c0.c4294967295,c4294967294", "s1-s0:c3", "s0-s1-s2"],
    "external_ip": ["::ffff:10.1.2.3", "::ffff:10.0.0.0/104", "::ffff:0:0/96",
                    "010.1.2.3", "10.0.0.1/8", "10.0.0.0/33", "::/0", "0.0.0.0/0",
                    "2001:db8::1/32", "fe80::1%eth0", "::1.2.3.4", " 10.0.0.1"],
}


def text_values(value, key, target, found):
    """The strings of a value (or of a list) under key, for a text target."""
    for item in value if isinstance(value, list) else [value]:
        if isinstance(item, dict) and key == "sysctls":
            item = item.get("name")
        if isinstance(item, str):
            found.setdefault(target, []).append(item)


def walk(value, out, found=None):
    """Quantities, images, ports, sysctls, SELinux levels and external IPs
    found anywhere in a value; the text ones are also gathered in found."""
    if found is None:
        found = {}
    if isinstance(value, dict):
        for k, v in value.items():
            if "sysctl" in k.lower():
                text_values(v, k, "sysctl", found)
            if k == "level":
                text_values(v, k, "selinux_level", found)
            if "externalip" in k.lower().replace("_", ""):
                text_values(v, k, "external_ip", found)
            if k in ("cpu", "memory") or "cpu" in k.lower() or "memory" in k.lower():
                if isinstance(v, (str, int, float)):
                    write(out, "quantity", str(v))
            if k == "image" and isinstance(v, str):
                write(out, "image", v)
            if "port" in k.lower() and isinstance(v, list):
                write(out, "ports", json.dumps(v, separators=(",", ":")))
            if "registr" in k.lower() or "repositor" in k.lower():
                for item in v if isinstance(v, list) else [v]:
                    if isinstance(item, str):
                        write(out, "image", item)
            walk(v, out, found)
    elif isinstance(value, list):
        for v in value:
            walk(v, out, found)
    return found


def write_texts(out, found):
    """Each value alone, and a case's values together, one a line."""
    for target, values in found.items():
        for v in values:
            write(out, target, v)
        write(out, target, "\n".join(values))


def main():
    out = sys.argv[1]
    for cases in sorted(glob.glob(os.path.join(ROOT, "policies/*/test_data/cases.yml"))):
        policy = cases.split(os.sep)[-3]
        data_dir = os.path.dirname(cases)
        for case in yaml.safe_load(open(cases)) or []:
            path = os.path.join(data_dir, case["request"])
            if not path.endswith(".json") or not os.path.exists(path):
                continue
            request = json.load(open(path))
            member = {"policy": policy}
            if case.get("settings"):
                member["settings"] = case["settings"]
            payload = {"request": request, "settings": {"rules": [member]}}
            write(out, "bundle_bytes", payload)
            write_texts(out, walk(payload, out))
    profiles = [yaml.safe_load(open(p)) for p in sorted(glob.glob(os.path.join(ROOT, "profiles/*.yml")))]
    for path in sorted(glob.glob(os.path.join(ROOT, "profiles/test_data/*.json"))):
        request = json.load(open(path))
        for profile in profiles:
            write(out, "bundle_bytes", {"request": request, "settings": profile})
        write_texts(out, walk(request, out))
    for profile in profiles:
        write_texts(out, walk(profile, out))
    for target, values in TRICKY.items():
        for v in values:
            write(out, target, v)


main()
