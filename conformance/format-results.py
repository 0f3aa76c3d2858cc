#!/usr/bin/python3
"""Turns a Tempest subunit stream into Neutrino's diff-friendly results file.

One line per selected test, sorted by test id:
    passed  <test id>
    failed  <test id> — <one-line reason>
    skipped <test id> — <skip reason>
A class whose setUpClass failed or skipped reports no test of its own; each of its tests
gets the class's outcome and reason, so the set of lines stays the same from run to run.
Class-level errors that leave the tests' own results standing (tearDownClass) get a line
of their own. The file ends with the wall time and, as its last line,
    tempest: N passed, M failed, K skipped
Runs with Debian's python3 (python3-subunit and testtools come with Tempest).
"""
import argparse
import re

import subunit
import testtools

STATUS = {"success": "passed", "fail": "failed", "skip": "skipped",
          "xfail": "passed", "uxsuccess": "failed"}
CLASS_FIXTURE = re.compile(r"^(setUpClass|tearDownClass) \((.+)\)$")
MAX_REASON = 400


def read_stream(path):
    tests = {}
    with open(path, "rb") as stream:
        case = subunit.ByteStreamToStreamResult(stream, non_subunit_name="stdout")
        sink = testtools.StreamToDict(lambda t: tests.__setitem__(t["id"], t))
        sink.startTestRun()
        case.run(sink)
        sink.stopTestRun()
    return tests


def detail_text(test, name):
    content = test["details"].get(name)
    return content.as_text() if content is not None else ""


def one_line(text):
    return " ".join(text.split())


FRAME = re.compile(r'^\s*File "([^"]+)", line (\d+), in (\S+)')
# Frames inside clients and test machinery say nothing about which step failed.
PLUMBING = ("/tempest/lib/common/rest_client.py", "/tempest/lib/services/", "/testtools/",
            "/unittest/", "/tempest/lib/decorators.py", "/tempest/test.py")


def failing_step(lines):
    """`file:line function` of the innermost frame in a test or Tempest's own helpers."""
    for line in reversed(lines):
        m = FRAME.match(line)
        if m and not any(p in m.group(1) for p in PLUMBING):
            return f"{m.group(1).rsplit('/', 1)[-1]}:{m.group(2)} {m.group(3)}"
    return ""


def failure_reason(traceback):
    """The exception line of a traceback, with Tempest's `Details:` line when it has one,
    and where in the test it happened."""
    lines = [line for line in traceback.rstrip().splitlines() if line.strip()]
    step = failing_step(lines)
    return (f"[{step}] " if step else "") + exception_line(lines)


def exception_line(lines):
    """The exception and its whole message: everything after the last frame's source line
    (Tempest adds a `Details:` line, testtools puts reference and actual values on lines
    of their own)."""
    frames = [i for i, line in enumerate(lines) if FRAME.match(line)]
    if not frames:
        return " ".join(lines) if lines else "no traceback recorded"
    rest = lines[frames[-1] + 1:]
    if rest and rest[0].startswith("    "):
        rest = rest[1:]
    return " ".join(rest) or lines[-1]


def reason_of(test, status):
    if status == "skipped":
        text = detail_text(test, "reason")
    elif status == "failed":
        text = failure_reason(detail_text(test, "traceback"))
    else:
        return ""
    text = one_line(text) or "(no reason given)"
    if len(text) <= MAX_REASON:
        return text
    # Mismatches put the long value first and the telling part last: keep both ends.
    half = MAX_REASON // 2
    return text[:half] + " … " + text[-half:]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--subunit", required=True)
    ap.add_argument("--selected", required=True, help="test ids the regex selects, one per line")
    ap.add_argument("--summary", help="tempest-run.sh summary.txt (wall time)")
    ap.add_argument("--regex", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()

    selected = [line.strip() for line in open(args.selected) if line.strip()]
    lines = {}          # test id -> (status, reason)
    class_outcome = {}  # class path -> (status, reason) from setUpClass
    for test_id, test in read_stream(args.subunit).items():
        status = STATUS.get(test["status"])
        if status is None:  # exists / inprogress: a worker died mid-test
            status, reason = "failed", "no result recorded (test did not finish)"
        else:
            reason = reason_of(test, status)
        fixture = CLASS_FIXTURE.match(test_id)
        if fixture and fixture.group(1) == "setUpClass":
            class_outcome[fixture.group(2)] = (status, reason)
            continue
        if fixture and status == "passed":
            continue
        lines[test_id] = (status, reason)

    for test_id in selected:
        if test_id in lines:
            continue
        cls = test_id.split("[")[0].rsplit(".", 1)[0]
        if cls in class_outcome:
            status, reason = class_outcome[cls]
            lines[test_id] = (status, f"setUpClass {status}: {reason}")
        else:
            lines[test_id] = ("failed", "not run (no result recorded)")

    wall = ""
    if args.summary:
        for line in open(args.summary):
            if line.startswith("wall time:"):
                wall = line.strip()
    counts = {s: sum(1 for st, _ in lines.values() if st == s) for s in ("passed", "failed", "skipped")}
    with open(args.out, "w") as out:
        out.write("# Tempest network API tests against Neutrino: written by conformance/run.sh, do not edit.\n")
        out.write(f"# regex: {args.regex}\n")
        for test_id in sorted(lines):
            status, reason = lines[test_id]
            out.write(f"{status:<7} {test_id}" + (f" — {reason}" if reason else "") + "\n")
        out.write(f"# {len(lines)} tests; {wall or 'wall time: unknown'}\n")
        out.write(f"tempest: {counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped\n")


if __name__ == "__main__":
    main()
