#!/usr/bin/env python3
"""The playground in a real browser: headless Chromium loads the built page
from a local server, runs every policy's e2e cases and the profile table
through the page's own entry point (test.html), then loads the page from
`palisade playground` (the server operators use), checks a verdict and a
share link, and takes a screenshot of the page judging nginx-privileged
under pss-restricted.

    browser_test.py [SITE] [SCREENSHOT]

SITE defaults to target/playground, SCREENSHOT to
target/playground-screenshot.png. Exits non-zero when any case differs from
its expectation or the screenshot is blank.
"""
import base64
import functools
import html
import http.server
import json
import re
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SITE = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT / "target/playground"
SHOT = Path(sys.argv[2]) if len(sys.argv) > 2 else ROOT / "target/playground-screenshot.png"
PALISADE = Path(os.environ.get("PALISADE") or ROOT / "target/release/palisade")
CHROMIUM = os.environ.get("CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
# Seconds the test page may take.
TIMEOUT = 240
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--hide-scrollbars", "--mute-audio",
]


class Handler(http.server.SimpleHTTPRequestHandler):
    """The site, and the test page's two calls: GET hold (answered once the
    result is in) and POST result."""

    result = None
    posted = threading.Event()

    def log_message(self, *args):
        pass

    def do_GET(self):
        if self.path.endswith("/hold"):
            Handler.posted.wait(TIMEOUT)
            self.send_response(204)
            self.end_headers()
            return
        super().do_GET()

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        if self.path.endswith("/result"):
            Handler.result = json.loads(body)
            Handler.posted.set()
        self.send_response(204)
        self.end_headers()


def site(work):
    """The page, with the case files beside it."""
    out = work / "site"
    shutil.copytree(SITE, out)
    cases = out / "cases"
    cases.mkdir()
    policies = sorted(p.name for p in (ROOT / "policies").iterdir() if (p / "test_data/cases.yml").is_file())
    for policy in policies:
        (cases / policy).symlink_to(ROOT / "policies" / policy / "test_data")
    (cases / "_profiles").symlink_to(ROOT / "profiles/test_data")
    (cases / "index.json").write_text(json.dumps({"policies": policies}))
    return out


class Served:
    """`palisade playground` serving a directory on a free port."""

    def __init__(self, process, base):
        self.process, self.base = process, base


def serve(root):
    process = subprocess.Popen([str(PALISADE), "playground", "--address", "127.0.0.1:0", "--dir", str(root)],
                               stdout=subprocess.PIPE, text=True)
    line = process.stdout.readline()
    match = re.search(r"http://[^/ ]+", line)
    if not match:
        process.kill()
        sys.exit(f"palisade playground did not say where it serves: {line!r}")
    return Served(process, match.group(0))


