/*
** fuzz_table.c — libFuzzer harness for native table files (docs/STORAGE.md):
** the input is a .tirt file; it is opened and described, verified, and
** every column of it scanned by a read_table program.
**
** Every region of a table file carries a CRC32C, so nearly every mutation
** would stop at a checksum. The harness therefore also runs a copy whose
** checksums it recomputed (following the footer as far as it parses),
** which lets the fuzzer reach the footer's range checks, the chunk checks
** and the scan code with damaged contents.
**
** The contract (STORAGE.md: "a damaged file is always reported, never read
** as wrong data, never a crash"): no crash on any input, no two columns of
** one name in a table that opens, and a table that verifies must scan
** without error. A failure of that aborts, so that libFuzzer keeps the
** input.
*/
#include "fuzz.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MEMORY_LIMIT (256u << 20)

static uint32_t crc32c(const uint8_t *p, size_t n)
{
    static uint32_t table[256];
    if (!table[1])
        for (uint32_t i = 0; i < 256; i++) {
            uint32_t c = i;
            for (int k = 0; k < 8; k++)
                c = c & 1 ? (c >> 1) ^ 0x82F63B78u : c >> 1;
            table[i] = c;
        }
    uint32_t c = 0xFFFFFFFFu;
    while (n--)
        c = table[(c ^ *p++) & 0xff] ^ (c >> 8);
    return c ^ 0xFFFFFFFFu;
}

/* A bounded little-endian reader over the footer. */
typedef struct rd {
    uint8_t *p, *end;
    bool ok;
} rd;

static uint8_t *take(rd *r, size_t n)
{
    if (!r->ok || (size_t)(r->end - r->p) < n) {
        r->ok = false;
        return NULL;
    }
    uint8_t *q = r->p;
    r->p += n;
    return q;
}

static uint64_t get(rd *r, size_t n)
{
    uint64_t v = 0;
    uint8_t *q = take(r, n);
    if (q)
        memcpy(&v, q, n);
    return v;
}

/* Sets the CRC at crc to that of f[off, off+len) when the range is in
** the file. */
static void fix_region(uint8_t *f, size_t n, uint64_t off, uint64_t len, uint8_t *crc)
{
    if (crc && off <= n && len <= n - off) {
        uint32_t c = crc32c(f + off, (size_t)len);
        memcpy(crc, &c, 4);
    }
}

/* Recomputes the checksums of the table file f[0..n) in place: every
** chunk and bloom region the footer describes (as far as it parses), then
** the footer's own. */
static void fix_checksums(uint8_t *f, size_t n)
{
    if (n < 64 + 32)
        return;
    uint64_t off, len;
    memcpy(&off, f + n - 32, 8);
    memcpy(&len, f + n - 24, 8);
    if (off < 64 || off > n - 32 || len != n - 32 - off)
        return;
    rd r = {f + off, f + off + len, true};
    uint32_t ncols = (uint32_t)get(&r, 4);
    get(&r, 4);                       /* block_rows */
    get(&r, 8);                       /* nrows */
    uint32_t nblocks = (uint32_t)get(&r, 4);
    take(&r, 16);                     /* table id */
    if (ncols > len / 6)
        ncols = 0;
    uint8_t *type = calloc(ncols ? ncols : 1, 1), *bloom = calloc(ncols ? ncols : 1, 1);
    if (!type || !bloom)
        fuzz_fail("out of memory");
    for (uint32_t c = 0; c < ncols && r.ok; c++) {
        take(&r, (size_t)get(&r, 2));
        type[c] = (uint8_t)get(&r, 1);
        bloom[c] = (uint8_t)get(&r, 1) & 4;
        get(&r, 1);                   /* order */
    }
    for (uint64_t k = 0; k < (uint64_t)nblocks * ncols && r.ok; k++) {
        uint32_t c = (uint32_t)(k % ncols);
        uint64_t coff = get(&r, 8), clen = get(&r, 8);
        fix_region(f, n, coff, clen, take(&r, 4));
        get(&r, 4);                   /* nulls */
        get(&r, 1);                   /* encoding */
        unsigned stats = (unsigned)get(&r, 1);
        get(&r, 4);                   /* dictionary size */
        for (unsigned s = 1; s <= 2; s++)
            if (stats & s)
                take(&r, type[c] == TIR_STRING ? (size_t)get(&r, 1) : 8);
        if (bloom[c]) {
            uint64_t boff = get(&r, 8), blen = get(&r, 8);
            get(&r, 4);               /* bloom blocks */
            fix_region(f, n, boff, blen, take(&r, 4));
        }
    }
    free(type);
    free(bloom);
    fix_region(f, n, off, len, f + n - 16);
}

static void check_table(const char *path)
{
    tir_engine *e = tir_engine_new(&(tir_config){.threads = 1, .memory_limit = MEMORY_LIMIT, .no_table_cache = true});
    char *text = NULL, *vtext = NULL;
    fuzz_schema s = {0};
    fuzz_buf prog = {0};
    tir_program *p = NULL;
    tir_result *r = NULL;

    /* Opening checks the layout; chunk checksums wait for the first read. */
    tir_status st = tir_table_describe(e, path, false, &text);
    if (st != TIR_OK) {
        if (!*tir_engine_errmsg(e))
            fuzz_fail("describe failed (%s) without a message", tir_status_name(st));
        goto done;
    }
    bool verified = tir_table_describe(e, path, true, &vtext) == TIR_OK;
    if (!verified && !*tir_engine_errmsg(e))
        fuzz_fail("verify failed without a message");
    if (!fuzz_schema_parse(text, &s))
        goto done;
    /* Two columns of one name are corrupt metadata (the checker and the
    ** scan took different columns for the name: found/table-duplicate-
    ** column-names.tirt); such a table must not open. */
    for (int c = 0; c < s.ncols; c++)
        if (s.dup[c])
            fuzz_fail("a table naming two columns '%s' opened", s.names[c]);

    fuzz_buf_printf(&prog, "t: Table = read_table(");
    fuzz_buf_quote(&prog, path, strlen(path));
    fuzz_buf_printf(&prog, ")\n");
    fuzz_buf_scan_all(&prog, &s);
    st = tir_compile(e, fuzz_path(2, "prog.tir"), prog.p, prog.len, &p);
    if (st != TIR_OK) {
        if (verified)
            fuzz_fail("a verified table does not compile:\n%s\n%s", prog.p, p ? tir_program_diag_text(p) : "");
        goto done;
    }
    st = tir_run(p, &r);
    if (st != TIR_OK && st != TIR_ERR_NOMEM) {
        if (verified)
            fuzz_fail("scanning a verified table failed (%s): %s", tir_status_name(st), tir_engine_errmsg(e));
        if (!*tir_engine_errmsg(e))
            fuzz_fail("the scan failed (%s) without a message", tir_status_name(st));
    }

done:
    tir_result_free(r);
    tir_program_free(p);
    fuzz_buf_free(&prog);
    fuzz_schema_free(&s);
    free(text);
    free(vtext);
    tir_engine_free(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *path = fuzz_path(0, "in.tirt");
    if (!fuzz_write(path, data, size))
        return 0;
    check_table(path);

    uint8_t *fixed = malloc(size ? size : 1);
    if (!fixed)
        return 0;
    memcpy(fixed, data, size);
    fix_checksums(fixed, size);
    if (memcmp(fixed, data, size) != 0) {
        path = fuzz_path(0, "fixed.tirt");
        if (fuzz_write(path, fixed, size))
            check_table(path);
    }
    free(fixed);
    return 0;
}
