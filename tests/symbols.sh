#!/bin/sh
# symbols.sh — what libtir.so exports (TAP): only the tir_ functions that
# tir.h declares, every one of them, under the soname meson.build sets.
# Internal symbols (ir_alloc, fe_parse, vm_execute, ...) leaking out would
# let embedders depend on them and collide with their own names.
#
#   symbols.sh NM OBJDUMP LIBTIR.SO SONAME TIR.H CC [CC ARGS...]
# CC preprocesses tir.h, so declarations are read without the comments.

if [ $# -lt 6 ]; then
    echo "usage: $0 NM OBJDUMP LIBTIR.SO SONAME TIR.H CC..." >&2
    exit 2
fi
nm=$1 objdump=$2 lib=$3 soname=$4 header=$5
shift 5
export LC_ALL=C
tmp=$(mktemp -d "${TMPDIR:-/tmp}/tir-symbols.XXXXXX") || exit 2
trap 'rm -rf "$tmp"' EXIT

fail=0
echo "1..3"
# Lists a file's lines, at most 20, as TAP diagnostics.
show() {
    head -n 20 "$1" | sed 's/^/#   /'
    n=$(wc -l < "$1")
    [ "$n" -le 20 ] || echo "#   ... and $((n - 20)) more"
}

if ! "$nm" -D --defined-only "$lib" > "$tmp/nm"; then
    echo "not ok 1 - nm -D --defined-only $lib failed"
    exit 1
fi
awk '{ print $NF }' "$tmp/nm" | sort -u > "$tmp/exported"
grep -v '^tir_' "$tmp/exported" > "$tmp/foreign"
if [ -s "$tmp/foreign" ]; then
    fail=1; echo "not ok 1 - $(wc -l < "$tmp/foreign") exported symbols do not start with tir_"
    show "$tmp/foreign"
else
    echo "ok 1 - all $(wc -l < "$tmp/exported") exported symbols start with tir_"
fi

# Declared functions: every "tir_x(" of the preprocessed header but the
# static inline helpers and the function-pointer types (typedef tir_status
# (*tir_rows_fn)(...)), which are not library symbols.
if ! "$@" -E -P -x c "$header" > "$tmp/h"; then
    echo "not ok 2 - could not preprocess $header"
    exit 1
fi
grep -v '^[[:space:]]*static' "$tmp/h" | grep -v '^[[:space:]]*typedef[^;]*(\*' | grep -o 'tir_[a-z0-9_]*[[:space:]]*(' |
    sed 's/[[:space:]]*($//' | sort -u > "$tmp/declared"
comm -23 "$tmp/declared" "$tmp/exported" > "$tmp/missing"
comm -13 "$tmp/declared" "$tmp/exported" > "$tmp/extra"
if [ ! -s "$tmp/declared" ]; then
    fail=1; echo "not ok 2 - no function found in $header"
elif [ -s "$tmp/missing" ] || [ -s "$tmp/extra" ]; then
    fail=1; echo "not ok 2 - exports differ from the $(wc -l < "$tmp/declared") functions of tir.h"
    [ -s "$tmp/missing" ] && echo "# declared (without TIR_API?) but not exported:" && show "$tmp/missing"
    [ -s "$tmp/extra" ] && echo "# exported but not declared in tir.h:" && show "$tmp/extra"
else
    echo "ok 2 - the $(wc -l < "$tmp/declared") functions of tir.h are exported, nothing else"
fi

got=$("$objdump" -p "$lib" | awk '$1 == "SONAME" { print $2 }')
if [ "$got" = "$soname" ]; then
    echo "ok 3 - soname $got"
else
    fail=1; echo "not ok 3 - soname is '$got', meson.build says $soname"
fi
exit $fail
