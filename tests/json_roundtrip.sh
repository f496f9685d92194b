#!/bin/sh
# json_roundtrip.sh — every golden case that parses (those that succeed,
# those that fail while running: bad data, limits, overflow, and those the
# checker refuses), run in its four forms: the .tir text, its JSON form
# (tirrun --emit-json) compiled from JSON, the JSON form printed back as
# text (tirrun --emit-tir), and a text program that includes the JSON form.
# The four must print the same rows and exit the same way; TAP output. The
# included JSON form's messages must name the same places in the JSON
# (line:col and path) as the JSON form's own (those at the root aside: the
# include has a place of its own).
# Syntax errors have no JSON form (the JSON diagnostics are
# tests/unit/test_json.c's).
#
#   json_roundtrip.sh TIRRUN CASESDIR [NAME...]
#
# The converted forms are written to a scratch directory whose data/ is the
# cases' own, so that their relative data paths resolve as the original's.
# Only stdout is compared: warnings name a line:col of the text in text and
# of the JSON (and a JSON path) in JSON.

if [ $# -lt 2 ]; then
    echo "usage: $0 TIRRUN CASESDIR [NAME...]" >&2
    exit 2
fi
tirrun=$1
casesdir=$2
shift 2
case $tirrun in
    */*) tirrun=$(cd "$(dirname "$tirrun")" && pwd)/$(basename "$tirrun") ;;
esac
if ! cd "$casesdir"; then
    echo "Bail out! cannot enter $casesdir"
    exit 1
fi
LC_ALL=C
export LC_ALL
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tir-json.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT HUP INT TERM
ln -s "$(pwd)/data" "$tmp/data"

# The cases expected to succeed (no NAME.status, or 0 in it), and those
# expected to fail that have a JSON form.
if [ $# -eq 0 ]; then
    for f in *.tir; do
        name=${f%.tir}
        if [ ! -e "$name.status" ] || [ "$(cat "$name.status")" = 0 ] ||
           "$tirrun" --emit-json "$f" >/dev/null 2>&1; then
            set -- "$@" "$name"
        fi
    done
fi

# run NAME FILE OUT: the case's arguments, then FILE; stdout to OUT, status echoed
run() {
    args=
    [ -e "$1.args" ] && args=$(cat "$1.args")
    # shellcheck disable=SC2086 # ARGS are words
    "$tirrun" --format csv $args "$2" >"$3" 2>"$3.err"
    echo $?
}

# json_messages FILE: the messages of FILE about nodes of $name.json other
# than the root, sorted: each line naming the file (at a line:col of the
# JSON, or at a path) joined with the "  at $.path" line after it; a place
# named inside a message ("first defined at FILE:$.path") as the JSON form
# itself names it ("at $.path").
json_messages() {
    awk -v f="$tmp/$name.json:" '
        function flush() { if (held != "" && at != "  at $") print held at; held = at = "" }
        held != "" && /^  at \$/ { at = $0; next }
        { flush() }
        index($0, f) && !index($0, f "$: ") { held = $0 }
        END { flush() }' "$1" | sed "s|at $tmp/$name.json:\\\$|at \\\$|g" | sort
}

echo "1..$#"
failed=0
n=0
for name in "$@"; do
    n=$((n + 1))
    why=
    want=$(run "$name" "$name.tir" "$tmp/want")
    if ! "$tirrun" --emit-json "$name.tir" >"$tmp/$name.json" 2>"$tmp/err"; then
        why="--emit-json failed: $(head -3 "$tmp/err")"
    elif ! "$tirrun" --emit-tir "$tmp/$name.json" >"$tmp/$name.tir" 2>"$tmp/err"; then
        why="--emit-tir of the JSON failed: $(head -3 "$tmp/err")"
    else
        printf 'include "%s.json"\n' "$name" >"$tmp/$name.inc.tir"
        for form in json tir inc.tir; do
            got=$(run "$name" "$tmp/$name.$form" "$tmp/got.$form")
            if [ -e "$name.sorted" ]; then
                sort -o "$tmp/want" "$tmp/want"
                sort -o "$tmp/got.$form" "$tmp/got.$form"
            fi
            if [ "$got" != "$want" ] || ! cmp -s "$tmp/want" "$tmp/got.$form"; then
                why="$why from .$form: exit $got (want $want) $(diff "$tmp/want" "$tmp/got.$form" | head -5; head -3 "$tmp/got.$form.err")"
            fi
        done
        json_messages "$tmp/got.json.err" >"$tmp/msgs.json"
        json_messages "$tmp/got.inc.tir.err" >"$tmp/msgs.inc"
        cmp -s "$tmp/msgs.json" "$tmp/msgs.inc" ||
            why="$why; included, the JSON form's messages differ: $(diff "$tmp/msgs.json" "$tmp/msgs.inc" | head -5)"
        # text -> JSON -> text -> JSON: the JSON form is a fixed point
        "$tirrun" --emit-json "$tmp/$name.tir" >"$tmp/again.json" 2>/dev/null
        cmp -s "$tmp/$name.json" "$tmp/again.json" || why="$why; the JSON of the printed text differs"
    fi
    if [ -z "$why" ]; then
        echo "ok $n - $name"
    else
        failed=$((failed + 1))
        echo "not ok $n - $name"
        printf '%s\n' "$why" | sed 's/^/# /'
    fi
done
[ $failed -eq 0 ]
