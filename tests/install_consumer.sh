#!/bin/sh
# install_consumer.sh — tir as an embedder gets it (TAP): `meson install`
# into a temporary DESTDIR, then tests/install/consumer.c built with the
# flags `pkg-config tir` gives and nothing else, run against the installed
# libtir.so.N, then linked with `pkg-config --static` against libtir.a alone.
#
#   install_consumer.sh MESON BUILDDIR PKG_CONFIG OBJDUMP VERSION SONAME CONSUMER.C SANITIZE CC [CC ARGS...]
# SANITIZE: "" or the -fsanitize=... of a sanitized build, which the
# consumer must link too (and which rules out a fully static link).

if [ $# -lt 9 ]; then
    echo "usage: $0 MESON BUILDDIR PKG_CONFIG OBJDUMP VERSION SONAME CONSUMER.C SANITIZE CC..." >&2
    exit 2
fi
meson=$1 build=$2 pkgconfig=$3 objdump=$4 version=$5 soname=$6 src=$7 sanitize=$8
shift 8
# meson test points LD_LIBRARY_PATH at the build tree: the consumer must
# find only the installed copy.
unset LD_LIBRARY_PATH
d=$(mktemp -d "${TMPDIR:-/tmp}/tir-install.XXXXXX") || exit 2
trap 'rm -rf "$d"' EXIT
fail=0
echo "1..4"
# Prints a file as TAP diagnostics.
diag() {
    sed 's/^/#   /' "$1"
}

if ! "$meson" install -C "$build" --no-rebuild --quiet --destdir "$d/root" > "$d/install.log" 2>&1; then
    echo "not ok 1 - meson install --destdir failed"
    diag "$d/install.log"
    exit 1
fi
pc=$(find "$d/root" -name tir.pc -path '*/pkgconfig/*')
so=$(find "$d/root" -name "$soname")
real=$(find "$d/root" -name "$soname.*" -type f)
if [ -n "$pc" ] && [ -n "$so" ] && [ -n "$real" ] &&
   [ -L "$so" ] && [ -L "$(dirname "$so")/libtir.so" ] && [ -f "$(dirname "$so")/libtir.a" ] &&
   [ "$(readlink -f "$so")" = "$(readlink -f "$real")" ] &&
   [ -n "$(find "$d/root" -path '*/include/tir.h')" ] && [ -n "$(find "$d/root" -path '*/include/tir_arrow.h')" ]; then
    echo "ok 1 - installed tir.pc, tir.h, tir_arrow.h, libtir.a, libtir.so -> $soname -> $(basename "$real")"
else
    fail=1
    echo "not ok 1 - the installed files are not all there"
    (cd "$d/root" && find . ! -type d) > "$d/files"
    diag "$d/files"
fi
[ -n "$pc" ] || exit 1
libdir=$(dirname "$so")

# Only the DESTDIR's tir.pc is seen; the sysroot prefixes its -I and -L paths.
PKG_CONFIG_LIBDIR=$(dirname "$pc")
PKG_CONFIG_SYSROOT_DIR=$d/root
export PKG_CONFIG_LIBDIR PKG_CONFIG_SYSROOT_DIR
unset PKG_CONFIG_PATH
got=$("$pkgconfig" --modversion tir)
if [ "$got" = "$version" ]; then
    echo "ok 2 - pkg-config --modversion tir: $got"
else
    fail=1
    echo "not ok 2 - pkg-config --modversion tir says '$got', meson.build $version"
fi

# The data and what the consumer must print for it.
printf 'k,v\na,5\nb,-3\nc,10\ne,7\n' > "$d/t.csv"
# The header's macros (string and numbers) and tir_version() must all say
# meson.build's version.
cat > "$d/expected" <<END
header $version ($version)
library $version
arrow +s n:l s:l
min=0 n=3 s=22
min=8 n=1 s=10
min=100 n=0 s=NULL
END

# Runs the consumer (the command in $@) and compares its output.
check_run() {
    if "$@" "$d" 0 8 100 > "$d/out" 2> "$d/err" && cmp -s "$d/out" "$d/expected"; then
        return 0
    fi
    fail=1
    echo "# expected:"; diag "$d/expected"
    echo "# got:"; diag "$d/out"; diag "$d/err"
    return 1
}
needs_libtir() {
    "$objdump" -p "$1" | awk -v so="$soname" '$1 == "NEEDED" && $2 == so { f = 1 } END { exit !f }'
}

# shellcheck disable=SC2046 # pkg-config's words are meant to split
if "$@" -o "$d/consumer_shared" "$src" $("$pkgconfig" --cflags --libs tir) $sanitize > "$d/cc.log" 2>&1 &&
   needs_libtir "$d/consumer_shared"; then
    if check_run env LD_LIBRARY_PATH="$libdir" "$d/consumer_shared"; then
        echo "ok 3 - built with pkg-config --cflags --libs, runs against the installed $soname"
    else
        echo "not ok 3 - the consumer linked to $soname prints something else"
    fi
else
    fail=1
    echo "not ok 3 - building against $soname failed (or the program does not need it)"
    diag "$d/cc.log"
fi

# The static library alone: the shared one moved away, so -ltir can only
# mean libtir.a and whatever it needs must come from Libs.private.
mkdir "$d/shared" && mv "$libdir"/libtir.so* "$d/shared/"
static=-static
[ -z "$sanitize" ] || static=
# shellcheck disable=SC2046
if "$@" -o "$d/consumer_static" "$src" $("$pkgconfig" --cflags --static --libs tir) $sanitize $static \
        > "$d/cc.log" 2>&1 && ! needs_libtir "$d/consumer_static"; then
    if check_run "$d/consumer_static"; then
        echo "ok 4 - linked with pkg-config --static --libs${static:+ and -static}: same output"
    else
        echo "not ok 4 - the statically linked consumer prints something else"
    fi
else
    fail=1
    echo "not ok 4 - linking with pkg-config --static --libs${static:+ and -static} failed"
    diag "$d/cc.log"
fi
exit $fail
