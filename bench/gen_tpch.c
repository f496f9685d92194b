/*
** gen_tpch.c — a deterministic TPC-H-like data generator, writing CSV:
**
**   gen_tpch [--sf X] [--seed S] OUTDIR
**
** Writes lineitem, orders, customer, part, partsupp, supplier, nation and
** region .csv (with a header line) into OUTDIR, with TPC-H's column names,
** cardinalities (SF 1: 6M lineitem, 1.5M orders, 150k customer, 200k part,
** 800k partsupp, 10k supplier, 25 nation, 5 region) and the value rules
** the benchmark queries depend on (TPC-H 2.18, section 4.2.3):
**   - o_orderkey sparse (8 of every 32 keys used), o_custkey never a
**     multiple of 3, o_orderdate uniform in 1992-01-01..1998-08-02;
**   - 1..7 lineitems per order; l_quantity 1..50, l_discount 0.00..0.10,
**     l_tax 0.00..0.08, l_extendedprice = l_quantity * p_retailprice,
**     l_shipdate = o_orderdate + 1..121, l_commitdate = o_orderdate + 30..90,
**     l_receiptdate = l_shipdate + 1..30; l_returnflag R or A when
**     l_receiptdate <= 1995-06-17, else N; l_linestatus O when
**     l_shipdate > 1995-06-17, else F; o_orderstatus F/O/P from them;
**   - p_retailprice from p_partkey by the TPC-H formula, partsupp's
**     supplier formula, c_mktsegment one of 5 values.
** Comments and names are built from word lists, not dbgen's grammar, so
** text columns are TPC-H-shaped but not dbgen's bytes.
**
** Prices are generated as integer cents and printed as decimals, so every
** value reads back as the nearest double in any engine. The output depends
** only on the arguments: one PRNG (splitmix64) per table, seeded from the
** seed and the table, with integer arithmetic only.
*/
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GEN_PROG "gen_tpch"
#include "gen_common.h"

/* Uniform in [lo, hi] by multiply-shift; the bias is below 2^-40 here. */
static int64_t rng_range(rng *r, int64_t lo, int64_t hi)
{
    uint64_t n = (uint64_t)(hi - lo + 1);
    return lo + (int64_t)(((unsigned __int128)rng_next(r) * n) >> 64);
}

static rng rng_for(uint64_t seed, uint64_t table)
{
    rng r = {seed * 0x2545f4914f6cdd1dULL + table * 0x9e3779b97f4a7c15ULL};
    rng_next(&r);
    return r;
}

/* Cents as a decimal with two digits: -1234 -> "-12.34". */
static char *put_cents(char *p, int64_t c)
{
    if (c < 0) {
        *p++ = '-';
        c = -c;
    }
    p = put_i64(p, c / 100);
    *p++ = '.';
    *p++ = (char)('0' + c / 10 % 10);
    *p++ = (char)('0' + c % 10);
    return p;
}

/* prefix followed by n zero-padded to 9 digits, as dbgen's names. */
static char *put_tagged(char *p, const char *prefix, int64_t n)
{
    size_t k = strlen(prefix);
    memcpy(p, prefix, k);
    p += k;
    for (int i = 8; i >= 0; i--) {
        p[i] = (char)('0' + n % 10);
        n /= 10;
    }
    return p + 9;
}

static char *put_str(char *p, const char *s)
{
    size_t k = strlen(s);
    memcpy(p, s, k);
    return p + k;
}

static char *put_c(char *p, char c)
{
    *p++ = c;
    return p;
}

/* Dates are days since 1970-01-01, printed from a table. */
enum { DATE_LO = 8035 /* 1992-01-01 */, DATE_HI = 10591 /* 1998-12-31 */ };
static char date_text[DATE_HI - DATE_LO + 1][10];

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static void dates_init(void)
{
    for (int day = DATE_LO; day <= DATE_HI; day++) {
        int y, m, d;
        civil_from_days(day, &y, &m, &d);
        char tmp[16];
        snprintf(tmp, sizeof tmp, "%04d-%02d-%02d", y, m, d);
        memcpy(date_text[day - DATE_LO], tmp, 10);
    }
}