def browser(work, *args, timeout=180):
    profile = tempfile.mkdtemp(dir=work)
    command = [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args]
    try:
        done = subprocess.run(command, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        sys.exit(f"chromium did not finish in {timeout} s: {' '.join(args)}")
    if done.returncode != 0:
        sys.stderr.write(done.stderr.decode(errors="replace")[-2000:])
        sys.exit(f"chromium exited with {done.returncode}")
    return done.stdout.decode(errors="replace")


def png_colours(path):
    """The number of distinct colours of an 8-bit RGB or RGBA PNG."""
    data = path.read_bytes()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        sys.exit(f"{path} is not a PNG")
    i, idat, width, height, channels = 8, b"", 0, 0, 0
    while i < len(data):
        length, kind = struct.unpack(">I4s", data[i : i + 8])
        body = data[i + 8 : i + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", body[:10])
            channels = {2: 3, 6: 4}.get(colour, 0)
            if depth != 8 or not channels:
                sys.exit(f"{path}: unexpected PNG format")
        elif kind == b"IDAT":
            idat += body
        i += 12 + length
    raw = zlib.decompress(idat)
    stride = width * channels
    previous = bytearray(stride)
    colours = set()
    for row in range(height):
        start = row * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for x in range(stride):
            a = line[x - channels] if x >= channels else 0
            b = previous[x]
            c = previous[x - channels] if x >= channels else 0
            if kind == 1:
                line[x] = (line[x] + a) & 0xFF
            elif kind == 2:
                line[x] = (line[x] + b) & 0xFF
            elif kind == 3:
                line[x] = (line[x] + (a + b) // 2) & 0xFF
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                pred = a if pa <= pb and pa <= pc else b if pb <= pc else c
                line[x] = (line[x] + pred) & 0xFF
        if row % 4 == 0:
            colours.update(bytes(line[x : x + channels]) for x in range(0, stride, channels * 2))
        previous = line
    return colours


def main():
    if not CHROMIUM:
        sys.exit("no chromium on PATH (make test-tools installs it)")
    if not (SITE / "index.html").is_file():
        sys.exit(f"no page in {SITE}: run make playground")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        root = site(work)
        handler = functools.partial(Handler, directory=str(root))
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{server.server_address[1]}"
        served = None
        try:
            dom = browser(work, "--dump-dom", f"{base}/test.html", timeout=TIMEOUT + 30)
            result = Handler.result
            if result is None:
                sys.exit(f"the test page did not finish:\n{dom[-2000:]}")
            # The page as operators serve it: `palisade playground`.
            served = serve(root)
            base = served.base
            page = f"{base}/index.html#target=profile:pss-restricted&example=0"
            verdict = browser(work, "--virtual-time-budget=20000", "--dump-dom", page)
            # A share link: a rule, its settings and a manifest in the fragment.
            state = {
                "t": "rule:read-only-rootfs",
                "s": "default_read_only_root_filesystem: true\n",
                "m": (ROOT / "examples/02-nginx-unprivileged.yaml").read_text(),
            }
            encoded = base64.urlsafe_b64encode(json.dumps(state).encode()).decode().rstrip("=")
            shared = browser(work, "--virtual-time-budget=20000", "--dump-dom",
                             f"{base}/index.html#state={encoded}")
            SHOT.parent.mkdir(parents=True, exist_ok=True)
            browser(work, "--window-size=1440,1000", "--virtual-time-budget=20000",
                    f"--screenshot={SHOT}", page)
        finally:
            server.shutdown()
            if served:
                served.process.kill()
                served.process.wait()
    failures = result["failures"]
    for failure in failures:
        print(f"FAIL {failure}")
    print(f"playground in chromium: {result['rule_cases']} rule cases and "
          f"{result['profile_cases']} profile verdicts, {len(failures)} differ "
          f"({result.get('ms', '?')} ms in the page)")
    hundred = result.get("hundred", {})
    print(f"a 100-container Pod under pss-restricted, YAML to verdict through the page's call: "
          f"median {hundred.get('median_ms', 0):.1f} ms, max {hundred.get('max_ms', 0):.1f} ms of 21")
    if hundred.get("median_ms", 1e9) >= 50:
        failures.append("a 100-container Pod takes 50 ms or more")
        print(f"FAIL {failures[-1]}")
    wasm = SITE / "playground_bg.wasm"
    raw = wasm.read_bytes()
    print(f"the page's wasm: {len(raw)} bytes, {len(zlib.compress(raw, 9))} compressed (zlib -9)")
    shown = html.unescape(verdict)
    for needle in ("Denied", "no-privilege", "spec.containers[0].securityContext.privileged"):
        if needle not in shown:
            failures.append(f"the page for nginx-privileged under pss-restricted does not show {needle!r}")
            print(f"FAIL {failures[-1]}")
    shown = html.unescape(shared)
    for needle in ("Admitted with changes", r"\+ +readOnlyRootFilesystem: true", "read-only-rootfs: mutated"):
        if not re.search(needle, shown):
            failures.append(f"the share link's page (read-only-rootfs, mutating) does not show {needle!r}")
            print(f"FAIL {failures[-1]}")
    colours = png_colours(SHOT)
    size = SHOT.stat().st_size
    print(f"screenshot: {SHOT} ({size} bytes, {len(colours)} colours sampled)")
    if len(colours) < 8 or size < 20000:
        failures.append("the screenshot is blank")
        print(f"FAIL {failures[-1]}")
    if result["rule_cases"] < 100 or result["profile_cases"] < 100:
        failures.append("too few cases ran")
        print(f"FAIL {failures[-1]}")
    sys.exit(1 if failures else 0)


main()
