#!/usr/bin/env python3
"""tap.py -- runs the Python module's pytest files and reports them as TAP.

Each test is one `ok N` / `not ok N` line, so that meson counts them and
tests/summary.sh adds them to its "N passed, N failed" line; a failure's
report follows as `# ` lines. pytest's own terminal output is off (meson's
TAP parser reads stdout). Exits with pytest's status: a missing numpy or
pytest, or a module that does not import, fails rather than skips.

Usage: tap.py DIR [pytest args...]
"""
import sys

import pytest


class Tap:
    def __init__(self):
        self.n = 0
        self.failed = 0

    def line(self, ok, name, directive="", details=""):
        self.n += 1
        self.failed += not ok
        print(f"{'ok' if ok else 'not ok'} {self.n} - {name}{directive}")
        for text in details.splitlines():
            print(f"# {text}")
        sys.stdout.flush()

    def pytest_collectreport(self, report):
        if report.failed:
            self.line(False, f"collect {report.nodeid}", details=str(report.longrepr))

    def pytest_runtest_logreport(self, report):
        # one line per test: its call, or the phase that failed or skipped it
        if report.when == "call" or report.failed or (report.skipped and report.when == "setup"):
            if report.skipped:
                reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else ""
                self.line(True, report.nodeid, f" # SKIP {reason}")
            elif report.failed:
                self.line(False, f"{report.nodeid} ({report.when})", details=report.longreprtext)
            else:
                self.line(True, report.nodeid)

    def pytest_sessionfinish(self, session, exitstatus):
        print(f"1..{self.n}")


if __name__ == "__main__":
    tap = Tap()
    status = pytest.main(["-p", "no:terminal", "-p", "no:cacheprovider", *sys.argv[1:]], plugins=[tap])
    if tap.n == 0 and status == 0:
        status = 1          # nothing ran: not a pass
    sys.exit(int(status))
