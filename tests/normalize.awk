# normalize.awk — canonical CSV rows for multiset comparison between engines:
# numbers with a fraction or exponent are printed with 9 significant digits
# (sums of doubles depend on addition order); -0 becomes 0, and so does
# anything under 1e-9 in magnitude: a sum that cancels out leaves a residue
# whose size depends on the order, which the SIMD width of the machine
# changes (3.55e-15 against sqlite3's 0 on an AVX-512 machine). Pipe through sort.
BEGIN { FS = ","; OFS = "," }
{
    sub(/\r$/, "")
    for (i = 1; i <= NF; i++)
        if ($i ~ /^-?[0-9]+\.[0-9]*([eE][-+]?[0-9]+)?$/ || $i ~ /^-?[0-9]+[eE][-+]?[0-9]+$/) {
            v = sprintf("%.9g", ($i + 0 < 1e-9 && $i + 0 > -1e-9) ? 0 : $i + 0)
            if (v == "-0") v = "0"
            $i = v
        }
    print
}
