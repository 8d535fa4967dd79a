#!/usr/bin/env python3
"""Scans every log a full test run wrote for secrets: CPR-like numbers, API tokens,
and any password or token the tests used (they record them in secrets.txt).

Run last by `make test` (and so by CI). Fails when a secret is found, and also when
the logs it expects are missing or empty, so it can never pass by scanning nothing.
"""
import os
import re
import sys
from pathlib import Path

log_dir = Path(os.environ.get("ORK_TEST_LOG_DIR") or Path(os.environ.get("TMPDIR", "/tmp")) / "orkestrator-test-logs")

CPR = re.compile(r"(?<![\w.])(\d{2})(\d{2})(\d{2})-?(\d{4})(?![\w])")
TOKEN = re.compile(r"ork_[A-Za-z0-9_-]{20,}")
PASSWORD_FIELD = re.compile(r"""(?i)["']?(password|passwd|adgangskode)["']?\s*[:=]\s*["']?[^\s"',}]{4,}""")


def looks_like_cpr(m):
    day, month = int(m.group(1)), int(m.group(2))
    return 1 <= day <= 31 and 1 <= month <= 12


def main(say=print):
    if not log_dir.is_dir():
        say(f"log scan: no log directory at {log_dir}: the tests wrote no logs")
        return 1
    secrets_file = log_dir / "secrets.txt"
    secrets = set()
    if secrets_file.exists():
        secrets = {s.strip() for s in secrets_file.read_text().splitlines() if len(s.strip()) >= 8}
    logs = sorted(p for p in log_dir.glob("*.log"))
    expected = {"server integration tests": "ork-server-it-*.log", "end-to-end server": "e2e-server.log", "command line": "orkestrator-cli-*.log"}
    problems = []
    for what, pattern in expected.items():
        found = [p for p in log_dir.glob(pattern) if p.stat().st_size > 0]
        if not found:
            problems.append(f"no {what} log ({pattern}) in {log_dir}: the scan would prove nothing")
    if len(secrets) < 10:
        problems.append(f"only {len(secrets)} recorded secrets in {secrets_file}: the tests should record every password and token they use")

    lines = 0
    requests = 0
    for path in logs:
        with open(path, encoding="utf-8", errors="replace") as f:
            for no, line in enumerate(f, 1):
                lines += 1
                if '"request"' in line or "request{" in line:
                    requests += 1
                where = f"{path.name}:{no}"
                for m in CPR.finditer(line):
                    if looks_like_cpr(m):
                        problems.append(f"{where}: CPR-like number {m.group(0)[:4]}…")
                if TOKEN.search(line):
                    problems.append(f"{where}: an API token")
                if PASSWORD_FIELD.search(line):
                    problems.append(f"{where}: a password field")
                for s in secrets:
                    if s in line:
                        problems.append(f"{where}: a secret the tests used ({s[:3]}…)")
    if requests < 100:
        problems.append(f"only {requests} request log lines in {lines} lines: request logging is not being exercised")

    if problems:
        for p in problems[:50]:
            say(f"log scan: {p}")
        say(f"0 passed, {len(problems)} failed")
        return 1
    say(f"log scan: {len(logs)} logs, {lines} lines ({requests} about requests), {len(secrets)} recorded secrets: none found")
    return 0


def self_test():
    """Plants each kind of secret in a scratch log and checks that the scan finds it."""
    import tempfile
    global log_dir
    planted = {
        "cpr": '{"path":"/persons/0101701234"}',
        "token": '{"msg":"auth ork_abcdefghijklmnopqrstuvwxyz012345"}',
        "password field": '{"password":"hunter2hunter2"}',
        "recorded secret": '{"msg":"value Korrekt-Hest-Batteri-42"}',
    }
    failures = 0
    for what, line in planted.items():
        with tempfile.TemporaryDirectory() as d:
            log_dir = Path(d)
            (log_dir / "secrets.txt").write_text("\n".join(f"filler-secret-{i:04}" for i in range(10)) + "\nKorrekt-Hest-Batteri-42\n")
            clean = "".join(f'{{"span":{{"name":"request"}},"n":{i}}}\n' for i in range(200))
            for name in ("ork-server-it-1.log", "e2e-server.log", "orkestrator-cli-1.log"):
                (log_dir / name).write_text(clean)
            if main(say=lambda _: None) != 0:
                print(f"self-test: clean logs were flagged")
                failures += 1
            (log_dir / "e2e-server.log").write_text(clean + line + "\n")
            if main(say=lambda _: None) == 0:
                print(f"self-test: a planted {what} was not found")
                failures += 1
    print(f"log scan self-test: {len(planted) - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(self_test() if "--self-test" in sys.argv else main())
