/*
** sweep.c — allocation-failure sweep, SQLite's malloc test for tir (TAP).
**
** For each operation (compiles, runs of plans with joins, group-by, sort,
** window, merge_join..., imports, describe, write_table, delete, Arrow
** export, registration, a live stream and tir_run_each) and each
** N = 1, 2, 3, ... the operation runs in a forked child whose N-th
** allocation fails (allocfail.c), until a run no longer reaches N. Each
** child checks:
**   - a reached failure gives TIR_ERR_NOMEM and a message that says so,
**     or OK with exactly the result of a run without failures (a failure
**     the library tolerates, like a thread not started);
**   - a written table is byte for byte what it was, no temporary file is
**     left, or (OK) the table is exactly the one a clean run writes;
**   - the engine still works: the same call again, without failures,
**     gives the right result;
**   - after every tir_*_free, LeakSanitizer finds no leak and no mapping
**     is left.
** A crash, sanitizer report or hang (alarm) kills the child: the parent
** reports it with its N. The first run of each operation counts its
** allocations and records the right answer.
**
** Usage: sweep [--step K] [--jobs J] [--persistent] [--only SUBSTR] [--at N] [-v]
**              [--keep] [--list]
**   --step K      fail only every K-th allocation point (1, 1+K, ...)
**   --jobs J      children at once (default 2)
**   --persistent  every allocation after the N-th fails too
**   --at N        only allocation N (with AF_BACKTRACE=1: where it is made)
**   -v            list the failures the library tolerated
**   --keep        keep the work directory (data, tables) for a look
** Environment: AF_TIMEOUT seconds a child may take (default 120);
** AF_BACKTRACE=1 prints the stack of each failed allocation; AF_SHOW=1
** prints the text a compile's answer is made of.
*/
#define _GNU_SOURCE
#include "allocfail.h"
#include "tir_arrow.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define HAVE_LSAN 1
#else
#define HAVE_LSAN 0
#endif

/* ------------------------------------------------------------ the data */

static const char a_schema[] =
    "id: i64 unique, g: i32 nullable, x: i32 nullable, s: string nullable, d: date, f: f64 nullable";
static const char b_schema[] = "k: i32 nullable, v: string, w: i64 nullable";

static uint64_t mix(uint64_t i)
{
    uint64_t x = i * 0x9E3779B97F4A7C15ull + 0x632BE59BD9B4E019ull;
    x ^= x >> 31;
    x *= 0xBF58476D1CE4E5B9ull;
    return x ^ (x >> 29);
}

static void write_csvs(void)
{
    FILE *f = fopen("a.csv", "w");
    fprintf(f, "id,g,x,s,d,f\n");
    for (int i = 1; i <= 1500; i++) {
        uint64_t h = mix((uint64_t)i) >> 8;
        fprintf(f, "%d,", i);
        if (h % 13) fprintf(f, "%d", (int)(h / 7 % 20));
        fputc(',', f);
        if (h % 11) fprintf(f, "%d", (int)(h / 3 % 1000) - 500);
        fputc(',', f);
        if (h % 9 == 0) ;
        else if (h % 4 == 0) fprintf(f, "a_shared_prefix_%d", (int)(h / 13 % 50));
        else if (h % 4 == 1) fprintf(f, "a_shared_prefix_%d_and_more", (int)(h / 13 % 50));
        else fprintf(f, "k%d", (int)(h / 13 % 30));
        fprintf(f, ",%d-%02d-%02d,", 1995 + (int)(h / 17 % 3), 1 + (int)(h / 5 % 12), 1 + (int)(h / 19 % 28));
        if (h % 7) fprintf(f, "%g", (double)(h / 11 % 4000) / 8.0 - 250);
        fputc('\n', f);
    }
    fclose(f);
    f = fopen("b.csv", "w");
    fprintf(f, "k,v,w\n");
    for (int i = 1; i <= 400; i++) {
        uint64_t h = mix((uint64_t)i + 100000) >> 8;
        if (h % 19) fprintf(f, "%d", (int)(h / 5 % 1200) - 600);
        fprintf(f, ",v%d_%s,", (int)(h % 1000), h % 3 ? "long_enough_to_leave_the_header" : "x");
        if (h % 5) fprintf(f, "%d", (int)(h / 3 % 1000));
        fputc('\n', f);
    }
    fclose(f);
}

/* ------------------------------------------------------------ the programs */

/* %A, %B: tables a and b, as CSV files or (op.native) native tables */
#define AB "a: Table = %A\nb: Table = %B\n"

/* hash join (left), dynamic min-max, group-by, aggregate over CSV tables */
static const char p_join_group[] =
    AB
    "pb: Pipeline = {\n"
    "    v = table_scan :table = b :columns = [\"k\", \"v\", \"w\"]\n"
    "    mm = aggregate :input = v :aggregates = { \"lo\": min($in.k), \"hi\": max($in.k), \"n\": count(*) }\n"
    "    ht = build_hash :input = v :key = [\"k\"] :value = [\"v\", \"w\"]\n"
    "}\n"
    "pa: Pipeline = {\n"
    "    v = table_scan :table = a :columns = [\"id\", \"g\", \"x\", \"s\", \"f\"]\n"
    "        :minmaxes = { \"x\": [pb.mm.lo, pb.mm.hi] }\n"
    "    f = filter :input = v :expr = $in.id % 5 != 0 && ($in.s like \"a_shared%\" || $in.s is null)\n"
    "    j = hash_join :input = f :kind = left :ht = pb.ht :key = [$in.x]\n"
    "        :projection = [$in.g, $in.s, $ht.v, $ht.w, $in.f]\n"
    "    p = project :input = j :columns = { \"g\": $in.g, \"s\": $in.s, \"v\": $in.v,\n"
    "        \"w2\": case when $in.w is null then 0 else $in.w * 2 end, \"f\": $in.f }\n"
    "    gb = hash_group_by :input = p :group_by = [\"g\", \"s\"]\n"
    "        :aggregates = { \"n\": count(*), \"w\": sum($in.w2), \"mv\": max($in.v), \"af\": avg($in.f) }\n"
    "    t = aggregate :input = p :aggregates = { \"n\": count($in.v), \"lo\": min($in.s) }\n"
    "}\n"
    "output pa.gb\noutput pa.t\n";

