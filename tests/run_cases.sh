#!/bin/sh
# run_cases.sh — golden end-to-end tests for tirrun, reported as TAP.
#
#   run_cases.sh [--update] TIRRUN CASESDIR [NAME...]
#
# Each CASESDIR/NAME.tir is run as `TIRRUN --format csv [ARGS] NAME.tir` from
# inside CASESDIR (so relative data paths in cases work), ARGS being the words
# of NAME.args when it exists; a program in its JSON form, NAME.json, the
# same way (its diagnostics, which point into the JSON). stdout and stderr together
# must equal NAME.out and the exit status NAME.status (0 when absent). When
# NAME.sorted exists the lines are compared after sorting, for results whose
# row order is unspecified. --update rewrites .out/.status from what tirrun
# does now: review the diff before committing it.
# Environment: TIR_CASE_TIMEOUT seconds per case (default 120).

update=0
if [ "${1-}" = "--update" ]; then
    update=1
    shift
fi
if [ $# -lt 2 ]; then
    echo "usage: $0 [--update] TIRRUN CASESDIR [NAME...]" >&2
    exit 2
fi
tirrun=$1
casesdir=$2
shift 2

# The cases run from CASESDIR, so a relative TIRRUN must be made absolute.
case $tirrun in
    */*) tirrun=$(cd "$(dirname "$tirrun")" && pwd)/$(basename "$tirrun") ;;
esac
if ! cd "$casesdir"; then
    echo "Bail out! cannot enter $casesdir"
    exit 1
fi

LC_ALL=C
export LC_ALL
timeout_s=${TIR_CASE_TIMEOUT:-120}
if command -v timeout >/dev/null 2>&1; then
    limit="timeout $timeout_s"
else
    limit=
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/tir-cases.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT HUP INT TERM

# The case list: the names given, else every NAME.tir and NAME.json (each
# glob sorted).
if [ $# -eq 0 ]; then
    for f in *.tir *.json; do
        [ -e "$f" ] && set -- "$@" "${f%.*}"
    done
fi

echo "1..$#"
n=0
failed=0
for name in "$@"; do
    n=$((n + 1))
    args=
    [ -e "$name.args" ] && args=$(cat "$name.args")
    file=$name.tir
    [ -e "$file" ] || file=$name.json
    # shellcheck disable=SC2086 # ARGS are words
    $limit "$tirrun" --format csv $args "$file" >"$tmp/actual" 2>&1
    status=$?
    if [ -e "$name.sorted" ]; then
        sort "$tmp/actual" >"$tmp/got"
    else
        cp "$tmp/actual" "$tmp/got"
    fi

    if [ $update -eq 1 ]; then
        cp "$tmp/got" "$name.out"
        if [ $status -eq 0 ]; then
            rm -f "$name.status"
        else
            echo $status >"$name.status"
        fi
        echo "ok $n - $name # updated (exit $status)"
        continue
    fi

    want_status=0
    [ -e "$name.status" ] && want_status=$(cat "$name.status")
    if [ ! -e "$name.out" ]; then
        : >"$tmp/want"
        missing=1
    elif [ -e "$name.sorted" ]; then
        sort "$name.out" >"$tmp/want"
        missing=0
    else
        cp "$name.out" "$tmp/want"
        missing=0
    fi

    if [ $missing -eq 0 ] && [ "$status" = "$want_status" ] && cmp -s "$tmp/want" "$tmp/got"; then
        echo "ok $n - $name"
        continue
    fi
    failed=$((failed + 1))
    echo "not ok $n - $name"
    [ $missing -eq 1 ] && echo "# $name.out is missing (create it with --update)"
    if [ "$status" != "$want_status" ]; then
        if [ $status -eq 124 ] && [ -n "$limit" ]; then
            echo "# timed out after ${timeout_s}s"
        fi
        echo "# exit status $status, expected $want_status"
    fi
    if ! cmp -s "$tmp/want" "$tmp/got"; then
        echo "# diff (- expected, + actual):"
        diff -u "$tmp/want" "$tmp/got" | sed -e '1,2d' -e 's/^/# /'
    fi
done

[ $update -eq 1 ] && exit 0
[ $failed -eq 0 ]
