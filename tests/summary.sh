#!/bin/sh
# summary.sh — one line, "N passed, N failed", for the last `meson test` run
# in BUILDDIR, counting TAP subtests rather than meson's per-program results.
#
#   summary.sh BUILDDIR
#
# meson's testlog.json has one JSON object per test program; a TAP program's
# subtests show up only in its "stdout" text, so each `ok N` / `not ok N`
# line there counts once (SKIP/TODO directives count as neither). A program
# without TAP lines counts once by its result. A program meson failed
# (crash, timeout, bad plan) with no `not ok` line still counts one failure.
# Exits non-zero when anything failed or nothing ran. Plain sh + awk (mawk
# is enough) so a fresh Debian machine needs nothing extra.

if [ $# -ne 1 ]; then
    echo "usage: $0 BUILDDIR" >&2
    exit 2
fi
log=$1/meson-logs/testlog.json
if [ ! -r "$log" ]; then
    echo "$0: no $log (run meson test -C $1 first)" >&2
    exit 2
fi

awk '
# The value of a top-level key on a line whose escaped backslashes and quotes
# were already replaced by \001 and \002, so any raw quote delimits a string.
# meson writes "name", "stdout" and "result" before the nested "env" object,
# so the first match is the top-level key.
function field(line, key,   i, rest) {
    i = index(line, "\"" key "\": ")
    if (i == 0)
        return ""
    rest = substr(line, i + length(key) + 4)
    if (substr(rest, 1, 1) != "\"")
        return ""                       # null
    rest = substr(rest, 2)
    return substr(rest, 1, index(rest, "\"") - 1)
}
function directive(s) {
    return s ~ /#[ \t]*([Ss][Kk][Ii][Pp]|[Tt][Oo][Dd][Oo])/
}
{
    line = $0
    gsub(/\\\\/, "\001", line)
    gsub(/\\"/, "\002", line)
    result = field(line, "result")
    out = field(line, "stdout")
    gsub(/\\n/, "\n", out)
    gsub(/\\t/, "\t", out)
    n = split(out, lines, "\n")
    tap = 0; p = 0; f = 0
    for (i = 1; i <= n; i++) {
        s = lines[i]
        if (s ~ /^1\.\.[0-9]/)
            tap = 1
        else if (s ~ /^ok([ \t]|$)/) {
            tap = 1
            if (!directive(s)) p++
        } else if (s ~ /^not ok([ \t]|$)/) {
            tap = 1
            if (!directive(s)) f++
        }
    }
    good = result == "OK" || result == "SKIP" || result == "EXPECTEDFAIL"
    if (tap) {
        if (!good && f == 0)
            f = 1
    } else if (result == "OK" || result == "EXPECTEDFAIL")
        p = 1
    else if (result != "SKIP")
        f = 1
    passed += p
    failed += f
}
END {
    printf "%d passed, %d failed\n", passed, failed
    exit (failed > 0 || passed + failed == 0) ? 1 : 0
}
' "$log"