/* a plain sort of strings, which tir_run_each takes as its last merge makes it when it spilled */
static const char p_sort_plain[] =
    "a: Table = read_table(\"a_x.tirt\")\n"
    "p: Pipeline = {\n"
    "    v = table_scan :table = a :columns = [\"id\", \"s\", \"f\"]\n"
    "    o = sort :input = v :by = [$in.s, $in.id desc]\n"
    "}\n"
    "output p.o\n";

/* inner/semi/anti hash joins on a string key, a bloom filter */
static const char p_join_kinds[] =
    AB
    "pb: Pipeline = {\n"
    "    v = table_scan :table = b\n"
    "    f = filter :input = v :expr = $in.k > -300\n"
    "    bf = build_bloom :input = f :key = [\"k\"]\n"
    "    ht = build_hash :input = f :key = [\"k\"] :value = [\"v\"]\n"
    "}\n"
    "pa: Pipeline = {\n"
    "    v = table_scan :table = a :columns = [\"id\", \"x\", \"s\"] :blooms = { \"x\": pb.bf }\n"
    "    j = hash_join :input = v :ht = pb.ht :key = [$in.x] :projection = [$in.id, $in.s, $ht.v]\n"
    "    semi = hash_join :input = v :ht = pb.ht :key = [$in.x] :kind = semi\n"
    "    anti = hash_join :input = v :ht = pb.ht :key = [$in.x] :kind = anti\n"
    "    cs = aggregate :input = semi :aggregates = { \"n\": count(*), \"ids\": sum($in.id) }\n"
    "    ca = aggregate :input = anti :aggregates = { \"n\": count(*), \"ids\": sum($in.id) }\n"
    "}\n"
    "output pa.j\noutput pa.cs\noutput pa.ca\n";

/* sort, top-N and window over a native table; a filter the blocks prune */
static const char p_sort_window[] =
    "a: Table = read_table(\"a_x.tirt\")\n"
    "p: Pipeline = {\n"
    "    v = table_scan :table = a :columns = [\"id\", \"g\", \"x\", \"s\", \"f\"]\n"
    "    f = filter :input = v :expr = $in.x > -400\n"
    "    w = window :input = f :partition_by = [$in.g] :order_by = [$in.id] :functions = {\n"
    "        \"rn\": row_number(), \"r\": rank(),\n"
    "        \"s3\": sum($in.x) rows between 3 preceding and current row,\n"
    "        \"mx\": max($in.s) rows between current row and 2 following,\n"
    "        \"lg\": lag($in.f)\n"
    "    }\n"
    "}\n"
    "q: Pipeline = {\n"
    "    v = table_scan :table = a\n"
    "    top = sort :input = v :by = [$in.f desc, $in.id] :limit = 20 :offset = 3\n"
    "}\n"
    "r: Pipeline = {\n"
    "    v = table_scan :table = a :columns = [\"id\", \"s\", \"d\"]\n"
    "    s = sort :input = v :by = [$in.s desc nulls first, $in.d, $in.id]\n"
    "}\n"
    "output p.w\noutput q.top\noutput r.s\n";

/* merge joins: native tables imported sorted, and sorts of CSV tables */
static const char p_merge[] =
    AB
    "ax: Table = read_table(\"a_x.tirt\")\n"
    "bk: Table = read_table(\"b_k.tirt\")\n"
    "m: Pipeline = {\n"
    "    v = table_scan :table = ax :columns = [\"id\", \"x\"]\n"
    "    j = merge_join :input = v :right = bk :key = [$in.x] :right_key = [\"k\"] :kind = left\n"
    "        :projection = [$in.id, $in.x, $right.v, $right.w]\n"
    "}\n"
    "ls: Pipeline = {\n"
    "    v = table_scan :table = a :columns = [\"id\", \"s\"]\n"
    "    s = sort :input = v :by = [$in.s desc]\n"
    "}\n"
    "rs: Pipeline = {\n"
    "    v = table_scan :table = b\n"
    "    s = sort :input = v :by = [$in.v desc]\n"
    "}\n"
    "p: Pipeline = {\n"
    "    v = table_scan :table = ls.s\n"
    "    j = merge_join :input = v :right = rs.s :key = [$in.s] :right_key = [\"v\"] :kind = anti\n"
    "    c = aggregate :input = j :aggregates = { \"n\": count(*), \"ids\": sum($in.id) }\n"
    "}\n"
    "output m.j\noutput p.c\n";

/* write_table over a table that has a deletion file */
static const char p_write[] =
    "ax: Table = read_table(\"a_x.tirt\")\n"
    "p: Pipeline = {\n"
    "    v = table_scan :table = ax :columns = [\"id\", \"x\", \"s\"]\n"
    "    f = filter :input = v :expr = $in.id % 3 != 0\n"
    "    w = write_table :input = f :path = \"db/t.tirt\" :bloom = [\"s\"]\n"
    "}\n"
    "output p.w\n";

static const char p_delete[] =
    "t: Table = read_table(\"db/t.tirt\")\n"
    "p: Pipeline = {\n"
    "    v = table_scan :table = t :columns = [\"k\", \"w\"]\n"
    "    f = filter :input = v :expr = $in.w > 300 || $in.k is null\n"
    "    d = delete :input = f\n"
    "}\n"
    "output p.d\n";

/* type errors of many kinds: the checker's error paths */
static const char p_type_errors[] =
    AB
    "c: Table = read_table(\"a_x.tirt\")\n"
    "p: Pipeline = {\n"
    "    v = table_scan :table = a :columns = [\"id\", \"nope\", \"s\"]\n"
    "    f = filter :input = v :expr = $in.s + 1\n"
    "    j = hash_join :input = f :ht = q.ht :key = [$in.s]\n"
    "    g = hash_group_by :input = f :group_by = [\"zz\"] :aggregates = { \"n\": sum($in.s) }\n"
    "    s = sort :input = v :by = [$in.unknown]\n"
    "    m = merge_join :input = v :right = b :key = [$in.id] :right_key = [\"k\"]\n"
    "}\n"
    "q: Pipeline = {\n"
    "    v = table_scan :table = c\n"
    "    ht = build_hash :input = v :key = [\"x\"] :value = [\"nah\"]\n"
    "    w = window :input = v :functions = { \"r\": rank(), \"l\": lag($in.f, \"x\") }\n"
    "}\n"
    "output p.none\noutput q.w\n";

