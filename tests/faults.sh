#!/usr/bin/env bash
# faults.sh — I/O failures injected into every file-changing system call of
# import, write_table and delete, as TAP. For each operation and each N the
# test shim (tests/faultinject/faultinject.c, LD_PRELOAD) fails the N-th
# call on the table's directory (open for writing, write, fsync, close,
# rename, unlink, flock...) until a run no longer reaches N; after each
# failed run:
#   - tirrun exits non-zero with "tirrun: error:", the errno's text and the
#     table's path;
#   - before the commit (the rename onto the table or its deletion file):
#     the old table and deletion file are byte for byte what they were and
#     describe --verify passes;
#   - after it (the directory sync): the new state is whole and the error
#     says it is in place;
#   - no temporary file is left.
# A failure the library may ignore (removing the old deletion file) must
# leave the new state. Two sweeps: EIO at every call; short writes (half
# the bytes, then ENOSPC) at every write. Then every write short without
# failing must still produce the right table. Then the same for spill
# files (see the end).
#
# Usage: faults.sh TIRRUN FAULTINJECT.so TESTSDIR
set -u
tirrun=$(realpath "$1")
shim=$(realpath "$2")
# An ASan build's runtime wants to come first; the shim only forwards calls.
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

n=0; fail=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() { n=$((n + 1)); fail=$((fail + 1)); echo "not ok $n - $1"; shift; for l in "$@"; do echo "$l" | head -20 | sed 's/^/# /'; done; }

db=faultdb            # the only directory the shim touches
gen() { # gen ROWS OFFSET > csv
    awk -v n="$1" -v o="$2" 'BEGIN { print "id,v,s"; for (i = 1; i <= n; i++) printf "%d,%d,s%d\n", i + o, (i * 7) % 1000, i % 5000 }'
}
# Tables over 1 MiB, so a table write makes several write() calls.
gen 250000 0 > a.csv
gen 200000 1000000 > b.csv
mkdir base src "$db"
"$tirrun" import --block-rows 8192 a.csv base/t.tirt 2>/dev/null &&
    "$tirrun" import --block-rows 8192 b.csv src/b.tirt 2>/dev/null || { echo "Bail out! imports"; exit 1; }
cat > count.tir <<EOF
t: Table = read_table("$db/t.tirt")
p: Pipeline = { v = table_scan :table = t :columns = ["id", "v", "s"]
    s = aggregate :input = v :aggregates = { "n": count(*), "ids": sum(\$in.id), "vs": sum(\$in.v), "lo": min(\$in.s), "hi": max(\$in.s) } }
output p.s
EOF
cat > delete.tir <<EOF
t: Table = read_table("$db/t.tirt")
p: Pipeline = { v1 = table_scan :table = t :columns = ["id"]
    v2 = filter :input = v1 :expr = \$in.id % 3 == 0
    d = delete :input = v2 }
output p.d
EOF
cat > write.tir <<EOF
b: Table = read_table("src/b.tirt")
p: Pipeline = { v = table_scan :table = b
    w = write_table :input = v :path = "$db/t.tirt" }
output p.w
EOF
sed "s|$db/t.tirt|base/t.tirt|; s|% 3 == 0|% 5 == 0|" delete.tir > predelete.tir
# base: the table with some rows deleted; base0: without a deletion file
cp base/t.tirt base0.tirt
"$tirrun" --format csv predelete.tir > /dev/null || { echo "Bail out! predelete"; exit 1; }
[ -e base/t.tirt.del ] || { echo "Bail out! no deletion file"; exit 1; }

# operation NAME: the command, the starting files, what commits it
op_cmd() {
    case $1 in
    import|import_new) "$tirrun" import --block-rows 8192 b.csv $db/t.tirt ;;
    write_table) "$tirrun" --format csv write.tir ;;
    delete|delete_first) "$tirrun" --format csv delete.tir ;;
    esac
}
op_setup() {
    rm -rf "$db"; mkdir "$db"
    case $1 in
    import|write_table|delete) cp base/t.tirt base/t.tirt.del "$db"/ ;;
    delete_first) cp base0.tirt "$db"/t.tirt ;;
    import_new) ;;
    esac
}
op_target() { case $1 in delete|delete_first) echo "$db/t.tirt.del" ;; *) echo "$db/t.tirt" ;; esac; }

