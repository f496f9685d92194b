# gen.awk — the storage test's table: N rows (awk -v n=N -v seed=S).
# id ascending; day = 2020-01-01 + id/20 days (ascending, so sorted blocks
# cover narrow date ranges); cat low-cardinality strings; val f64 with
# NULLs; key i32 pseudo-random with NULLs; note long strings sometimes.
function rnd() { x = (x * 16807) % 2147483647; return x }
BEGIN {
    x = seed + 1
    print "id,day,cat,val,key,note"
    split("31 29 31 30 31 30 31 31 30 31 30 31", mdays, " ")
    for (i = 1; i <= n; i++) {
        d = int(i / 20); y = 2020; m = 1
        while (1) {
            ml = mdays[m] + (m == 2 && y % 4 == 0 ? 0 : (m == 2 ? -1 : 0))
            if (d < ml) break
            d -= ml; m++; if (m > 12) { m = 1; y++ }
        }
        day = sprintf("%04d-%02d-%02d", y, m, d + 1)
        r = rnd()
        cat = (r % 5 == 0) ? "alpha" : (r % 5 == 1) ? "beta" : (r % 5 == 2) ? "gamma" : (r % 5 == 3) ? "delta" : "epsilon"
        val = (rnd() % 13 == 0) ? "" : sprintf("%.2f", (rnd() % 100000) / 100.0)
        key = (rnd() % 17 == 0) ? "" : rnd() % 1000
        note = (rnd() % 3 == 0) ? sprintf("a rather long note number %d", rnd() % 100) : (rnd() % 2 ? "" : "short")
        print i "," day "," cat "," val "," key "," note
    }
}