static char *put_date(char *p, int day)
{
    memcpy(p, date_text[day - DATE_LO], 10);
    return p + 10;
}

static const char *const words[] = {
    "furiously", "sly", "careful", "blithely", "quickly", "fluffily", "slyly", "ironic",
    "final", "regular", "express", "pending", "bold", "special", "even", "silent",
    "unusual", "daring", "ruthless", "idle", "packages", "requests", "accounts", "deposits",
    "foxes", "ideas", "theodolites", "pinto", "beans", "instructions", "dependencies", "excuses",
    "platelets", "asymptotes", "courts", "dolphins", "sleep", "wake", "are", "cajole",
    "haggle", "nag", "use", "boost", "affix", "detect", "integrate", "among", "about", "above",
};
enum { NWORDS = sizeof words / sizeof words[0] };

/* Words up to a length drawn from [lo, hi]; never contains a comma or quote. */
static char *put_text(char *p, rng *r, int lo, int hi)
{
    int len = (int)rng_range(r, lo, hi), n = 0;
    while (n < len) {
        const char *w = words[rng_range(r, 0, NWORDS - 1)];
        int k = (int)strlen(w);
        if (n) {
            if (++n >= len)
                break;
            *p++ = ' ';
        }
        if (k > len - n)
            k = len - n;
        memcpy(p, w, (size_t)k);
        p += k;
        n += k;
    }
    return p;
}

static char *put_phone(char *p, rng *r, int nation)
{
    p = put_i64(p, nation + 10);
    *p++ = '-';
    p = put_i64(p, rng_range(r, 100, 999));
    *p++ = '-';
    p = put_i64(p, rng_range(r, 100, 999));
    *p++ = '-';
    return put_i64(p, rng_range(r, 1000, 9999));
}

static const char *const colors[] = {
    "almond", "antique", "aquamarine", "azure", "beige", "bisque", "black", "blanched", "blue",
    "blush", "brown", "burlywood", "burnished", "chartreuse", "chiffon", "chocolate", "coral",
    "cornflower", "cornsilk", "cream", "cyan", "dark", "deep", "dim", "dodger", "drab",
    "firebrick", "floral", "forest", "frosted", "gainsboro", "ghost", "goldenrod", "green",
    "grey", "honeydew", "hot", "indian", "ivory", "khaki", "lace", "lavender", "lawn", "lemon",
    "light", "lime", "linen", "magenta", "maroon", "medium", "metallic", "midnight", "mint",
    "misty", "moccasin", "navajo", "navy", "olive", "orange", "orchid", "pale", "papaya",
    "peach", "peru", "pink", "plum", "powder", "puff", "purple", "red", "rose", "rosy", "royal",
    "saddle", "salmon", "sandy", "seashell", "sienna", "sky", "slate", "smoke", "snow",
    "spring", "steel", "tan", "thistle", "tomato", "turquoise", "violet", "wheat", "white",
    "yellow",
};
static const char *const type1[] = {"STANDARD", "SMALL", "MEDIUM", "LARGE", "ECONOMY", "PROMO"};
static const char *const type2[] = {"ANODIZED", "BURNISHED", "PLATED", "POLISHED", "BRUSHED"};
static const char *const type3[] = {"TIN", "NICKEL", "BRASS", "STEEL", "COPPER"};
static const char *const cont1[] = {"SM", "LG", "MED", "JUMBO", "WRAP"};
static const char *const cont2[] = {"CASE", "BOX", "BAG", "JAR", "PKG", "PACK", "CAN", "DRUM"};
static const char *const segments[] = {"AUTOMOBILE", "BUILDING", "FURNITURE", "MACHINERY", "HOUSEHOLD"};
static const char *const priorities[] = {"1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW"};
static const char *const instructs[] = {"DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN"};
static const char *const modes[] = {"REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB"};
static const char *const regions[] = {"AFRICA", "AMERICA", "ASIA", "EUROPE", "MIDDLE EAST"};
static const struct {
    const char *name;
    int region;
} nations[] = {
    {"ALGERIA", 0}, {"ARGENTINA", 1}, {"BRAZIL", 1}, {"CANADA", 1}, {"EGYPT", 4},
    {"ETHIOPIA", 0}, {"FRANCE", 3}, {"GERMANY", 3}, {"INDIA", 2}, {"INDONESIA", 2},
    {"IRAN", 4}, {"IRAQ", 4}, {"JAPAN", 2}, {"JORDAN", 4}, {"KENYA", 0},
    {"MOROCCO", 0}, {"MOZAMBIQUE", 0}, {"PERU", 1}, {"CHINA", 2}, {"ROMANIA", 3},
    {"SAUDI ARABIA", 4}, {"VIETNAM", 2}, {"RUSSIA", 3}, {"UNITED KINGDOM", 3}, {"UNITED STATES", 1},
};
#define PICK(r, a) (a[rng_range(r, 0, (int64_t)(sizeof a / sizeof a[0]) - 1)])