/* lexer and parser errors, with recovery at the next statement */
static const char p_syntax_errors[] =
    AB
    "p: Pipeline = {\n"
    "    v = table_scan :table = a :columns = [\"id\", \"s\"\n"
    "    f = filter :input = v :expr = $in.id ++ 3 @ 4\n"
    "    g = aggregate :input = f :aggregates = { \"n\": count(*) \"m\": 1 }\n"
    "    h = 'bad \\q'\n"
    "}\n"
    "q: Pipeline = { v = table_scan :table = a\n"
    "    x = filter :input = v :expr = date \"2020-13-45\" == 1.5e99999 }\n"
    "output p.g\n";

/* the columns from the file (read_table without a block) */
static const char p_file_schema[] =
    "ax: Table = read_table(\"a_x.tirt\")\n"
    "p: Pipeline = {\n"
    "    v = table_scan :table = ax\n"
    "    f = filter :input = v :expr = ($in.x >= 1 && $in.x <= 2) || $in.d >= date \"1996-01-01\"\n"
    "    c = aggregate :input = f :aggregates = { \"n\": count(*), \"x\": sum(cast($in.x as i64)) }\n"
    "}\n"
    "output p.c\n";

/* Programs of many pipelines (AST, checker and bytecode over many arena
** blocks), or many errors (the diagnostics grow, then hit the limit):
** the templates below are these markers. */
static const char p_many[] = "many", p_many_errors[] = "many errors";

static char *many_pipelines(bool errors)
{
    size_t cap = 64 * 1024, n = 0;
    char *s = malloc(cap);
    n += (size_t)snprintf(s + n, cap - n, "a: Table = read_csv(\"a.csv\") { %s }\nb: Table = read_csv(\"b.csv\") { %s }\n",
                          a_schema, b_schema);
    for (int i = 0; i < 40; i++) {
        bool bad = errors && i % 3 == 1;
        n += (size_t)snprintf(s + n, cap - n,
                              "p%d: Pipeline = {\n"
                              "    v = table_scan :table = %s :columns = [\"id\", \"g\", \"x\", \"s\"]\n"
                              "    f = filter :input = v :expr = $in.x > %d && $in.%s like \"a%%\"\n",
                              i, i % 5 == 4 ? "p1.k" : "a", i, bad ? "nope" : "s");
        switch (i % 4) {
        case 0:
            n += (size_t)snprintf(s + n, cap - n, "    k = hash_group_by :input = f :group_by = [\"g\"] "
                                                  ":aggregates = { \"n\": count(*), \"m\": max($in.%s) }\n",
                                  bad ? "g + \"x\"" : "s");
            break;
        case 1:
            n += (size_t)snprintf(s + n, cap - n, "    k = sort :input = f :by = [$in.s desc, $in.id] :limit = %d\n",
                                  bad ? -1 : i);
            break;
        case 2:
            n += (size_t)snprintf(s + n, cap - n,
                                  "    k = window :input = f :partition_by = [$in.g] :order_by = [$in.id] "
                                  ":functions = { \"r\": rank(), \"l\": lag($in.%s) }\n",
                                  bad ? "zz" : "x");
            break;
        default:
            n += (size_t)snprintf(s + n, cap - n,
                                  "    h = build_hash :input = f :key = [\"g\"] :value = [\"s\"]\n"
                                  "    k = aggregate :input = f :aggregates = { \"n\": count(*), \"x\": sum($in.%s) }\n",
                                  bad ? "s" : "x");
        }
        n += (size_t)snprintf(s + n, cap - n, "}\noutput p%d.k\n", i);
    }
    return s;
}

/* the state of db/t.tirt: every row, and the checksums verified */
static const char p_state[] =
    "t: Table = read_table(\"db/t.tirt\")\n"
    "p: Pipeline = { v = table_scan :table = t }\n"
    "output p.v\n";

/* Arrow: a's rows exported (tir_arrow.h) and registered back as "back",
** which p_arrow_back reads; every release callback runs once or
** LeakSanitizer / AddressSanitizer say so. */
static const char p_arrow[] =
    AB
    "p: Pipeline = {\n"
    "    v = table_scan :table = a :columns = [\"id\", \"g\", \"s\", \"d\", \"f\"]\n"
    "    f = filter :input = v :expr = $in.id % 3 != 0\n"
    "}\n"
    "output p.f\n";
static const char p_arrow_back[] =
    "back: Table = registered(\"back\")\n"
    "p: Pipeline = {\n"
    "    v = table_scan :table = back\n"
    "    gb = hash_group_by :input = v :group_by = [\"g\"]\n"
    "        :aggregates = { \"n\": count(*), \"s\": max($in.s), \"d\": min($in.d), \"f\": sum($in.f) }\n"
    "}\n"
    "output p.gb\n";

/* ------------------------------------------------------------ operations */

typedef enum { OP_COMPILE, OP_RUN, OP_RUN_EACH, OP_IMPORT, OP_DESCRIBE, OP_ARROW, OP_ARROW_LIVE } op_kind;

typedef struct op {
    const char *name;
    op_kind kind;
    const char *prog;         /* OP_COMPILE, OP_RUN */
    int threads;
    bool warm;                /* OP_RUN: one run without failures first (tables cached) */
    bool confine;             /* the engine may use only the work directory */
    bool native;              /* %A, %B are the native tables (2 threads need several morsels) */
    bool spill;               /* group-bys spill after every batch (tir_config.force_spill) */
    int sample;               /* fail every (sample x step)-th point only: a forced spill makes
                               * 15k allocations, each spill repeating the same few */
    bool every;               /* every point whatever --step: the operation writes a table, and a
                               * failure after the write must not be reported (sparse steps missed one) */
    const char *seed;         /* db/ before the operation: "t" = b_k.tirt with a deletion file */
    /* OP_IMPORT */
    const char *csv, *schema, *sort_by, *bloom;
} op;

