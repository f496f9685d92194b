#!/usr/bin/env bash
# docs.sh — every fenced code block of README.md and docs/*.md, as written
# (TAP). The block's info string says what it is:
#   ```tir [ARGS]       a whole program: it runs (tirrun ARGS FILE, exit 0)
#                       beside a data/ directory of the demo dataset
#                       (customers, sale_orders; also as native tables) and
#                       a small TPC-H dataset (lineitem, orders .tirt)
#   ```tir-fragment     statements, tables or outputs out of context: they
#                       parse (inside a pipeline when they are statements)
#   ```json-tir [ARGS]  a whole program in its JSON form: it runs, as ```tir
#   ```json-fragment    a node of the JSON form (an expression, a value, a
#                       statement, a table, a frame...): put where such a
#                       node goes in a program, it converts to text
#                       (tirrun --emit-tir), so the schema reads it
#   ```python           a Python script using the module tir: it runs (exit
#                       0; its asserts check it) beside the same data/;
#                       skipped when PYTHON and PYDIR are not given (the
#                       module was not built)
#   ```ebnf, ```text, ```sh, ```c   not tir: skipped
# A block without an info string fails: say what it is.
# Usage: docs.sh TIRRUN GEN_DEMO GEN_TPCH SRCDIR [PYTHON PYDIR]
set -u
tirrun=$(realpath "$1") gen_demo=$(realpath "$2") gen_tpch=$(realpath "$3") src=$(realpath "$4")
python=${5:-} pydir=${6:+$(realpath "$6")}
work=$(mktemp -d /tmp/tir-docs.XXXXXX)
trap 'rm -rf "$work"' EXIT

data=$work/data
"$gen_demo" --customers 300 --orders 3000 "$data" > /dev/null 2>&1 &&
"$gen_tpch" --sf 0.001 "$work/tpch" > /dev/null 2>&1 &&
"$tirrun" import --sort-by name "$data/customers.csv" "$data/customers.tirt" > /dev/null 2>&1 &&
"$tirrun" import --sort-by customer_id "$data/sale_orders.csv" "$data/sale_orders.tirt" > /dev/null 2>&1 &&
"$tirrun" import "$work/tpch/lineitem.csv" "$data/lineitem.tirt" > /dev/null 2>&1 &&
"$tirrun" import "$work/tpch/orders.csv" "$data/orders.tirt" > /dev/null 2>&1 &&
# the tables a block includes (LANGUAGE.md, include), beside their data
printf '%s\n' 'customers: Table = read_csv("customers.csv", header = true) {' \
    '    customer_id: i32 unique, name: string, gender: string' '}' > "$data/tables.tir" || {
    echo "1..1"
    echo "not ok 1 - the docs' datasets could not be made"
    exit 1
}

# Blocks as records: file, line, info string, then the body up to a line "\x1e".
extract() {
    for f in "$src/README.md" "$src"/docs/*.md; do
        awk -v F="${f#"$src"/}" '
            /^```/ { if (!inb) { inb = 1; printf "%s\t%d\t%s\n", F, NR, substr($0, 4); next }
                     inb = 0; print "\036"; next }
            inb { print }' "$f"
    done
}

n=0 failed=0
ok() { n=$((n + 1)); echo "ok $n - $1"; }
notok() {
    n=$((n + 1)); failed=$((failed + 1))
    echo "not ok $n - $1"
    sed 's/^/# /' "$work/out" | head -n 20
}

# Where a node of the JSON form may stand, NODE marking it.
json_homes=(
    'NODE'
    '{"tables": [NODE]}'
    '{"params": [NODE]}'
    '{"pipelines": [NODE]}'
    '{"pipelines": [{"name": "p", "statements": [NODE]}]}'
    '{"outputs": [NODE]}'
    '{"pipelines": [{"name": "p", "statements": [{"target": "v", "op": "o", "args": {"a": NODE}}]}]}'
    '{"pipelines": [{"name": "p", "statements": [{"target": "v", "op": "o", "args": {"a": {"value": 1, "frame": NODE}}}]}]}'
    '{"pipelines": [{"name": "p", "statements": [{"target": "v", "op": "o", "args": {"a": {"value": 1, "frame": {"unit": "rows", "from": NODE}}}}]}]}'
)

check_block() {   # where info file
    local where=$1 info=$2 file=$3 lang=${2%% *} args=""
    [ "$lang" = "$info" ] || args=${info#* }
    case $lang in
    tir | json-tir)
        # a program's JSON form is read from a file named *.json
        [ "$lang" = tir ] || { cp "$file" "${file%.tir}.json"; file=${file%.tir}.json; }
        # shellcheck disable=SC2086  # the info string's arguments, split as written
        if (cd "$work" && "$tirrun" $args "$file") > "$work/out" 2>&1; then
            ok "$where runs"
        else
            notok "$where runs"
        fi ;;
    json-fragment)
        local home placed=0 node
        node=$(cat "$file")
        for home in "${json_homes[@]}"; do
            printf '%s%s%s\n' "${home%%NODE*}" "$node" "${home#*NODE}" > "$work/fragment.json"
            if "$tirrun" --emit-tir "$work/fragment.json" > "$work/out" 2>&1; then
                placed=1
                break
            fi
        done
        if [ $placed -eq 1 ]; then
            ok "$where converts"
        else
            echo "no place in a program reads it as a node of the JSON form" > "$work/out"
            notok "$where converts"
        fi ;;
    tir-fragment)
        # statements go inside a pipeline; tables and outputs stand alone
        if grep -qE '^[A-Za-z_][A-Za-z_0-9]* *= *[a-z_]+( |$)' "$file" && ! grep -q 'Pipeline *=' "$file"; then
            { echo "fragment: Pipeline = {"; cat "$file"; echo "}"; } > "$file.wrapped"
        else
            cp "$file" "$file.wrapped"
        fi
        (cd "$work" && "$tirrun" --explain "$file.wrapped") > "$work/out" 2>&1
        local rc=$?   # 0 or 2 (a compile error out of context); else tirrun did not run
        if grep -q 'syntax error' "$work/out" || { [ $rc -ne 0 ] && [ $rc -ne 2 ]; }; then
            notok "$where parses"
        else
            ok "$where parses"
        fi ;;
    python)
        if [ -z "$python" ]; then
            ok "$where # skip: the Python module was not built"
        elif (cd "$work" && PYTHONPATH="$pydir" "$python" "$file") > "$work/out" 2>&1; then
            ok "$where runs"
        else
            notok "$where runs"
        fi ;;
    ebnf | text | sh | c) ok "$where # skip: $lang" ;;
    "") echo "no info string: mark the block tir, tir-fragment, json-tir, json-fragment, python, ebnf, text, sh or c" > "$work/out"
        notok "$where is marked" ;;
    *) echo "unknown info string '$lang'" > "$work/out"
       notok "$where is marked" ;;
    esac
}

blocks=$work/blocks
extract > "$blocks"
k=0 where="" info="" body=""
while IFS= read -r line; do
    if [ -z "$where" ]; then
        IFS=$'\t' read -r f l info <<< "$line"
        where="$f:$l"
        k=$((k + 1))
        body=$work/block$k.tir
        : > "$body"
    elif [ "$line" = $'\036' ]; then
        check_block "$where" "$info" "$body"
        where=""
    else
        printf '%s\n' "$line" >> "$body"
    fi
done < "$blocks"
echo "1..$n"
[ "$failed" -eq 0 ]