# The logical state of the table: its description and a query over it.
state() {
    [ -e $db/t.tirt ] || { echo "no table"; return; }
    "$tirrun" describe --verify $db/t.tirt 2>&1 | sed 1d
    "$tirrun" --format csv count.tir 2>&1
}
# The files before the operation, byte for byte.
same_files() {
    local f
    for f in t.tirt t.tirt.del; do
        if [ -e "$1/$f" ]; then cmp -s "$1/$f" "$db/$f" || return 1
        else [ ! -e "$db/$f" ] || return 1; fi
    done
}
leftovers() { ls -A "$db" | grep -E '\.tmp\.' | tr '\n' ' '; }

# sweep OP MODE: fail call N = 1, 2, ... until the operation no longer reaches N
sweep() {
    local op=$1 mode=$2 target want old errtext N st out log failed committed bad="" points=0
    target=$(op_target "$op")
    op_setup "$op"; old=$work/old.$op; rm -rf "$old"; cp -a "$db" "$old"
    op_cmd "$op" > /dev/null 2>&1 || { notok "$op: runs without faults"; return; }
    want=$(state)
    if [ "$mode" = short ]; then export FI_OPS=write FI_ERRNO=short; errtext="No space left on device"
    else unset FI_OPS; export FI_ERRNO=EIO; errtext="Input/output error"; fi
    for ((N = 1; N <= 300; N++)); do
        op_setup "$op"
        rm -f fi.log
        out=$(FI_MATCH=$db FI_FAIL=$N FI_LOG=$work/fi.log LD_PRELOAD="$shim" op_cmd "$op" 2>&1); st=$?
        failed=$(grep '^FAIL' fi.log 2>/dev/null)
        if [ -z "$failed" ]; then
            [ $st = 0 ] && [ "$(state)" = "$want" ] || bad="no fault at $N: exit $st: $out"
            break
        fi
        points=$N
        # committed: the rename onto the target happened before the failed call
        committed=0
        sed '/^FAIL/q' fi.log | grep -v '^FAIL' | grep -q "^[0-9]* rename .* -> .*$target\$" && committed=1
        ctx="call $N ($failed)"
        if [ $st = 0 ]; then
            case $failed in
            *" unlink "*) [ "$(state)" = "$want" ] || bad="$ctx: exit 0 but not the new state" ;;
            *) bad="$ctx: the failure was not reported: $out" ;;
            esac
        elif ! echo "$out" | grep -q "tirrun: error: .*$db/t.tirt.*$errtext"; then
            bad="$ctx: exit $st, message: $out"
        elif [ $committed = 0 ]; then
            same_files "$old" || bad="$ctx: the old files changed: $out"
            if [ -z "$bad" ] && [ -e $db/t.tirt ] && ! "$tirrun" describe --verify $db/t.tirt > /dev/null 2> v.err; then
                bad="$ctx: describe --verify: $(cat v.err)"
            fi
        else
            echo "$out" | grep -q "in place" || bad="$ctx: after the commit, the message does not say so: $out"
            [ "$(state)" = "$want" ] || bad="$ctx: after the commit, not the new state: $out"
        fi
        [ -z "$(leftovers)" ] || bad="$ctx: left behind: $(leftovers)"
        [ -n "$bad" ] && break
    done
    unset FI_OPS FI_ERRNO
    if [ -z "$bad" ] && [ $points -gt 0 ]; then
        ok "$op: $mode failure at each of $points calls reported, old state intact, nothing left behind"
    else
        notok "$op: $mode failures" "$bad" "log: $(tr '\n' '|' < fi.log 2>/dev/null)"
    fi
}

for op in import write_table delete import_new delete_first; do
    sweep $op eio
    sweep $op short
done

# every write short, none failing: the library must loop and get it right
bad=""
for op in import write_table delete; do
    op_setup $op; op_cmd $op > /dev/null 2>&1; want=$(state)
    op_setup $op
    out=$(FI_MATCH=$db FI_SHORT_ALL=1 LD_PRELOAD="$shim" op_cmd $op 2>&1) || bad="$op: $out"
    [ -z "$bad" ] && [ "$(state)" = "$want" ] || { bad="$op: a different table after short writes: $out"; break; }
done
[ -z "$bad" ] && ok "short writes (every one) give the same tables" || notok "short writes give the same tables" "$bad"