static const op ops[] = {
    {.name = "compile join_group (engine_new too, confined)", .kind = OP_COMPILE, .prog = p_join_group, .confine = true},
    {.name = "compile sort_window", .kind = OP_COMPILE, .prog = p_sort_window},
    {.name = "compile merge", .kind = OP_COMPILE, .prog = p_merge},
    {.name = "compile file_schema", .kind = OP_COMPILE, .prog = p_file_schema},
    {.name = "compile type_errors", .kind = OP_COMPILE, .prog = p_type_errors},
    {.name = "compile syntax_errors", .kind = OP_COMPILE, .prog = p_syntax_errors},
    {.name = "compile 40 pipelines", .kind = OP_COMPILE, .prog = p_many},
    {.name = "compile 40 pipelines, 13 with errors", .kind = OP_COMPILE, .prog = p_many_errors},
    {.name = "run join_group t1", .kind = OP_RUN, .prog = p_join_group, .threads = 1},
    {.name = "run join_group native t2", .kind = OP_RUN, .prog = p_join_group, .threads = 2, .native = true},
    {.name = "run join_group t1 warm", .kind = OP_RUN, .prog = p_join_group, .threads = 1, .warm = true},
    {.name = "run join_group t1 spilled", .kind = OP_RUN, .prog = p_join_group, .threads = 1, .spill = true,
     .sample = 25},
    {.name = "run join_group native t2 spilled", .kind = OP_RUN, .prog = p_join_group, .threads = 2, .native = true,
     .spill = true, .sample = 25},
    {.name = "run_each join_group t1 spilled", .kind = OP_RUN_EACH, .prog = p_join_group, .threads = 1,
     .spill = true, .sample = 60},
    {.name = "run_each sort t2 spilled", .kind = OP_RUN_EACH, .prog = p_sort_plain, .threads = 2, .spill = true,
     .sample = 25},
    {.name = "run join_kinds t1", .kind = OP_RUN, .prog = p_join_kinds, .threads = 1},
    {.name = "run join_kinds native t2", .kind = OP_RUN, .prog = p_join_kinds, .threads = 2, .native = true},
    {.name = "run sort_window t1", .kind = OP_RUN, .prog = p_sort_window, .threads = 1},
    {.name = "run sort_window t2", .kind = OP_RUN, .prog = p_sort_window, .threads = 2},
    {.name = "run merge t1", .kind = OP_RUN, .prog = p_merge, .threads = 1},
    {.name = "run merge native t2", .kind = OP_RUN, .prog = p_merge, .threads = 2, .native = true},
    {.name = "run file_schema t2 warm", .kind = OP_RUN, .prog = p_file_schema, .threads = 2, .warm = true},
    {.name = "run write_table t1", .kind = OP_RUN, .prog = p_write, .threads = 1, .seed = "t", .every = true},
    {.name = "run write_table t2 confined", .kind = OP_RUN, .prog = p_write, .threads = 2, .seed = "t", .confine = true, .every = true},
    {.name = "run delete t1", .kind = OP_RUN, .prog = p_delete, .threads = 1, .seed = "t", .every = true},
    {.name = "run delete t2", .kind = OP_RUN, .prog = p_delete, .threads = 2, .seed = "t", .every = true},
    {.name = "import sorted, bloom, over a table (confined)", .kind = OP_IMPORT, .seed = "t", .confine = true,
     .csv = "a.csv", .schema = a_schema, .sort_by = "x desc nulls first, id", .bloom = "s, g"},
    {.name = "import inferred, new table", .kind = OP_IMPORT, .csv = "b.csv"},
    {.name = "describe --verify (confined)", .kind = OP_DESCRIBE, .confine = true},
    {.name = "arrow export, register, run t2", .kind = OP_ARROW, .prog = p_arrow, .threads = 2},
    {.name = "arrow live stream, register, run t1", .kind = OP_ARROW_LIVE, .prog = p_arrow, .threads = 1},
};
enum { NOPS = sizeof ops / sizeof ops[0] };

/* The program text with %A / %B replaced by the tables' sources and columns. */
static char *program_text(const char *tmpl, bool native)
{
    size_t cap = strlen(tmpl) + 2 * (sizeof a_schema + sizeof b_schema) + 64, n = 0;
    char *s = malloc(cap);
    for (const char *p = tmpl; *p; p++) {
        const char *sub = p[0] == '%' && p[1] == 'A' ? a_schema : p[0] == '%' && p[1] == 'B' ? b_schema : NULL;
        if (sub) {
            const char *file = native ? (p[1] == 'A' ? "a_x.tirt" : "b_k.tirt") : (p[1] == 'A' ? "a.csv" : "b.csv");
            n += (size_t)sprintf(s + n, "%s(\"%s\") { %s }", native ? "read_table" : "read_csv", file, sub);
            p++;
        } else {
            s[n++] = *p;
        }
    }
    s[n] = 0;
    return s;
}

/* ------------------------------------------------------------ digests */

typedef struct digest {
    uint64_t h;
} digest;

static void dg_add(digest *d, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        d->h = (d->h ^ b[i]) * 0x100000001B3ull;
}

static void dg_str(digest *d, const char *s)
{
    dg_add(d, s, strlen(s) + 1);
}

static int cmp_lines(const void *x, const void *y)
{
    return strcmp(*(char *const *)x, *(char *const *)y);
}

