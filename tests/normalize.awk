# normalize.awk — canonical CSV rows for multiset comparison between engines:
# numbers with a fraction or exponent are printed with 9 significant digits
# (sums of doubles depend on addition order); -0 becomes 0, and so does
# anything under 1e-9 in magnitude: a sum that cancels out leaves a residue
# whose size depends on the order, which the SIMD width of the machine
# changes (3.55e-15 against sqlite3's 0 on an AVX-512 machine). Pipe through sort.
# -v toksep=SEP: a field holding SEP is a string_agg (group_concat) result,
# whose order the engines need not share; its tokens are sorted, so the
# fields are compared as multisets of tokens.
BEGIN { FS = ","; OFS = "," }

# T[1..n] sorted as strings (a bottom-up merge sort: mawk has no asort).
function sort_tokens(n,   w, lo, mid, hi, i, j, k) {
    for (w = 1; w < n; w *= 2) {
        for (lo = 1; lo <= n; lo += 2 * w) {
            mid = lo + w; hi = lo + 2 * w
            if (mid > n + 1) mid = n + 1
            if (hi > n + 1) hi = n + 1
            i = lo; j = mid; k = lo
            while (i < mid && j < hi)
                U[k++] = ((T[j] "") < (T[i] "")) ? T[j++] : T[i++]
            while (i < mid) U[k++] = T[i++]
            while (j < hi) U[k++] = T[j++]
        }
        for (k = 1; k <= n; k++) T[k] = U[k]
    }
}

{
    sub(/\r$/, "")
    for (i = 1; i <= NF; i++)
        if ($i ~ /^-?[0-9]+\.[0-9]*([eE][-+]?[0-9]+)?$/ || $i ~ /^-?[0-9]+[eE][-+]?[0-9]+$/) {
            v = sprintf("%.9g", ($i + 0 < 1e-9 && $i + 0 > -1e-9) ? 0 : $i + 0)
            if (v == "-0") v = "0"
            $i = v
        }
    if (toksep == "" || !index($0, toksep)) {
        print
        next
    }
    # the tokens are printed one by one: joining megabytes of them into one
    # string would copy it once per token
    for (f = 1; f <= NF; f++) {
        if (f > 1) printf ","
        if (!index($f, toksep)) {
            printf "%s", $f
            continue
        }
        n = split($f, T, toksep)
        sort_tokens(n)
        printf "%s", T[1]
        for (k = 2; k <= n; k++) printf "%s%s", toksep, T[k]
    }
    printf "\n"
}