/* TPC-H 4.2.3: p_retailprice in cents. */
static int64_t retail_cents(int64_t partkey)
{
    return 90000 + (partkey / 10) % 20001 + 100 * (partkey % 1000);
}

/* TPC-H 4.2.3: the i-th (0..3) supplier of a part. */
static int64_t part_supp(int64_t partkey, int i, int64_t nsupp)
{
    return (partkey + i * (nsupp / 4 + (partkey - 1) / nsupp)) % nsupp + 1;
}

static void gen_small(const char *dir, uint64_t seed)
{
    rng r = rng_for(seed, 1);
    out *o = out_open(dir, "region.csv", "r_regionkey,r_name,r_comment");
    for (int i = 0; i < 5; i++) {
        char *p = out_room(o);
        p = put_i64(p, i);
        p = put_str(put_c(p, ','), regions[i]);
        p = put_text(put_c(p, ','), &r, 31, 115);
        out_done(o, p);
    }
    out_close(o);
    o = out_open(dir, "nation.csv", "n_nationkey,n_name,n_regionkey,n_comment");
    for (int i = 0; i < 25; i++) {
        char *p = out_room(o);
        p = put_i64(p, i);
        p = put_str(put_c(p, ','), nations[i].name);
        p = put_i64(put_c(p, ','), nations[i].region);
        p = put_text(put_c(p, ','), &r, 31, 114);
        out_done(o, p);
    }
    out_close(o);
}

static void gen_supplier(const char *dir, uint64_t seed, int64_t n)
{
    rng r = rng_for(seed, 2);
    out *o = out_open(dir, "supplier.csv", "s_suppkey,s_name,s_address,s_nationkey,s_phone,s_acctbal,s_comment");
    for (int64_t k = 1; k <= n; k++) {
        int nation = (int)rng_range(&r, 0, 24);
        char *p = out_room(o);
        p = put_i64(p, k);
        p = put_tagged(put_c(p, ','), "Supplier#", k);
        p = put_text(put_c(p, ','), &r, 10, 40);
        p = put_i64(put_c(p, ','), nation);
        p = put_phone(put_c(p, ','), &r, nation);
        p = put_cents(put_c(p, ','), rng_range(&r, -99999, 999999));
        p = put_text(put_c(p, ','), &r, 25, 100);
        out_done(o, p);
    }
    out_close(o);
}

static void gen_part(const char *dir, uint64_t seed, int64_t n, int64_t nsupp)
{
    rng r = rng_for(seed, 3);
    out *o = out_open(dir, "part.csv", "p_partkey,p_name,p_mfgr,p_brand,p_type,p_size,p_container,p_retailprice,p_comment");
    out *ps = out_open(dir, "partsupp.csv", "ps_partkey,ps_suppkey,ps_availqty,ps_supplycost,ps_comment");
    for (int64_t k = 1; k <= n; k++) {
        char *p = out_room(o);
        int m = (int)rng_range(&r, 1, 5);
        p = put_i64(p, k);
        *p++ = ',';
        for (int i = 0; i < 5; i++) {
            if (i)
                *p++ = ' ';
            p = put_str(p, PICK(&r, colors));
        }
        p = put_i64(put_str(put_c(p, ','), "Manufacturer#"), m);
        p = put_i64(put_i64(put_str(put_c(p, ','), "Brand#"), m), rng_range(&r, 1, 5));
        p = put_str(put_c(p, ','), PICK(&r, type1));
        p = put_str(put_c(p, ' '), PICK(&r, type2));
        p = put_str(put_c(p, ' '), PICK(&r, type3));
        p = put_i64(put_c(p, ','), rng_range(&r, 1, 50));
        p = put_str(put_c(p, ','), PICK(&r, cont1));
        p = put_str(put_c(p, ' '), PICK(&r, cont2));
        p = put_cents(put_c(p, ','), retail_cents(k));
        p = put_text(put_c(p, ','), &r, 5, 22);
        out_done(o, p);
        for (int i = 0; i < 4; i++) {
            char *q = out_room(ps);
            q = put_i64(q, k);
            q = put_i64(put_c(q, ','), part_supp(k, i, nsupp));
            q = put_i64(put_c(q, ','), rng_range(&r, 1, 9999));
            q = put_cents(put_c(q, ','), rng_range(&r, 100, 100000));
            q = put_text(put_c(q, ','), &r, 49, 198);
            out_done(ps, q);
        }
    }
    out_close(ps);
    out_close(o);
}