/* A result as text, rows sorted (threads may reorder them; f64 sums are
** rounded to 9 digits for the same reason), hashed. */
static uint64_t result_digest(const tir_result *r)
{
    digest d = {0xCBF29CE484222325ull};
    for (size_t o = 0; o < tir_result_noutputs(r); o++) {
        size_t nc = tir_result_ncols(r, o);
        dg_str(&d, tir_result_output_name(r, o));
        for (size_t c = 0; c < nc; c++) {
            dg_str(&d, tir_result_col_name(r, o, c));
            dg_str(&d, tir_type_name(tir_result_col_type(r, o, c)));
        }
        uint64_t nrows = tir_result_nrows(r, o), k = 0;
        char **lines = calloc(nrows + 1, sizeof *lines);
        for (size_t b = 0; b < tir_result_nbatches(r, o); b++) {
            for (uint32_t i = 0; i < tir_result_batch_rows(r, o, b); i++) {
                char *line = NULL;
                size_t len = 0;
                FILE *f = open_memstream(&line, &len);
                for (size_t c = 0; c < nc; c++) {
                    const uint64_t *valid = tir_result_batch_validity(r, o, b, c);
                    const void *data = tir_result_batch_data(r, o, b, c);
                    if (valid && !(valid[i / 64] >> (i % 64) & 1)) {
                        fputs("NULL|", f);
                        continue;
                    }
                    switch (tir_result_col_type(r, o, c)) {
                    case TIR_BOOL: fprintf(f, "%d|", ((const uint8_t *)data)[i]); break;
                    case TIR_I32: case TIR_DATE: fprintf(f, "%d|", ((const int32_t *)data)[i]); break;
                    case TIR_I64: case TIR_DECIMAL: case TIR_TIMESTAMP: fprintf(f, "%lld|", (long long)((const int64_t *)data)[i]); break;
                    case TIR_F64: fprintf(f, "%.9g|", ((const double *)data)[i]); break;
                    case TIR_STRING: {
                        const tir_str *s = &((const tir_str *)data)[i];
                        fprintf(f, "'%.*s'|", (int)s->len, tir_str_ptr(s));
                        break;
                    }
                    default: fputs("?|", f);
                    }
                }
                fclose(f);
                lines[k++] = line;
            }
        }
        qsort(lines, k, sizeof *lines, cmp_lines);
        for (uint64_t i = 0; i < k; i++) {
            dg_str(&d, lines[i]);
            free(lines[i]);
        }
        free(lines);
        dg_add(&d, &nrows, sizeof nrows);
    }
    return d.h;
}

/* tir_run_each's callback: the handed rows into the digest at ctx, in
** order and without allocating (the failures are armed meanwhile). */
static tir_status each_digest(void *ctx, const tir_result *r)
{
    digest *d = ctx;
    for (size_t b = 0; b < tir_result_nbatches(r, 0); b++)
        for (uint32_t i = 0; i < tir_result_batch_rows(r, 0, b); i++)
            for (size_t c = 0; c < tir_result_ncols(r, 0); c++) {
                const uint64_t *valid = tir_result_batch_validity(r, 0, b, c);
                const unsigned char *data = tir_result_batch_data(r, 0, b, c);
                tir_type t = tir_result_col_type(r, 0, c);
                if (valid && !(valid[i / 64] >> (i % 64) & 1)) {
                    dg_add(d, "N", 1);
                } else if (t == TIR_STRING) {
                    const tir_str *x = &((const tir_str *)data)[i];
                    dg_add(d, tir_str_ptr(x), x->len);
                } else {
                    size_t w = t == TIR_BOOL ? 1 : t == TIR_I32 || t == TIR_DATE ? 4 : 8;
                    dg_add(d, data + i * w, w);
                }
            }
    return TIR_OK;
}

static uint64_t text_digest(const char *s)
{
    digest d = {0xCBF29CE484222325ull};
    dg_str(&d, s ? s : "(null)");
    return d.h;
}

/* ------------------------------------------------------------ files */

static bool same_file(const char *a, const char *b)
{
    FILE *x = fopen(a, "rb"), *y = fopen(b, "rb");
    bool same = (x == NULL) == (y == NULL);
    while (same && x) {
        int c = getc(x);
        same = c == getc(y);
        if (c == EOF)
            break;
    }
    if (x)
        fclose(x);
    if (y)
        fclose(y);
    return same;
}

static void copy_file(const char *from, const char *to)
{
    FILE *x = fopen(from, "rb"), *y = fopen(to, "wb");
    int c;
    while ((c = getc(x)) != EOF)
        putc(c, y);
    fclose(x);
    fclose(y);
}

/* db/ as the operation finds it. */
static void seed_db(const op *o)
{
    DIR *d = opendir("db");
    struct dirent *de;
    char p[600];
    while (d && (de = readdir(d)))
        if (de->d_name[0] != '.') {
            snprintf(p, sizeof p, "db/%s", de->d_name);
            unlink(p);
        }
    if (d)
        closedir(d);
    if (o->seed) {
        copy_file("seed/t.tirt", "db/t.tirt");
        copy_file("seed/t.tirt.del", "db/t.tirt.del");
    }
}

/* db/ is what seed_db left: the files are the same bytes, nothing else but
** the writers' lock file. */
static bool db_untouched(const op *o, char *why, size_t cap)
{
    const char *names[] = {"t.tirt", "t.tirt.del"};
    for (int i = 0; i < 2; i++) {
        char a[64], b[64];
        snprintf(a, sizeof a, "db/%s", names[i]);
        snprintf(b, sizeof b, "seed/%s", names[i]);
        if (o->seed ? !same_file(a, b) : access(a, F_OK) == 0) {
            snprintf(why, cap, "%s changed", a);
            return false;
        }
    }
    DIR *d = opendir("db");
    struct dirent *de;
    bool ok = true;
    while (ok && (de = readdir(d)))
        if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && strcmp(de->d_name, "t.tirt") &&
            strcmp(de->d_name, "t.tirt.del") && strcmp(de->d_name, "t.tirt.lock")) {
            snprintf(why, cap, "left behind: db/%s", de->d_name);
            ok = false;
        }
    closedir(d);
    return ok;
}

/* ------------------------------------------------------------ a child */

enum { V_NOT_REACHED = 1, V_FAILED, V_TOLERATED, V_BUG };

typedef struct report {
    int verdict;
    long count, failed;
    uint64_t digest;          /* reference run: the answer */
    int status;
    char why[1500];
} report;

static report *shared;        /* one per job slot, MAP_SHARED */
/* Set when a call that reports failure by status alone failed: a result
** has no engine to hold a message (tir_result_arrow_stream, and
** tir_run_arrow_stream before its run starts: TIR_ERR_NOMEM only). */
static const char *status_only;
static long fail_at;
static bool persistent;
static uint64_t want;         /* the answer, from the reference run */
static char root[512];        /* the work directory */

static void bug(report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bug(report *r, const char *fmt, ...)
{
    if (r->verdict == V_BUG)
        return;               /* the first one says most */
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->why, sizeof r->why, fmt, ap);
    va_end(ap);
    r->verdict = V_BUG;
}

