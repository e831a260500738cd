#!/usr/bin/env python3
"""Seed corpora for the fuzz targets from the e2e cases and fixtures.

bundle_bytes: every case of policies/*/test_data/cases.yml as a payload to
the bundle (the case's settings as a one-member profile), and every request
of the profile table (profiles/test_data) under every profile.
quantity, image, ports: every quantity, image reference and port list those
requests and settings hold. The structure-aware targets (bundle_requests,
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


def walk(value, out):
    """Quantities, images and ports found anywhere in a value."""
    if isinstance(value, dict):
        for k, v in value.items():
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
            walk(v, out)
    elif isinstance(value, list):
        for v in value:
            walk(v, out)


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
            walk(payload, out)
    profiles = [yaml.safe_load(open(p)) for p in sorted(glob.glob(os.path.join(ROOT, "profiles/*.yml")))]
    for path in sorted(glob.glob(os.path.join(ROOT, "profiles/test_data/*.json"))):
        request = json.load(open(path))
        for profile in profiles:
            write(out, "bundle_bytes", {"request": request, "settings": profile})
        walk(request, out)
    for profile in profiles:
        walk(profile, out)


main()