static void gen_customer(const char *dir, uint64_t seed, int64_t n)
{
    rng r = rng_for(seed, 4);
    out *o = out_open(dir, "customer.csv", "c_custkey,c_name,c_address,c_nationkey,c_phone,c_acctbal,c_mktsegment,c_comment");
    for (int64_t k = 1; k <= n; k++) {
        int nation = (int)rng_range(&r, 0, 24);
        char *p = out_room(o);
        p = put_i64(p, k);
        p = put_tagged(put_c(p, ','), "Customer#", k);
        p = put_text(put_c(p, ','), &r, 10, 40);
        p = put_i64(put_c(p, ','), nation);
        p = put_phone(put_c(p, ','), &r, nation);
        p = put_cents(put_c(p, ','), rng_range(&r, -99999, 999999));
        p = put_str(put_c(p, ','), PICK(&r, segments));
        p = put_text(put_c(p, ','), &r, 29, 116);
        out_done(o, p);
    }
    out_close(o);
}

enum { CURRENTDATE = 9298 /* 1995-06-17 */, ORDER_LO = DATE_LO, ORDER_HI = 10440 /* 1998-08-02 */ };

static void gen_orders(const char *dir, uint64_t seed, int64_t norders, int64_t ncust, int64_t npart,
                       int64_t nsupp, int64_t nclerk)
{
    rng r = rng_for(seed, 5);
    out *o = out_open(dir, "orders.csv", "o_orderkey,o_custkey,o_orderstatus,o_totalprice,o_orderdate,"
                                     "o_orderpriority,o_clerk,o_shippriority,o_comment");
    out *l = out_open(dir, "lineitem.csv", "l_orderkey,l_partkey,l_suppkey,l_linenumber,l_quantity,"
                                       "l_extendedprice,l_discount,l_tax,l_returnflag,l_linestatus,"
                                       "l_shipdate,l_commitdate,l_receiptdate,l_shipinstruct,"
                                       "l_shipmode,l_comment");
    for (int64_t i = 0; i < norders; i++) {
        int64_t key = (i >> 3 << 5) + (i & 7) + 1;          /* TPC-H's sparse keys */
        int64_t cust;
        do
            cust = rng_range(&r, 1, ncust);
        while (cust % 3 == 0 && ncust >= 3);
        int odate = (int)rng_range(&r, ORDER_LO, ORDER_HI);
        int nlines = (int)rng_range(&r, 1, 7), nf = 0;
        int64_t total = 0;
        for (int ln = 1; ln <= nlines; ln++) {
            int64_t part = rng_range(&r, 1, npart);
            int64_t supp = part_supp(part, (int)rng_range(&r, 0, 3), nsupp);
            int64_t qty = rng_range(&r, 1, 50);
            int64_t ext = qty * retail_cents(part);
            int64_t disc = rng_range(&r, 0, 10), tax = rng_range(&r, 0, 8);
            int ship = odate + (int)rng_range(&r, 1, 121);
            int commit = odate + (int)rng_range(&r, 30, 90);
            int receipt = ship + (int)rng_range(&r, 1, 30);
            char flag = receipt <= CURRENTDATE ? (rng_range(&r, 0, 1) ? 'R' : 'A') : 'N';
            char status = ship > CURRENTDATE ? 'O' : 'F';
            nf += status == 'F';
            /* cents * (100 + tax) * (100 - disc) / 10^4, rounded half up */
            total += (ext * (100 + tax) * (100 - disc) + 5000) / 10000;
            char *p = out_room(l);
            p = put_i64(p, key);
            p = put_i64(put_c(p, ','), part);
            p = put_i64(put_c(p, ','), supp);
            p = put_i64(put_c(p, ','), ln);
            p = put_i64(put_c(p, ','), qty);
            p = put_cents(put_c(p, ','), ext);
            p = put_cents(put_c(p, ','), disc);
            p = put_cents(put_c(p, ','), tax);
            p = put_c(put_c(p, ','), flag);
            p = put_c(put_c(p, ','), status);
            p = put_date(put_c(p, ','), ship);
            p = put_date(put_c(p, ','), commit);
            p = put_date(put_c(p, ','), receipt);
            p = put_str(put_c(p, ','), PICK(&r, instructs));
            p = put_str(put_c(p, ','), PICK(&r, modes));
            p = put_text(put_c(p, ','), &r, 10, 43);
            out_done(l, p);
        }
        char *p = out_room(o);
        p = put_i64(p, key);
        p = put_i64(put_c(p, ','), cust);
        p = put_c(put_c(p, ','), nf == nlines ? 'F' : nf == 0 ? 'O' : 'P');
        p = put_cents(put_c(p, ','), total);
        p = put_date(put_c(p, ','), odate);
        p = put_str(put_c(p, ','), PICK(&r, priorities));
        p = put_tagged(put_c(p, ','), "Clerk#", rng_range(&r, 1, nclerk));
        p = put_str(p, ",0,");
        p = put_text(p, &r, 19, 78);
        out_done(o, p);
    }
    out_close(l);
    out_close(o);
}