static tir_engine *new_engine(const op *o)
{
    const char *const dirs[] = {root, NULL};
    tir_config cfg = {.threads = o->threads ? o->threads : 1, .batch_size = 256,
                      .allowed_dirs = o->confine ? dirs : NULL, .force_spill = o->spill, .temp_dir = root};
    return tir_engine_new(&cfg);
}

/* The table in db/: its rows (sorted) and its description, which must verify. */
static uint64_t db_state(report *r)
{
    tir_engine *e = new_engine(&(op){0});
    tir_program *p = NULL;
    tir_result *res = NULL;
    uint64_t h = 0;
    char *text = NULL;
    if (access("db/t.tirt", F_OK) != 0)
        h = 1;
    else if (tir_compile(e, "state.tir", p_state, strlen(p_state), &p) || tir_run(p, &res))
        bug(r, "reading db/t.tirt back: %s", tir_engine_errmsg(e));
    else if (tir_table_describe(e, "db/t.tirt", true, &text))
        bug(r, "describe --verify db/t.tirt: %s", tir_engine_errmsg(e));
    else   /* the description too: a bloom filter or a statistic dropped is a different table */
        h = result_digest(res) ^ text_digest(text);
    free(text);
    tir_result_free(res);
    tir_program_free(p);
    tir_engine_free(e);
    return h;
}

/* What a failed call must say: TIR_ERR_NOMEM (not an I/O, data or compile
** error the caller would blame on its files or program) and a message
** saying so. */
static void check_error(report *r, tir_status st, const char *msg)
{
    r->status = st;
    if (st != TIR_ERR_NOMEM)
        bug(r, "status %s, not %s: %.400s", tir_status_name(st), tir_status_name(TIR_ERR_NOMEM), msg ? msg : "");
    else if (!msg || !strstr(msg, "memory"))   /* "out of memory", "Cannot allocate memory" */
        bug(r, "status %s, but the message does not say memory ran out: %.400s", tir_status_name(st),
            msg ? msg : "(none)");
}

/* One armed attempt of the operation; h receives its answer. */
static tir_status attempt(const op *o, tir_engine **e, tir_program **p, const char *src, bool armed,
                          uint64_t *h, report *r)
{
    tir_status st = TIR_OK;
    *h = 0;
    if (o->seed || o->kind == OP_IMPORT)
        seed_db(o);
    if (armed)
        af_arm(fail_at, persistent);
    switch (o->kind) {
    case OP_COMPILE:
        if (!*e && !(*e = new_engine(o))) {
            st = TIR_ERR_NOMEM;   /* documented: NULL only when out of memory */
            break;
        }
        tir_program_free(*p);
        *p = NULL;
        st = tir_compile(*e, "prog.tir", src, strlen(src), p);
        break;
    case OP_RUN: {
        tir_result *res = NULL;
        st = tir_run(*p, &res);
        af_disarm();
        if (!st)
            *h = result_digest(res);
        else if (res)
            bug(r, "tir_run failed but set a result");
        tir_result_free(res);
        break;
    }
    case OP_RUN_EACH: {   /* the digests of the rows handed over, in order, then the result's */
        tir_result *res = NULL;
        digest d = {0xCBF29CE484222325ull};
        st = tir_run_each(*p, 0, each_digest, &d, &res);
        af_disarm();
        if (!st) {
            uint64_t rest = result_digest(res);
            dg_add(&d, &rest, sizeof rest);
            *h = d.h;
        } else if (res) {
            bug(r, "tir_run_each failed but set a result");
        }
        tir_result_free(res);
        break;
    }
    case OP_IMPORT: {
        tir_import_opts io = {.schema = o->schema, .sort_by = o->sort_by, .bloom = o->bloom, .block_rows = 256};
        uint64_t rows = 0;
        st = tir_import_csv(*e, o->csv, "db/t.tirt", &io, &rows);
        *h = rows;
        break;
    }
    case OP_ARROW:
    case OP_ARROW_LIVE: {
        /* p's output leaves as an Arrow stream (of a finished result, or
        ** live) and comes back registered; p_arrow_back runs over it */
        tir_result *res = NULL;
        struct ArrowArrayStream out = {0};
        if (o->kind == OP_ARROW_LIVE)
            st = tir_run_arrow_stream(*p, 0, &out);
        else if (!(st = tir_run(*p, &res)))
            st = tir_result_arrow_stream(res, 0, &out);
        if (st && res)
            status_only = "out of memory (tir_result_arrow_stream)";
        tir_result_free(res);
        res = NULL;
        if (!st)
            st = tir_engine_register_arrow_stream(*e, "back", &out);
        if (out.release)
            bug(r, "the stream was not moved");
        tir_program *q = NULL;
        if (!st)
            st = tir_compile(*e, "back.tir", p_arrow_back, strlen(p_arrow_back), &q);
        if (!st && !(st = tir_run(q, &res))) {
            af_disarm();
            *h = result_digest(res);
        }
        tir_result_free(res);
        tir_program_free(q);
        if (!st)   /* on failure it may not be there, and the message must stay the failure's */
            tir_engine_unregister(*e, "back");
        break;
    }
    case OP_DESCRIBE: {
        char *text = NULL;
        st = tir_table_describe(*e, "a_x.tirt", true, &text);
        af_disarm();
        if (!st)
            *h = text_digest(text);
        else if (text)
            bug(r, "describe failed but returned text");
        free(text);
        break;
    }
    }
    af_disarm();
    if (o->kind == OP_COMPILE && *e) {
        digest d = {*h};
        dg_add(&d, &st, sizeof st);
        const char *text = st == TIR_OK ? tir_program_explain(*p) : tir_program_diag_text(*p);
        dg_str(&d, text);
        if (getenv("AF_SHOW"))   /* debugging: what the answer is made of */
            fprintf(stderr, "--- allocation %ld: %s\n%s\n", fail_at, tir_status_name(st), text);
        *h = d.h;
    }
    if (o->seed || o->kind == OP_IMPORT) {
        if (st == TIR_OK)
            *h ^= db_state(r) * 31;
        else if (armed && st != TIR_ERR_COMPILE) {
            char why[700];
            if (!db_untouched(o, why, sizeof why))
                bug(r, "after the failure (%s): %s", tir_engine_errmsg(*e), why);
        }
    }
    return st;
}