# Spill files: a filter's rows made on disk and a group-by reading them, a
# hash join's build and probe sides, and a sort and its relation read by
# the next pipeline, forced to spill, with a
# failure (a full disk) at the N-th open or write in the temp directory, N
# spread over all of them (the sort's include the writes of its merge
# passes). Each must stop the run with a clear error naming the statement
# and the directory, and leave the directory empty; every write short (none
# failing) gives the answer. Closes are not counted: a spill file is closed
# once read to its end, so a failed close loses nothing and is no error,
# and with two workers the calls interleave differently from run to run.
spill=spilldir
mkdir "$spill"
cat > group.tir <<EOF
a: Table = read_csv("a.csv", header = true) { id: i64, v: i32, s: string }
f: Pipeline = { u1 = table_scan :table = a
    u2 = filter :input = u1 :expr = \$in.v != 7 }
p: Pipeline = { v1 = table_scan :table = f.u2
    g = hash_group_by :input = v1 :group_by = ["s"] :aggregates = { "n": count(*), "sv": sum(\$in.v), "hi": max(\$in.id) } }
output p.g
EOF
cat > join.tir <<EOF
a: Table = read_csv("a.csv", header = true) { id: i64, v: i32, s: string }
b: Pipeline = { u1 = table_scan :table = a
    ht = build_hash :input = u1 :key = ["id"] :value = ["s"] }
p: Pipeline = { v1 = table_scan :table = a
    v2 = hash_join :input = v1 :kind = left :ht = b.ht :key = [\$in.v] :projection = [\$in.id, \$ht.s] }
output p.v2
EOF
cat > sort.tir <<EOF
a: Table = read_csv("a.csv", header = true) { id: i64, v: i32, s: string }
p: Pipeline = { v1 = table_scan :table = a
    o = sort :input = v1 :by = [\$in.s desc, \$in.v] }
q: Pipeline = { w1 = table_scan :table = p.o
    w2 = filter :input = w1 :expr = \$in.id % 2 == 0 }
output q.w2
EOF
# spill_faults PROGRAM WHO: the sweep for PROGRAM.tir, whose error must name
# WHO (an extended regular expression); a sort's rows are compared in order
spill_faults() {
    local prog=$1 who=$2 th=2 order="env LC_ALL=C sort" want total bad points N out st
    [ "$prog" = sort ] && order=cat
    spill_run() { "$tirrun" --format csv --threads $th --force-spill --temp-dir "$spill" "$prog.tir" | $order; }
    want=$("$tirrun" --format csv --threads $th "$prog.tir" | $order)
    [ "$(spill_run 2>&1)" = "$want" ] || notok "spill, $prog: forced spill gives the in-memory answer"
    total=$(rm -f fi.log; FI_MATCH=$spill FI_OPS=open,write FI_LOG=$work/fi.log LD_PRELOAD="$shim" spill_run > /dev/null 2>&1
            grep -c . fi.log)
    bad="" points=0
    for ((N = 1; N <= total; N = N < 8 ? N + 1 : N * 3 / 2)); do
        out=$(FI_MATCH=$spill FI_OPS=open,write FI_FAIL=$N FI_ERRNO=ENOSPC LD_PRELOAD="$shim" \
              "$tirrun" --format csv --threads $th --force-spill --temp-dir "$spill" "$prog.tir" 2>&1); st=$?
        points=$((points + 1))
        if [ $st != 1 ] || ! echo "$out" | grep -qE "tirrun: error: .*($who).*spill file in $spill: No space left on device"; then
            bad="call $N of $total: exit $st: $(echo "$out" | tail -n 3)"; break
        fi
        [ -z "$(ls -A "$spill")" ] || { bad="call $N: left behind: $(ls -A "$spill")"; break; }
    done
    [ -z "$bad" ] && [ "$total" -gt 16 ] &&
        ok "spill, $prog: a full disk at $points of $total calls is a clear error and leaves nothing" ||
        notok "spill, $prog: a full disk is a clear error and leaves nothing" "$bad (total $total)"
    out=$(FI_MATCH=$spill FI_SHORT_ALL=1 LD_PRELOAD="$shim" spill_run 2>&1)
    [ "$out" = "$want" ] && ok "spill, $prog: short writes give the same answer" ||
        notok "spill, $prog: short writes give the same answer" "$(echo "$out" | head -3)"
}
spill_faults group "g = hash_group_by|u2 = filter"
spill_faults join "ht = build_hash|v2 = hash_join"
spill_faults sort "o = sort"

echo "1..$n"
[ "$fail" -eq 0 ]