static void usage(void)
{
    fprintf(stderr, "usage: gen_tpch [--sf X] [--seed S] OUTDIR\n");
    exit(2);
}

/* n * sf rounded, at least 1. */
static int64_t scaled(int64_t n, double sf)
{
    int64_t v = (int64_t)(n * sf + 0.5);
    return v < 1 ? 1 : v;
}

int main(int argc, char **argv)
{
    double sf = 1;
    uint64_t seed = 42;
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        char *end;
        if (!strcmp(argv[i], "--sf") && i + 1 < argc) {
            errno = 0;
            sf = strtod(argv[++i], &end);
            /* SF 300 keeps the sparse order keys (4 * 1.5M * SF) within i32. */
            if (*end || errno || !(sf > 0 && sf <= 300)) {
                fprintf(stderr, "gen_tpch: bad scale factor '%s' (expected 0 < SF <= 300)\n", argv[i]);
                exit(2);
            }
        } else if (!strcmp(argv[i], "--seed") && i + 1 < argc) {
            errno = 0;
            seed = strtoull(argv[++i], &end, 10);
            if (*end || errno || argv[i][0] == '-' || !argv[i][0]) {
                fprintf(stderr, "gen_tpch: bad seed '%s'\n", argv[i]);
                exit(2);
            }
        } else if (argv[i][0] == '-' || dir)
            usage();
        else
            dir = argv[i];
    }
    if (!dir)
        usage();
    gen_mkdirs(dir);
    dates_init();
    double t0 = gen_now();
    int64_t nsupp = scaled(10000, sf), npart = scaled(200000, sf), ncust = scaled(150000, sf);
    int64_t norders = scaled(1500000, sf), nclerk = scaled(1000, sf);
    if (nsupp < 4)              /* partsupp's formula needs 4 distinct suppliers */
        nsupp = 4;
    gen_small(dir, seed);
    gen_supplier(dir, seed, nsupp);
    gen_part(dir, seed, npart, nsupp);
    gen_customer(dir, seed, ncust);
    gen_orders(dir, seed, norders, ncust, npart, nsupp, nclerk);
    fprintf(stderr, "gen_tpch: SF %g into %s in %.1f s\n", sf, dir, gen_now() - t0);
    return 0;
}