static void child(const op *o, report *r)
{
    memset(r, 0, sizeof *r);
    long maps0 = af_live_maps();
    alarm(getenv("AF_TIMEOUT") ? (unsigned)atoi(getenv("AF_TIMEOUT")) : 120);
    char *src = o->prog == p_many || o->prog == p_many_errors ? many_pipelines(o->prog == p_many_errors)
                : o->prog                                   ? program_text(o->prog, o->native)
                                                            : NULL;
    tir_engine *e = NULL;
    tir_program *p = NULL;
    uint64_t h;
    if (o->kind != OP_COMPILE) {
        if (o->seed)
            seed_db(o);
        e = new_engine(o);
        if ((o->kind == OP_RUN || o->kind == OP_RUN_EACH || o->kind == OP_ARROW || o->kind == OP_ARROW_LIVE) &&
            tir_compile(e, "prog.tir", src, strlen(src), &p)) {
            bug(r, "does not compile: %s", tir_engine_errmsg(e));
            goto done;
        }
        if (o->warm) {
            attempt(o, &e, &p, src, false, &h, r);
            if (r->verdict == V_BUG)
                goto done;
        }
    }
    tir_status st = attempt(o, &e, &p, src, true, &h, r);
    r->count = af_count();
    r->failed = af_failed();
    r->status = st;
    if (r->verdict == V_BUG)
        goto done;
    if (fail_at == 0) {          /* the reference run */
        r->digest = h;
        if (st != TIR_OK && !(o->kind == OP_COMPILE && st == TIR_ERR_COMPILE))
            bug(r, "fails without injected failures: %s: %s", tir_status_name(st),
                e ? tir_engine_errmsg(e) : "no engine");
        r->verdict = r->verdict ? r->verdict : V_NOT_REACHED;
        goto done;
    }
    if (!r->failed) {
        r->verdict = h == want ? V_NOT_REACHED : V_BUG;
        if (h != want)
            bug(r, "no failure reached, but a different answer (status %s)", tir_status_name(st));
        goto done;
    }
    if (h == want) {
        r->verdict = V_TOLERATED;
    } else if (st == TIR_OK || (o->kind == OP_COMPILE && st == TIR_ERR_COMPILE)) {
        bug(r, "status %s after the failure, but not the right answer%s%.300s", tir_status_name(st),
            st ? ": " : "", st && e ? tir_engine_errmsg(e) : "");
    } else {
        check_error(r, st, status_only ? status_only : e ? tir_engine_errmsg(e) : "out of memory");
        if (r->verdict != V_BUG)
            r->verdict = V_FAILED;
    }
    if (r->verdict == V_BUG)
        goto done;
    /* the engine still works */
    if (o->kind == OP_COMPILE && !e)
        goto done;
    st = attempt(o, &e, &p, src, false, &h, r);
    if (r->verdict != V_BUG && h != want)
        bug(r, "the same call again without failures: %s, %s", tir_status_name(st),
            st ? tir_engine_errmsg(e) : "a different answer");
done:
    tir_program_free(p);
    tir_engine_free(e);
    free(src);
#if HAVE_LSAN
    if (__lsan_do_recoverable_leak_check())
        bug(r, "leak (LeakSanitizer's report is above)");
#endif
    if (af_live_maps() != maps0)
        bug(r, "%ld mappings left", af_live_maps() - maps0);
}

/* ------------------------------------------------------------ the sweep */

static int step = 1, jobs = 2;
static long at_only;          /* --at N: that allocation only (debugging) */
static bool verbose;          /* -v: list the failures the library tolerated */
static int ntests, nfailed;
static long total_points, total_failed, total_tolerated;

typedef struct slot {
    pid_t pid;
    long n;
} slot;

static void spawn(const op *o, slot *s, report *r, long n)
{
    fflush(stdout);
    fflush(stderr);
    fail_at = n;
    pid_t pid = fork();
    if (pid == 0) {
        /* each job its own db/ (the rest are links to the shared files) */
        char dir[32];
        snprintf(dir, sizeof dir, "job%d", (int)(r - shared));
        if (chdir(dir))
            _exit(3);
        child(o, r);
        fflush(stderr);
        _exit(0);
    }
    s->pid = pid;
    s->n = n;
}

/* Why a child died, or NULL. */
static const char *death(int wst, char *buf, size_t cap)
{
    if (WIFSIGNALED(wst))
        snprintf(buf, cap, "killed by signal %d (%s)%s", WTERMSIG(wst), strsignal(WTERMSIG(wst)),
                 WTERMSIG(wst) == SIGALRM ? ": a hang?" : "");
    else if (WEXITSTATUS(wst))
        snprintf(buf, cap, "exit status %d (a sanitizer report is above)", WEXITSTATUS(wst));
    else
        return NULL;
    return buf;
}

