# normalize.awk — canonical CSV rows for multiset comparison between engines:
# numbers with a fraction or exponent are printed with 9 significant digits
# (sums of doubles depend on addition order); -0 becomes 0. Pipe through sort.
BEGIN { FS = ","; OFS = "," }
{
    sub(/\r$/, "")
    for (i = 1; i <= NF; i++)
        if ($i ~ /^-?[0-9]+\.[0-9]*([eE][-+]?[0-9]+)?$/ || $i ~ /^-?[0-9]+[eE][-+]?[0-9]+$/) {
            v = sprintf("%.9g", $i + 0)
            if (v == "-0") v = "0"
            $i = v
        }
    print
}
