/*
** gen_demo.c — writes the two tables of examples/seed001.tir as CSV:
**
**   gen_demo [--customers N] [--orders M] [--seed S] OUTDIR
**
** customers.csv: customer_id (1..N in shuffled order), name (lowercase,
** built from syllables; about 3% start with "abc" (a dozen distinct), some are exactly "abc",
** about 2% are longer than 12 bytes), gender (M or F).
** sale_orders.csv: order_id (1..M ascending), customer_id (95% in 1..N,
** the rest in N+1..N+N/10, matching no customer), freight (0.00-100.00,
** uniform over the cents).
**
** The output depends only on the arguments: the generator has its own
** PRNG (splitmix64) and draws bounded values with integer arithmetic only.
*/
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define GEN_PROG "gen_demo"
#include "gen_common.h"

static const char *const syllables[] = {
    "an", "ar", "ba", "be", "bo", "ca", "ce", "da", "de", "di", "el", "en", "fa",
    "fi", "ga", "go", "ha", "he", "ia", "il", "in", "ja", "jo", "ka", "ki", "la",
    "le", "li", "lo", "lu", "ma", "me", "mi", "mo", "na", "ne", "ni", "no", "ol",
    "on", "pa", "pe", "ra", "re", "ri", "ro", "sa", "se", "si", "so", "ta", "te",
    "ti", "to", "va", "ve", "vi", "ya", "za", "ber", "cha", "dor", "fer", "gan",
    "han", "kin", "lan", "mar", "nor", "per", "ric", "san", "son", "ter", "tin",
    "ton", "van", "win", "bert", "ella", "iel", "ina", "ine", "ley", "lyn", "ott",
};
enum { NSYLL = sizeof syllables / sizeof syllables[0] };

/* Two are longer than the 12 bytes a string header holds inline. */
static const char *const abc_names[] = {
    "abcanna", "abcbert", "abcdorian", "abcella", "abcfernandez", "abcgabriellaton",
    "abchan", "abcina", "abcjoleyne", "abckinsonville", "abclyn", "abcmar",
};
enum { NABC = sizeof abc_names / sizeof abc_names[0] };

/* A name of len letters (at most 32) that starts with prefix. */
static int make_name(rng *r, char *name, int len, const char *prefix)
{
    int n = (int)strlen(prefix);
    memcpy(name, prefix, (size_t)n);
    while (n < len) {
        const char *s = syllables[rng_below(r, NSYLL)];
        size_t k = strlen(s);
        memcpy(name + n, s, k);
        n += (int)k;
    }
    return len;
}

static int name_for(rng *r, char *name)
{
    uint64_t kind = rng_below(r, 1000);
    if (kind < 3)                          /* 0.3%: exactly "abc" */
        return make_name(r, name, 3, "abc");
    if (kind < 30) {                       /* 2.7%: a few names starting with "abc", so the demo's answer fits a screen */
        const char *s = abc_names[rng_below(r, NABC)];
        memcpy(name, s, strlen(s));
        return (int)strlen(s);
    }
    if (kind < 50)                         /* 2%: longer than the 12 inline bytes */
        return make_name(r, name, 13 + (int)rng_below(r, 12), "");
    return make_name(r, name, 3 + (int)rng_below(r, 10), "");
}

static void usage(void)
{
    fprintf(stderr, "usage: gen_demo [--customers N] [--orders M] [--seed S] OUTDIR\n");
    exit(2);
}

static uint64_t arg_u64(const char *s, uint64_t min, uint64_t max)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (!*s || *end || errno || *s == '-' || v < min || v > max) {
        fprintf(stderr, "gen_demo: bad number '%s' (expected %llu..%llu)\n", s,
                (unsigned long long)min, (unsigned long long)max);
        exit(2);
    }
    return v;
}

int main(int argc, char **argv)
{
    uint64_t ncust = 200000, norders = 5000000, seed = 42;
    const char *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--customers") && i + 1 < argc)
            ncust = arg_u64(argv[++i], 1, 1000000000);        /* ids with N/10 extra stay in i32 */
        else if (!strcmp(argv[i], "--orders") && i + 1 < argc)
            norders = arg_u64(argv[++i], 0, UINT64_MAX / 2);
        else if (!strcmp(argv[i], "--seed") && i + 1 < argc)
            seed = arg_u64(argv[++i], 0, UINT64_MAX);
        else if (argv[i][0] == '-' || dir)
            usage();
        else
            dir = argv[i];
    }
    if (!dir)
        usage();
    gen_mkdirs(dir);

    double t0 = gen_now();
    rng r = { seed };
    char cpath[4096], opath[4096];

    uint32_t *ids = malloc(ncust * sizeof *ids);
    if (!ids) {
        fprintf(stderr, "gen_demo: out of memory\n");
        return 1;
    }
    for (uint64_t i = 0; i < ncust; i++)
        ids[i] = (uint32_t)(i + 1);
    for (uint64_t i = ncust - 1; i > 0; i--) {
        uint64_t j = rng_below(&r, i + 1);
        uint32_t t = ids[i];
        ids[i] = ids[j];
        ids[j] = t;
    }
    out *o = out_open(dir, "customers.csv", "customer_id,name,gender");
    snprintf(cpath, sizeof cpath, "%s", o->path);
    for (uint64_t i = 0; i < ncust; i++) {
        char *p = out_room(o);
        p = put_u64(p, ids[i]);
        *p++ = ',';
        p += name_for(&r, p);
        *p++ = ',';
        *p++ = rng_below(&r, 2) ? 'M' : 'F';
        out_done(o, p);
    }
    free(ids);
    uint64_t cbytes = out_close(o);

    o = out_open(dir, "sale_orders.csv", "order_id,customer_id,freight");
    snprintf(opath, sizeof opath, "%s", o->path);
    uint64_t unmatched = ncust / 10;
    for (uint64_t i = 1; i <= norders; i++) {
        char *p = out_room(o);
        p = put_u64(p, i);
        *p++ = ',';
        uint64_t cust;
        if (unmatched && rng_below(&r, 20) == 0)
            cust = ncust + 1 + rng_below(&r, unmatched);
        else
            cust = 1 + rng_below(&r, ncust);
        p = put_u64(p, cust);
        *p++ = ',';
        uint64_t cents = rng_below(&r, 10001);
        p = put_u64(p, cents / 100);
        *p++ = '.';
        *p++ = (char)('0' + cents / 10 % 10);
        *p++ = (char)('0' + cents % 10);
        out_done(o, p);
    }
    uint64_t obytes = out_close(o);

    double secs = gen_now() - t0;
    fprintf(stderr, "gen_demo: wrote %s (%llu rows, %llu bytes) and %s (%llu rows, %llu bytes) in %.2f s (%.0f MB/s)\n",
            cpath, (unsigned long long)ncust, (unsigned long long)cbytes,
            opath, (unsigned long long)norders, (unsigned long long)obytes, secs,
            (double)(cbytes + obytes) / 1e6 / (secs > 0 ? secs : 1e-9));
    return 0;
}