static void sweep(const op *o)
{
    char buf[2100];
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    /* the reference run */
    slot s0;
    spawn(o, &s0, &shared[0], 0);
    int wst;
    waitpid(s0.pid, &wst, 0);
    const char *d = death(wst, buf, sizeof buf);
    if (d || shared[0].verdict != V_NOT_REACHED) {
        ntests++, nfailed++;
        printf("not ok %d - %s\n# without failures: %s\n", ntests, o->name, d ? d : shared[0].why);
        return;
    }
    want = shared[0].digest;
    long allocs = shared[0].count, next = at_only ? at_only : 1, end = -1, points = 0, failures = 0, tolerated = 0,
         bugs = 0;
    slot *slots = calloc((size_t)jobs, sizeof *slots);
    int running = 0;
    char first[3][2100];
    for (;;) {
        while (running < jobs && end < 0 && next <= allocs * 4 + 1000) {
            int i = 0;
            while (slots[i].pid)
                i++;
            spawn(o, &slots[i], &shared[i], next);
            running++;
            if (at_only)
                end = next;
            /* up to the reference run's count every step-th N, then each
            ** N until one is not reached (threads vary the count) */
            long k = o->every ? 1 : (long)step * (o->sample > 1 ? o->sample : 1);
            next = next > allocs ? next + 1 : next + k > allocs ? allocs + 1 : next + k;
        }
        if (!running)
            break;
        pid_t pid = wait(&wst);
        int i = 0;
        while (i < jobs && slots[i].pid != pid)
            i++;
        if (i == jobs)
            continue;
        running--;
        slots[i].pid = 0;
        long n = slots[i].n;
        report *r = &shared[i];
        d = death(wst, buf, sizeof buf);
        if (!d && r->verdict == V_NOT_REACHED) {
            if (end < 0 || n < end)
                end = n;
            continue;
        }
        points++;
        if (!d && r->verdict == V_FAILED)
            failures++;
        else if (!d && r->verdict == V_TOLERATED) {
            tolerated++;
            if (verbose)
                printf("# %s: allocation %ld failed, the answer is still right\n", o->name, n);
        }
        else {
            if (bugs < 3)
                snprintf(first[bugs], sizeof first[0], "allocation %ld: %s", n, d ? d : r->why);
            bugs++;
        }
    }
    free(slots);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    ntests++;
    total_points += points;
    total_failed += failures;
    total_tolerated += tolerated;
    if (!bugs && end > 0) {
        printf("ok %d - %s: %ld allocations, %ld failed%s (%ld reported, %ld tolerated), %.1f s\n", ntests, o->name,
               allocs, points, !o->every && (step > 1 || o->sample > 1) ? " (sampled)" : "", failures, tolerated, secs);
    } else {
        nfailed++;
        printf("not ok %d - %s: %ld allocations, %ld failed: %ld wrong\n", ntests, o->name, allocs, points, bugs);
        if (end < 0)
            printf("# never ran to the end without reaching a failure\n");
        for (long i = 0; i < bugs && i < 3; i++)
            printf("# %s\n", first[i]);
    }
    fflush(stdout);
}

/* The work directory: data, native tables, the seed of db/, and per job a
** directory with its own db/. */
static void setup(void)
{
    snprintf(root, sizeof root, "%s/tir-allocfail.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(root) || chdir(root)) {
        printf("Bail out! work directory: %s\n", strerror(errno));
        exit(1);
    }
    write_csvs();
    mkdir("seed", 0755);
    tir_engine *e = tir_engine_new(NULL);
    tir_import_opts ao = {.schema = a_schema, .sort_by = "x", .bloom = "s", .block_rows = 256};
    tir_import_opts bo = {.schema = b_schema, .sort_by = "k", .block_rows = 128};
    tir_program *p = NULL;
    tir_result *r = NULL;
    static const char del[] =
        "t: Table = read_table(\"seed/t.tirt\")\n"
        "p: Pipeline = { v = table_scan :table = t :columns = [\"k\"]\n"
        "    f = filter :input = v :expr = $in.k % 7 == 0\n"
        "    d = delete :input = f }\n"
        "output p.d\n";
    if (tir_import_csv(e, "a.csv", "a_x.tirt", &ao, NULL) || tir_import_csv(e, "b.csv", "b_k.tirt", &bo, NULL) ||
        tir_import_csv(e, "b.csv", "seed/t.tirt", &bo, NULL) ||
        tir_compile(e, "del.tir", del, strlen(del), &p) || tir_run(p, &r) || access("seed/t.tirt.del", F_OK)) {
        printf("Bail out! setup: %s\n", tir_engine_errmsg(e));
        exit(1);
    }
    tir_result_free(r);
    tir_program_free(p);
    tir_engine_free(e);
    static const char *const shared_files[] = {"a.csv", "b.csv", "a_x.tirt", "b_k.tirt", "seed"};
    for (int j = 0; j < jobs; j++) {
        char dir[32], link[64], to[64];
        snprintf(dir, sizeof dir, "job%d", j);
        mkdir(dir, 0755);
        snprintf(link, sizeof link, "%s/db", dir);
        mkdir(link, 0755);
        for (size_t i = 0; i < sizeof shared_files / sizeof *shared_files; i++) {
            snprintf(link, sizeof link, "%s/%s", dir, shared_files[i]);
            snprintf(to, sizeof to, "../%s", shared_files[i]);
            if (symlink(to, link)) {
                printf("Bail out! symlink %s: %s\n", link, strerror(errno));
                exit(1);
            }
        }
    }
}

static void cleanup(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (root[0] && system(cmd)) {
    }
}

int main(int argc, char **argv)
{
    const char *only = NULL;
    bool list = false, keep = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--step") && i + 1 < argc)
            step = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--jobs") && i + 1 < argc)
            jobs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--at") && i + 1 < argc)
            at_only = atol(argv[++i]);
        else if (!strcmp(argv[i], "--only") && i + 1 < argc)
            only = argv[++i];
        else if (!strcmp(argv[i], "--persistent"))
            persistent = true;
        else if (!strcmp(argv[i], "-v"))
            verbose = true;
        else if (!strcmp(argv[i], "--keep"))
            keep = true;
        else if (!strcmp(argv[i], "--list"))
            list = true;
        else {
            fprintf(stderr, "usage: %s [--step K] [--jobs J] [--persistent] [--only SUBSTR] [--at N] [-v] [--keep] [--list]\n",
                    argv[0]);
            return 2;
        }
    }
    if (step < 1)
        step = 1;
    if (jobs < 1)
        jobs = 1;
    if (list) {
        for (int i = 0; i < NOPS; i++)
            printf("%s\n", ops[i].name);
        return 0;
    }
    shared = mmap(NULL, sizeof *shared * (size_t)jobs, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED) {
        printf("Bail out! mmap\n");
        return 1;
    }
    setup();
    printf("# allocation failures%s, every %d%s allocation point, %d jobs, in %s%s\n",
           persistent ? " (persistent: every later one fails too)" : "", step, step == 1 ? "st" : "th", jobs, root,
           HAVE_LSAN ? "" : " (no LeakSanitizer: leaks are not checked)");
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (int i = 0; i < NOPS; i++)
        if (!only || strstr(ops[i].name, only))
            sweep(&ops[i]);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    printf("# %d operations, %ld allocation points failed (%ld reported, %ld tolerated), %.1f s\n", ntests,
           total_points, total_failed, total_tolerated,
           (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
    printf("1..%d\n", ntests);
    if (!keep)
        cleanup();
    return nfailed ? 1 : 0;
}
