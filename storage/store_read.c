/*
** store_read.c — opens native table files (docs/STORAGE.md): maps the
** file, checks header, trailer and footer, parses the footer into per-chunk
** entries and statistics, hands out column chunks (checksum verified on a
** handle's first read of each chunk), and keeps the deletion bitmap.
**
** The footer is untrusted input even after its checksum matched (another
** writer may have bugs): every count is bounded by the bytes that must
** hold it before anything is allocated, every offset and length is checked
** against the file, and the chunks and bloom filters must tile the bytes
** between header and footer exactly, so no byte escapes a check.
*/
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernels.h"
#include "store_fmt.h"
#include "decimal.h"

/* Verification state of a chunk or bloom filter, read and written atomically. */
enum { CK_UNCHECKED = 0, CK_OK, CK_BAD_CRC, CK_BAD_LAYOUT, CK_BAD_ORDER };

typedef struct st_chunk {
    uint64_t off, len;
    uint32_t crc, ndict;
    uint8_t enc;
    uint8_t state;
    vm_store_stat stat;
} st_chunk;

typedef struct st_bloom {
    uint64_t off, len;
    uint32_t nblocks, crc;
    uint8_t state;
} st_bloom;

/* What stat() said about a file when it was read, for vm_store_stale. */
typedef struct st_ident {
    bool exists;
    dev_t dev;
    ino_t ino;
    off_t size;
    struct timespec mtim;
} st_ident;

struct vm_store {
    char *path, *delpath;
    const uint8_t *map;
    uint64_t size;
    int ncols, nbloom;
    vm_store_colspec *cols;
    char *names;
    int *bloom_of;            /* per column: index among the bloom columns, or -1 */
    uint32_t block_rows, nblocks;
    uint64_t nrows;
    uint8_t id[ST_ID];
    uint64_t foot_off, foot_len;
    st_chunk *chunks;         /* [block * ncols + column] */
    st_bloom *blooms;         /* [block * nbloom + bloom column] */
    uint64_t *deleted;
    uint64_t ndeleted;
    st_ident tbl, del;
};

static tir_status fail(char *err, size_t errlen, tir_status st, const char *fmt, ...)
{
    if (err && errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return st;
}

static void ident_of(st_ident *id, const struct stat *st)
{
    id->exists = true;
    id->dev = st->st_dev;
    id->ino = st->st_ino;
    id->size = st->st_size;
    id->mtim = st->st_mtim;
}

static bool ident_same(const st_ident *id, const char *path)
{
    struct stat st;
    if (stat(path, &st))
        return !id->exists;
    return id->exists && id->dev == st.st_dev && id->ino == st.st_ino && id->size == st.st_size &&
           id->mtim.tv_sec == st.st_mtim.tv_sec && id->mtim.tv_nsec == st.st_mtim.tv_nsec;
}

static uint32_t block_len(const vm_store *s, uint32_t b)
{
    uint64_t first = (uint64_t)b * s->block_rows;
    return s->nrows - first < s->block_rows ? (uint32_t)(s->nrows - first) : s->block_rows;
}

/* ---- footer parsing ------------------------------------------------------ */
typedef struct rd {
    const uint8_t *p, *end;
    bool bad;
} rd;

static uint64_t rd_u(rd *r, size_t bytes)
{
    uint64_t v = 0;
    if (r->bad || (size_t)(r->end - r->p) < bytes) {
        r->bad = true;
        return 0;
    }
    memcpy(&v, r->p, bytes);
    r->p += bytes;
    return v;
}

static const uint8_t *rd_bytes(rd *r, size_t n)
{
    if (r->bad || (size_t)(r->end - r->p) < n) {
        r->bad = true;
        return NULL;
    }
    const uint8_t *q = r->p;
    r->p += n;
    return q;
}

static size_t rd_left(const rd *r)
{
    return (size_t)(r->end - r->p);
}

/* A string bound: u8 length then bytes; long ones point into the mapping. */
static bool rd_str(rd *r, tir_str *out)
{
    uint32_t n = (uint32_t)rd_u(r, 1);
    const uint8_t *p = rd_bytes(r, n);
    if (!p || n > VM_STORE_STAT_STR)
        return false;
    memset(out, 0, sizeof *out);
    out->len = n;
    if (n <= TIR_STR_INLINE) {
        memcpy(out->prefix, p, n);
    } else {
        memcpy(out->prefix, p, 4);
        out->u.ptr = (const char *)p;
    }
    return true;
}

static tir_status parse_schema(vm_store *s, rd *r, char *err, size_t errlen)
{
    uint32_t ncols = (uint32_t)rd_u(r, 4);
    s->block_rows = (uint32_t)rd_u(r, 4);
    s->nrows = rd_u(r, 8);
    s->nblocks = (uint32_t)rd_u(r, 4);
    const uint8_t *id = rd_bytes(r, ST_ID);
    if (r->bad || ncols > rd_left(r) / ST_COL_MIN)
        return fail(err, errlen, TIR_ERR_DATA, "%s: corrupt metadata (schema)", s->path);
    if (ncols > TIR_MAX_COLUMNS)
        return fail(err, errlen, TIR_ERR_DATA, "%s: %u columns; at most %d are supported", s->path, ncols,
                    TIR_MAX_COLUMNS);
    memcpy(s->id, id, ST_ID);
    if (!s->block_rows || s->block_rows % 64)
        return fail(err, errlen, TIR_ERR_DATA, "%s: corrupt metadata (block size %u)", s->path, s->block_rows);
    if (s->nblocks != s->nrows / s->block_rows + (s->nrows % s->block_rows != 0))
        return fail(err, errlen, TIR_ERR_DATA, "%s: corrupt metadata (%u blocks for %llu rows)", s->path,
                    s->nblocks, (unsigned long long)s->nrows);
    s->ncols = (int)ncols;
    /* The names' total size first, so only that much is allocated for them. */
    rd scan = *r;
    size_t name_bytes = 0;
    for (uint32_t c = 0; c < ncols && !scan.bad; c++) {
        size_t n = (size_t)rd_u(&scan, 2);
        rd_bytes(&scan, n + 3);
        name_bytes += n + 1;
    }
    s->cols = calloc(ncols ? ncols : 1, sizeof *s->cols);
    s->bloom_of = calloc(ncols ? ncols : 1, sizeof *s->bloom_of);
    s->names = malloc(name_bytes + 1);
    if (!s->cols || !s->bloom_of || !s->names)
        return fail(err, errlen, TIR_ERR_NOMEM, "%s: out of memory", s->path);
    char *np = s->names;
    for (uint32_t c = 0; c < ncols; c++) {
        uint32_t n = (uint32_t)rd_u(r, 2);
        const uint8_t *name = rd_bytes(r, n);
        uint32_t type = (uint32_t)rd_u(r, 1), flags = (uint32_t)rd_u(r, 1), order = (uint32_t)rd_u(r, 1);
        if (r->bad || !n || memchr(name, 0, n) || type >= TIR_NTYPES || (flags & ~7u) || order > 2)
            return fail(err, errlen, TIR_ERR_DATA, "%s: corrupt metadata (column %u)", s->path, c + 1);
        memcpy(np, name, n);
        np[n] = 0;
        /* tir never writes two columns of one name; a file that has them
        ** was not written by tir (at most 2000 columns: quadratic is fine) */
        for (uint32_t k = 0; k < c; k++)
            if (!strcmp(s->cols[k].name, np))
                return fail(err, errlen, TIR_ERR_DATA, "%s: corrupt metadata (columns %u and %u are both named %s)",
                            s->path, k + 1, c + 1, np);
        vm_store_colspec *cs = &s->cols[c];
        cs->name = np;
        np += n + 1;
        cs->type = (tir_type)type;
        if (type == TIR_TIMESTAMP) {   /* held as i64 */
            cs->type = TIR_I64;
            cs->timestamp = true;
        }
        if (type == TIR_DECIMAL || type == TIR_DECIMAL128) {   /* then precision and scale; narrow: held as i64 */
            cs->type = type == TIR_DECIMAL ? TIR_I64 : TIR_DECIMAL128;
            cs->prec = (uint8_t)rd_u(r, 1);
            cs->scale = (uint8_t)rd_u(r, 1);
            if (r->bad || vm_dec_check(cs->prec, cs->scale) || VM_DEC_TYPE(cs->prec) != (tir_type)type)
                return fail(err, errlen, TIR_ERR_DATA, "%s: corrupt metadata (column %u)", s->path, c + 1);
        }
        cs->nullable = flags & ST_COL_NULLABLE;
        cs->unique = flags & ST_COL_UNIQUE;
        cs->bloom = flags & ST_COL_BLOOM;
        cs->order = (uint8_t)order;
        s->bloom_of[c] = cs->bloom ? s->nbloom++ : -1;
    }
    return TIR_OK;
}

/* Length a chunk must have, for the fixed-width types; strings are checked
** against their offsets when first read. */
static uint64_t fixed_len(tir_type t, uint32_t rows, uint64_t nulls)
{
    return st_bitmap_bytes(rows, nulls) + st_round((uint64_t)rows * vm_type_width(t), ST_ALIGN);
}

static bool parse_chunk(rd *r, const vm_store_colspec *cs, uint32_t rows, st_chunk *ch)
{
    ch->off = rd_u(r, 8);
    ch->len = rd_u(r, 8);
    ch->crc = (uint32_t)rd_u(r, 4);
    ch->stat.nulls = rd_u(r, 4);
    ch->enc = (uint8_t)rd_u(r, 1);
    uint32_t flags = (uint32_t)rd_u(r, 1);
    ch->ndict = (uint32_t)rd_u(r, 4);
    if (r->bad || (flags & ~3u) || ch->stat.nulls > rows || (ch->stat.nulls && !cs->nullable))
        return false;
    ch->stat.has_min = flags & ST_HAS_MIN;
    ch->stat.has_max = flags & ST_HAS_MAX;
    if (cs->type == TIR_STRING) {
        bool ok = ch->enc == ST_ENC_PLAIN ? ch->ndict == 0
                  : ch->enc == ST_ENC_DICT8 ? ch->ndict >= 1 && ch->ndict <= 256
                  : ch->enc == ST_ENC_DICT16 && ch->ndict >= 1 && ch->ndict <= ST_DICT_MAX;
        /* Room for the bitmap and the offsets (and codes), so the first
        ** read can look at them before trusting anything else. */
        uint64_t fixed = ch->enc == ST_ENC_PLAIN
                             ? 4 * ((uint64_t)rows + 1)
                             : st_round((uint64_t)rows * (ch->enc == ST_ENC_DICT8 ? 1 : 2), 4) + 4 * ((uint64_t)ch->ndict + 1);
        if (!ok || ch->len < st_bitmap_bytes(rows, ch->stat.nulls) + fixed)
            return false;
        if (ch->stat.has_min && !rd_str(r, &ch->stat.min.s))
            return false;
        if (ch->stat.has_max && !rd_str(r, &ch->stat.max.s))
            return false;
        return true;
    }
    if (ch->enc != ST_ENC_PLAIN || ch->ndict || ch->len != fixed_len(cs->type, rows, ch->stat.nulls))
        return false;
    if (cs->type == TIR_DECIMAL128 || cs->type == TIR_INTERVAL) {   /* an interval: bounds of its k_iv_key */
        const uint8_t *lo = ch->stat.has_min ? rd_bytes(r, 16) : NULL, *hi = ch->stat.has_max ? rd_bytes(r, 16) : NULL;
        if (lo)
            memcpy(&ch->stat.min.w, lo, 16);
        if (hi)
            memcpy(&ch->stat.max.w, hi, 16);
        return !r->bad;
    }
    if (ch->stat.has_min)
        ch->stat.min.i = (int64_t)rd_u(r, 8);
    if (ch->stat.has_max)
        ch->stat.max.i = (int64_t)rd_u(r, 8);
    return !r->bad;
}

/* The next region of the file must start where the previous one ended. */
static bool tile(vm_store *s, uint64_t *at, uint64_t off, uint64_t len)
{
    if (off != *at || len % ST_ALIGN || len > s->foot_off - *at)
        return false;
    *at += len;
    return true;
}

static tir_status parse_blocks(vm_store *s, rd *r, char *err, size_t errlen)
{
    uint64_t nchunks = (uint64_t)s->nblocks * (uint64_t)s->ncols;
    uint64_t nblooms = (uint64_t)s->nblocks * (uint64_t)s->nbloom;
    if (nchunks > rd_left(r) / ST_CHUNK_MIN || nblooms > rd_left(r) / ST_BLOOM_ENTRY ||
        nchunks * ST_CHUNK_MIN + nblooms * ST_BLOOM_ENTRY > rd_left(r))
        return fail(err, errlen, TIR_ERR_DATA, "%s: corrupt metadata (%u blocks do not fit)", s->path, s->nblocks);
    s->chunks = calloc(nchunks ? nchunks : 1, sizeof *s->chunks);
    s->blooms = calloc(nblooms ? nblooms : 1, sizeof *s->blooms);
    if (!s->chunks || !s->blooms)
        return fail(err, errlen, TIR_ERR_NOMEM, "%s: out of memory", s->path);
    uint64_t at = ST_HEADER;
    for (uint32_t b = 0; b < s->nblocks; b++) {
        uint32_t rows = block_len(s, b);
        for (int c = 0; c < s->ncols; c++) {
            const vm_store_colspec *cs = &s->cols[c];
            st_chunk *ch = &s->chunks[(size_t)b * s->ncols + c];
            if (!parse_chunk(r, cs, rows, ch) || !tile(s, &at, ch->off, ch->len))
                return fail(err, errlen, TIR_ERR_DATA, "%s: corrupt metadata (block %u column '%s')", s->path,
                            b, cs->name);
            if (!cs->bloom)
                continue;
            st_bloom *bl = &s->blooms[(size_t)b * s->nbloom + s->bloom_of[c]];
            bl->off = rd_u(r, 8);
            bl->len = rd_u(r, 8);
            bl->nblocks = (uint32_t)rd_u(r, 4);
            bl->crc = (uint32_t)rd_u(r, 4);
            if (r->bad || !bl->nblocks || bl->len != st_round((uint64_t)bl->nblocks * 32, ST_ALIGN) ||
                !tile(s, &at, bl->off, bl->len))
                return fail(err, errlen, TIR_ERR_DATA, "%s: corrupt metadata (block %u column '%s' bloom filter)",
                            s->path, b, cs->name);
        }
    }
    if (r->p != r->end || at != s->foot_off)
        return fail(err, errlen, TIR_ERR_DATA, "%s: corrupt metadata (%s)", s->path,
                    r->p != r->end ? "trailing bytes" : "blocks do not reach the metadata");
    return TIR_OK;
}

/* ---- header, trailer, footer -------------------------------------------- */
static tir_status check_frame(vm_store *s, char *err, size_t errlen)
{
    uint8_t head[ST_HEADER];
    st_header(head);
    if (memcmp(s->map, ST_MAGIC, s->size < 8 ? (size_t)s->size : 8))
        return fail(err, errlen, TIR_ERR_DATA, "%s: not a tir table file", s->path);
    if (s->size < ST_HEADER + ST_TRAILER)
        return fail(err, errlen, TIR_ERR_DATA, "%s: truncated (%llu bytes)", s->path, (unsigned long long)s->size);
    if (memcmp(s->map, head, ST_HEADER)) {
        uint32_t v;
        memcpy(&v, s->map + 8, 4);
        if (v != ST_VERSION)
            return fail(err, errlen, TIR_ERR_DATA, "%s: unsupported format version %u (this build reads %u)",
                        s->path, v, ST_VERSION);
        return fail(err, errlen, TIR_ERR_DATA, "%s: corrupt header", s->path);
    }
    const uint8_t *t = s->map + s->size - ST_TRAILER;
    uint32_t fcrc, ver;
    memcpy(&s->foot_off, t, 8);
    memcpy(&s->foot_len, t + 8, 8);
    memcpy(&fcrc, t + 16, 4);
    memcpy(&ver, t + 20, 4);
    if (memcmp(t + 24, ST_MAGIC, 8) || ver != ST_VERSION)
        return fail(err, errlen, TIR_ERR_DATA, "%s: truncated or corrupt (no valid trailer)", s->path);
    uint64_t room = s->size - ST_TRAILER - ST_HEADER;
    if (s->foot_off < ST_HEADER || s->foot_off % ST_ALIGN || s->foot_off - ST_HEADER > room ||
        s->foot_len != room - (s->foot_off - ST_HEADER))
        return fail(err, errlen, TIR_ERR_DATA, "%s: truncated or corrupt (metadata position)", s->path);
    if (vm_crc32c(0, s->map + s->foot_off, s->foot_len) != fcrc)
        return fail(err, errlen, TIR_ERR_DATA, "%s: metadata checksum mismatch", s->path);
    return TIR_OK;
}

/* ---- deletion file ------------------------------------------------------- */

/* Reads s->delpath. *bits is NULL when there is no deletion file, when it
** belongs to another (older) table, or when it deletes nothing. */
static tir_status del_load(const vm_store *s, uint64_t **bits, uint64_t *ndel, st_ident *ident,
                           char *err, size_t errlen)
{
    *bits = NULL;
    *ndel = 0;
    memset(ident, 0, sizeof *ident);
    int fd = open(s->delpath, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return TIR_OK;
        return fail(err, errlen, TIR_ERR_IO, "%s: %s", s->delpath, strerror(errno));
    }
    struct stat st;
    if (fstat(fd, &st)) {
        int e = errno;
        close(fd);
        return fail(err, errlen, TIR_ERR_IO, "%s: %s", s->delpath, strerror(e));
    }
    ident_of(ident, &st);
    uint64_t size = (uint64_t)st.st_size;
    if (size < ST_DEL_HEADER + 4 || (size - ST_DEL_HEADER - 4) % 8) {
        close(fd);
        return fail(err, errlen, TIR_ERR_DATA, "%s: corrupt deletion file (%llu bytes)", s->delpath,
                    (unsigned long long)size);
    }
    const uint8_t *m = mmap(NULL, size, PROT_READ, MAP_PRIVATE, fd, 0);
    int e = errno;
    close(fd);
    if (m == MAP_FAILED)
        return fail(err, errlen, e == ENOMEM ? TIR_ERR_NOMEM : TIR_ERR_IO, "%s: %s", s->delpath, strerror(e));
    tir_status rc = TIR_OK;
    uint32_t crc, ver, zero;
    uint64_t nrows, words = (size - ST_DEL_HEADER - 4) / 8;
    memcpy(&crc, m + size - 4, 4);
    memcpy(&ver, m + 8, 4);
    memcpy(&zero, m + 12, 4);
    memcpy(&nrows, m + 32, 8);
    const uint64_t *src = (const uint64_t *)(const void *)(m + ST_DEL_HEADER);
    if (vm_crc32c(0, m, size - 4) != crc) {
        rc = fail(err, errlen, TIR_ERR_DATA, "%s: deletion file checksum mismatch", s->delpath);
    } else if (memcmp(m, ST_DEL_MAGIC, 8) || ver != ST_VERSION || zero) {
        rc = fail(err, errlen, TIR_ERR_DATA, "%s: not a tir deletion file", s->delpath);
    } else if (memcmp(m + 16, s->id, ST_ID)) {
        /* left by an earlier table at this path: not ours */
    } else if (nrows != s->nrows || words != (nrows + 63) / 64 ||
               ((nrows & 63) && words && src[words - 1] >> (nrows & 63))) {
        rc = fail(err, errlen, TIR_ERR_DATA, "%s: deletion bitmap does not fit the table's %llu rows", s->delpath,
                  (unsigned long long)s->nrows);
    } else {
        uint64_t n = 0;
        for (uint64_t w = 0; w < words; w++)
            n += (uint64_t)__builtin_popcountll(src[w]);
        if (n) {
            *bits = malloc(words * 8);
            if (*bits) {
                memcpy(*bits, src, words * 8);
                *ndel = n;
            } else {
                rc = fail(err, errlen, TIR_ERR_NOMEM, "%s: out of memory", s->delpath);
            }
        }
    }
    munmap((void *)m, size);
    return rc;
}

/* ---- open / close -------------------------------------------------------- */
void vm_store_close(vm_store *s)
{
    if (!s)
        return;
    if (s->map)
        munmap((void *)s->map, s->size);
    free(s->path);
    free(s->delpath);
    free(s->cols);
    free(s->names);
    free(s->bloom_of);
    free(s->chunks);
    free(s->blooms);
    free(s->deleted);
    free(s);
}

static int cmp_stat_vals(tir_type t, const vm_store_val *a, const vm_store_val *b)
{
    switch (t) {
    case TIR_F64: return (a->f > b->f) - (a->f < b->f);
    case TIR_STRING: return k_str_cmp(&a->s, &b->s);
    case TIR_DECIMAL128:
    case TIR_INTERVAL: return (a->w > b->w) - (a->w < b->w);
    default: return (a->i > b->i) - (a->i < b->i);
    }
}

/* A sorted column's blocks follow each other in order: each block's range
** starts where the last one's ended (within a block, the check on first
** read does the rest). A string minimum may be cut to its first bytes,
** which keeps it a lower bound: descending strings are checked only when
** the earlier block's minimum is whole. */
static tir_status check_order_stats(const vm_store *s, char *err, size_t errlen)
{
    for (int c = 0; c < s->ncols; c++) {
        int order = s->cols[c].order;
        if (!order)
            continue;
        const vm_store_stat *prev = NULL;
        uint32_t pb = 0;
        for (uint32_t b = 0; b < s->nblocks; b++) {
            const vm_store_stat *cur = &s->chunks[(size_t)b * s->ncols + c].stat;
            if (!cur->has_min)
                continue; /* every row NULL */
            bool bad = false;
            tir_type t = s->cols[c].type;
            if (prev && order == 1 && prev->has_max)
                bad = cmp_stat_vals(t, &prev->max, &cur->min) > 0;
            else if (prev && order == 2 && cur->has_max && (t != TIR_STRING || prev->min.s.len < VM_STORE_STAT_STR))
                bad = cmp_stat_vals(t, &prev->min, &cur->max) < 0;
            if (bad)
                return fail(err, errlen, TIR_ERR_DATA, "%s: column '%s' is recorded as %s but block %u starts before "
                            "block %u ends", s->path, s->cols[c].name, order == 1 ? "ascending" : "descending", b, pb);
            prev = cur;
            pb = b;
        }
    }
    return TIR_OK;
}

/* One attempt of vm_store_open: the table file, then its deletion file. */
static tir_status open_once(const char *path, vm_store **out, char *err, size_t errlen)
{
    *out = NULL;
    if (err && errlen)
        err[0] = 0;
    vm_store *s = calloc(1, sizeof *s);
    size_t plen = strlen(path);
    if (s) {
        s->path = strdup(path);
        s->delpath = malloc(plen + 5);
    }
    if (!s || !s->path || !s->delpath) {
        vm_store_close(s);
        return fail(err, errlen, TIR_ERR_NOMEM, "%s: out of memory", path);
    }
    memcpy(s->delpath, path, plen);
    memcpy(s->delpath + plen, ".del", 5);
    tir_status st = TIR_OK;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb)) {
        st = fail(err, errlen, TIR_ERR_IO, "%s: %s", path, strerror(errno));
    } else if (!S_ISREG(sb.st_mode)) {
        st = fail(err, errlen, TIR_ERR_IO, "%s: not a regular file", path);
    } else {
        ident_of(&s->tbl, &sb);
        s->size = (uint64_t)sb.st_size;
        if (s->size == 0) {
            st = fail(err, errlen, TIR_ERR_DATA, "%s: empty file, not a tir table", path);
        } else {
            void *m = mmap(NULL, s->size, PROT_READ, MAP_PRIVATE, fd, 0);
            if (m == MAP_FAILED)
                st = fail(err, errlen, errno == ENOMEM ? TIR_ERR_NOMEM : TIR_ERR_IO, "%s: cannot map: %s", path,
                          strerror(errno));
            else
                s->map = m;
        }
    }
    if (fd >= 0)
        close(fd);
    if (st == TIR_OK)
        st = check_frame(s, err, errlen);
    if (st == TIR_OK) {
        rd r = { s->map + s->foot_off, s->map + s->foot_off + s->foot_len, false };
        st = parse_schema(s, &r, err, errlen);
        if (st == TIR_OK)
            st = parse_blocks(s, &r, err, errlen);
    }
    if (st == TIR_OK)
        st = check_order_stats(s, err, errlen);
    if (st == TIR_OK)
        st = del_load(s, &s->deleted, &s->ndeleted, &s->del, err, errlen);
    if (st != TIR_OK) {
        vm_store_close(s);
        return st;
    }
    *out = s;
    return TIR_OK;
}

tir_status vm_store_open(const char *path, vm_store **out, char *err, size_t errlen)
{
    /* The rows and the deletions are two files, read one after the other.
    ** A writer replacing the table in between (and removing its deletion
    ** file) would pair the old rows with no deletions, a state that never
    ** was. Files are replaced, never changed, so when path still names the
    ** file mapped once the deletions are read, the two belong together. */
    for (int tries = 0;; tries++) {
        tir_status st = open_once(path, out, err, errlen);
        if (st != TIR_OK || ident_same(&(*out)->tbl, path))
            return st;
        vm_store_close(*out);
        *out = NULL;
        if (tries == 100)
            return fail(err, errlen, TIR_ERR_IO, "%s: replaced by other writers every time it was opened", path);
    }
}

bool vm_store_stale(const vm_store *s)
{
    return !ident_same(&s->tbl, s->path) || !ident_same(&s->del, s->delpath);
}

const char *vm_store_path(const vm_store *s) { return s->path; }
int vm_store_ncols(const vm_store *s) { return s->ncols; }
const vm_store_colspec *vm_store_col(const vm_store *s, int c)
{
    return c >= 0 && c < s->ncols ? &s->cols[c] : NULL;
}
uint64_t vm_store_nrows(const vm_store *s) { return s->nrows; }
uint64_t vm_store_file_bytes(const vm_store *s) { return s->size; }
uint32_t vm_store_nblocks(const vm_store *s) { return s->nblocks; }
uint32_t vm_store_block_rows(const vm_store *s) { return s->block_rows; }
uint64_t vm_store_block_first(const vm_store *s, uint32_t b) { return (uint64_t)b * s->block_rows; }
uint32_t vm_store_block_len(const vm_store *s, uint32_t b) { return block_len(s, b); }

const vm_store_stat *vm_store_block_stat(const vm_store *s, uint32_t b, int c)
{
    if (b >= s->nblocks || c < 0 || c >= s->ncols)
        return NULL;
    return &s->chunks[(size_t)b * s->ncols + c].stat;
}

/* ---- chunks ------------------------------------------------------------- */

/* Checks the string offsets or dictionary codes of a chunk whose checksum
** matched: everything vm_store_strings will follow must stay inside it. */
static bool strings_fit(const st_chunk *ch, const uint8_t *p, uint32_t rows)
{
    uint64_t at = st_bitmap_bytes(rows, ch->stat.nulls);
    uint64_t n = ch->enc == ST_ENC_PLAIN ? rows : ch->ndict;
    if (at > ch->len)
        return false;
    if (ch->enc != ST_ENC_PLAIN) {
        uint32_t cw = ch->enc == ST_ENC_DICT8 ? 1 : 2;
        const uint8_t *codes = p + at;
        at = st_round(at + (uint64_t)rows * cw, 4);
        if (at > ch->len)
            return false;
        for (uint32_t i = 0; i < rows; i++) {
            uint32_t code = cw == 1 ? codes[i] : ((const uint16_t *)(const void *)codes)[i];
            if (code >= ch->ndict)
                return false;
        }
    }
    if (4 * (n + 1) > ch->len - at)
        return false;
    const uint32_t *offs = (const uint32_t *)(const void *)(p + at);
    if (offs[0])
        return false;
    for (uint64_t i = 0; i < n; i++)
        if (offs[i + 1] < offs[i])
            return false;
    return st_round(at + 4 * (n + 1) + offs[n], ST_ALIGN) == ch->len;
}

/* The validity bitmap must agree with the NULL count and end in zeros. */
static bool bitmap_fits(const st_chunk *ch, const uint64_t *v, uint32_t rows)
{
    if (!ch->stat.nulls)
        return true;
    uint32_t words = (rows + 63) / 64;
    uint64_t valid = 0;
    for (uint32_t i = 0; i < words; i++)
        valid += (uint64_t)__builtin_popcountll(v[i]);
    return valid == rows - ch->stat.nulls && !((rows & 63) && v[words - 1] >> (rows & 63));
}

static void fill_chunk(const vm_store *s, uint32_t b, int c, const st_chunk *ch, vm_store_chunk *out);

/* Whether the non-NULL values of a fixed-width column are in order (dir 1
** ascending, -1 descending), in the order of sorts (f64 by its sort key:
** NaN above every number, -0.0 equal to 0.0). One loop per type, and per
** direction without NULLs, free of branches: the check reads every sorted
** column of a table once (6M keys of lineitem: a type switch per row made
** it a tenth of a first run's join). */
#define SAME(x) (x)
#define IN_ORDER(NAME, T, KEY)                                                                                      \
    static bool NAME(const void *data, const uint64_t *valid, uint32_t n, int dir)                                  \
    {                                                                                                               \
        const T *v = data;                                                                                          \
        unsigned bad = 0; /* not a bool: GCC vectorizes an or of unsigneds */                                       \
        if (!valid && dir > 0) {                                                                                    \
            for (uint32_t i = 1; i < n; i++)                                                                        \
                bad |= KEY(v[i]) < KEY(v[i - 1]);                                                                   \
        } else if (!valid) {                                                                                        \
            for (uint32_t i = 1; i < n; i++)                                                                        \
                bad |= KEY(v[i]) > KEY(v[i - 1]);                                                                   \
        } else {                                                                                                    \
            int64_t prev = -1;                                                                                      \
            for (uint32_t i = 0; i < n && !bad; i++) {                                                              \
                if (!vm_bit_get(valid, i))                                                                          \
                    continue;                                                                                       \
                if (prev >= 0)                                                                                      \
                    bad = dir > 0 ? KEY(v[i]) < KEY(v[prev]) : KEY(v[i]) > KEY(v[prev]);                            \
                prev = i;                                                                                           \
            }                                                                                                       \
        }                                                                                                           \
        return !bad;                                                                                                \
    }
IN_ORDER(in_order_u8, uint8_t, SAME)
IN_ORDER(in_order_i32, int32_t, SAME)
IN_ORDER(in_order_i64, int64_t, SAME)
IN_ORDER(in_order_d128, __int128, SAME)
IN_ORDER(in_order_iv, tir_interval, k_iv_key)
IN_ORDER(in_order_f64, double, k_sortkey_f64_bits)

static bool strings_in_order(const vm_store_chunk *k, int dir)
{
    tir_str prev = {0}, cur = {0};
    bool have = false;
    for (uint32_t i = 0; i < k->rows; i++) {
        if (!vm_bit_get(k->validity, i))
            continue;
        vm_store_strings(k, i, 1, &cur);
        if (have && dir * k_str_cmp(&prev, &cur) > 0)
            return false;
        prev = cur;
        have = true;
    }
    return true;
}

/* A column recorded as sorted must be: its non-NULL values in order (the
** engine merges and searches on that promise). */
static bool chunk_in_order(const vm_store *s, uint32_t b, int c, const st_chunk *ch)
{
    int dir = s->cols[c].order == 2 ? -1 : 1;
    vm_store_chunk k;
    fill_chunk(s, b, c, ch, &k);
    switch (k.type) {
    case TIR_BOOL: return in_order_u8(k.data, k.validity, k.rows, dir);
    case TIR_I32: case TIR_DATE: return in_order_i32(k.data, k.validity, k.rows, dir);
    case TIR_I64: return in_order_i64(k.data, k.validity, k.rows, dir);
    case TIR_DECIMAL128: return in_order_d128(k.data, k.validity, k.rows, dir);
    case TIR_INTERVAL: return in_order_iv(k.data, k.validity, k.rows, dir);
    case TIR_F64: return in_order_f64(k.data, k.validity, k.rows, dir);
    default: return strings_in_order(&k, dir);
    }
}

static uint8_t check_chunk(const vm_store *s, uint32_t b, int c, st_chunk *ch)
{
    const uint8_t *p = s->map + ch->off;
    uint32_t rows = block_len(s, b);
    uint8_t st = CK_OK;
    if (vm_crc32c(0, p, ch->len) != ch->crc)
        st = CK_BAD_CRC;
    else if (!bitmap_fits(ch, (const uint64_t *)(const void *)p, rows) ||
             (s->cols[c].type == TIR_STRING && !strings_fit(ch, p, rows)))
        st = CK_BAD_LAYOUT;
    else if (s->cols[c].order && !chunk_in_order(s, b, c, ch))
        st = CK_BAD_ORDER;
    __atomic_store_n(&ch->state, st, __ATOMIC_RELEASE);
    return st;
}

static tir_status chunk_error(const vm_store *s, uint32_t b, int c, uint8_t st, char *err, size_t errlen)
{
    if (st == CK_BAD_ORDER)
        return fail(err, errlen, TIR_ERR_DATA, "%s: block %u column '%s': recorded as %s but its values are not in "
                    "that order", s->path, b, s->cols[c].name, s->cols[c].order == 2 ? "descending" : "ascending");
    return fail(err, errlen, TIR_ERR_DATA, "%s: block %u column '%s': %s", s->path, b, s->cols[c].name,
                st == CK_BAD_CRC ? "checksum mismatch" : "corrupt string offsets or validity bitmap");
}

tir_status vm_store_chunk_get(vm_store *s, uint32_t b, int c, vm_store_chunk *out, char *err, size_t errlen)
{
    if (b >= s->nblocks || c < 0 || c >= s->ncols)
        return fail(err, errlen, TIR_ERR_ARG, "%s: no block %u column %d", s->path, b, c);
    st_chunk *ch = &s->chunks[(size_t)b * s->ncols + c];
    uint8_t st = __atomic_load_n(&ch->state, __ATOMIC_ACQUIRE);
    if (st == CK_UNCHECKED)
        st = check_chunk(s, b, c, ch);
    if (st != CK_OK)
        return chunk_error(s, b, c, st, err, errlen);
    fill_chunk(s, b, c, ch, out);
    return TIR_OK;
}

static void fill_chunk(const vm_store *s, uint32_t b, int c, const st_chunk *ch, vm_store_chunk *out)
{
    const uint8_t *p = s->map + ch->off;
    uint32_t rows = block_len(s, b);
    uint64_t at = st_bitmap_bytes(rows, ch->stat.nulls);
    memset(out, 0, sizeof *out);
    out->type = s->cols[c].type;
    out->rows = rows;
    out->validity = ch->stat.nulls ? (const uint64_t *)(const void *)p : NULL;
    out->file_bytes = ch->len;
    out->enc = ch->enc;
    if (out->type != TIR_STRING) {
        out->data = p + at;
    } else if (ch->enc == ST_ENC_PLAIN) {
        out->priv = p + at;                                   /* u32 offsets[rows + 1] */
        out->priv2 = p + at + 4 * ((uint64_t)rows + 1);       /* bytes */
    } else {
        out->priv = p + at;                                   /* codes[rows] */
        out->priv2 = p + st_round(at + (uint64_t)rows * (ch->enc == ST_ENC_DICT8 ? 1 : 2), 4);
        out->priv_n = ch->ndict;                              /* priv2: u32 offsets[ndict + 1], bytes */
    }
}

static inline void make_str(tir_str *o, const char *p, uint32_t len)
{
    memset(o, 0, sizeof *o);
    o->len = len;
    if (len <= TIR_STR_INLINE) {
        memcpy(o->prefix, p, len);
    } else {
        memcpy(o->prefix, p, 4);
        o->u.ptr = p;
    }
}

void vm_store_strings(const vm_store_chunk *ch, uint32_t from, uint32_t n, tir_str *out)
{
    const uint64_t *v = ch->validity;
    if (ch->enc == ST_ENC_PLAIN) {
        const uint32_t *offs = ch->priv;
        const char *bytes = ch->priv2;
        for (uint32_t i = 0; i < n; i++) {
            uint32_t r = from + i;
            if (!vm_bit_get(v, r))
                memset(&out[i], 0, sizeof out[i]);
            else
                make_str(&out[i], bytes + offs[r], offs[r + 1] - offs[r]);
        }
        return;
    }
    const uint32_t *doff = ch->priv2;
    const char *bytes = (const char *)(doff + ch->priv_n + 1);
    const uint8_t *c8 = ch->priv;
    const uint16_t *c16 = ch->priv;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t r = from + i;
        uint32_t code = ch->enc == ST_ENC_DICT8 ? c8[r] : c16[r];
        if (!vm_bit_get(v, r))
            memset(&out[i], 0, sizeof out[i]);
        else
            make_str(&out[i], bytes + doff[code], doff[code + 1] - doff[code]);
    }
}

uint32_t vm_store_dict_size(const vm_store_chunk *ch)
{
    return ch->type == TIR_STRING && ch->enc != ST_ENC_PLAIN ? ch->priv_n : 0;
}

void vm_store_dict_values(const vm_store_chunk *ch, tir_str *dict)
{
    const uint32_t *doff = ch->priv2;
    const char *bytes = (const char *)(doff + ch->priv_n + 1);
    for (uint32_t d = 0; d < vm_store_dict_size(ch); d++)
        make_str(&dict[d], bytes + doff[d], doff[d + 1] - doff[d]);
}

/* NULL rows copy some value; the validity bitmap marks them. */
#define DICT_GATHER(CT)                                                                            \
    do {                                                                                           \
        const CT *codes = (const CT *)ch->priv + from;                                             \
        for (uint32_t i = 0; i < n; i++)                                                           \
            out[i] = dict[codes[i]];                                                               \
    } while (0)

void vm_store_strings_dict(const vm_store_chunk *ch, const tir_str *dict, uint32_t from, uint32_t n,
                           tir_str *out)
{
    if (ch->enc == ST_ENC_DICT8)
        DICT_GATHER(uint8_t);
    else
        DICT_GATHER(uint16_t);
}

/* ---- bloom filters ------------------------------------------------------- */
static uint8_t check_bloom(const vm_store *s, st_bloom *bl)
{
    uint8_t st = vm_crc32c(0, s->map + bl->off, bl->len) == bl->crc ? CK_OK : CK_BAD_CRC;
    __atomic_store_n(&bl->state, st, __ATOMIC_RELEASE);
    return st;
}

bool vm_store_bloom_may_contain(vm_store *s, uint32_t b, int c, uint64_t h)
{
    if (b >= s->nblocks || c < 0 || c >= s->ncols || s->bloom_of[c] < 0)
        return true;
    st_bloom *bl = &s->blooms[(size_t)b * s->nbloom + s->bloom_of[c]];
    uint8_t st = __atomic_load_n(&bl->state, __ATOMIC_ACQUIRE);
    if (st == CK_UNCHECKED)
        st = check_bloom(s, bl);
    if (st != CK_OK)
        return true;
    return k_bloom_check((const uint32_t *)(const void *)(s->map + bl->off), bl->nblocks, h);
}

/* ---- verify -------------------------------------------------------------- */
tir_status vm_store_verify(vm_store *s, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = 0;
    tir_status st = check_frame(s, err, errlen);
    if (st != TIR_OK)
        return st;
    for (uint32_t b = 0; b < s->nblocks; b++) {
        for (int c = 0; c < s->ncols; c++) {
            uint8_t cs = check_chunk(s, b, c, &s->chunks[(size_t)b * s->ncols + c]);
            if (cs != CK_OK)
                return chunk_error(s, b, c, cs, err, errlen);
            if (s->bloom_of[c] >= 0 && check_bloom(s, &s->blooms[(size_t)b * s->nbloom + s->bloom_of[c]]) != CK_OK)
                return fail(err, errlen, TIR_ERR_DATA, "%s: block %u column '%s': bloom filter checksum mismatch",
                            s->path, b, s->cols[c].name);
        }
    }
    uint64_t *bits, n;
    st_ident id;
    st = del_load(s, &bits, &n, &id, err, errlen);
    free(bits);
    return st;
}

/* ---- deletions ----------------------------------------------------------- */
const uint64_t *vm_store_deleted(const vm_store *s) { return s->deleted; }
uint64_t vm_store_ndeleted(const vm_store *s) { return s->ndeleted; }

/* Writes bits as the deletion file via a synced temporary and a rename. */
/* *renamed: the new file is in place (even if syncing the directory failed). */
static tir_status del_write(vm_store *s, const uint64_t *bits, uint64_t words, st_ident *ident, bool *renamed,
                            char *err, size_t errlen)
{
    *renamed = false;
    size_t dlen = strlen(s->delpath);
    char *tmp = malloc(dlen + 32);
    if (!tmp)
        return fail(err, errlen, TIR_ERR_NOMEM, "%s: out of memory", s->delpath);
    snprintf(tmp, dlen + 32, "%s.tmp.%ld", s->delpath, (long)getpid());
    uint8_t head[ST_DEL_HEADER] = { 0 };
    uint32_t ver = ST_VERSION;
    memcpy(head, ST_DEL_MAGIC, 8);
    memcpy(head + 8, &ver, 4);
    memcpy(head + 16, s->id, ST_ID);
    memcpy(head + 32, &s->nrows, 8);
    uint32_t crc = vm_crc32c(vm_crc32c(0, head, sizeof head), bits, words * 8);
    struct stat sb;
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    int e = fd < 0 ? errno : 0;
    const char *what = "create";
    if (!e && ((e = vm_store_write_all(fd, head, sizeof head)) || (e = vm_store_write_all(fd, bits, words * 8)) ||
               (e = vm_store_write_all(fd, &crc, 4))))
        what = "write";
    if (!e && fsync(fd))
        e = errno, what = "fsync";
    if (!e && fstat(fd, &sb))
        e = errno, what = "stat";
    if (fd >= 0 && close(fd) && !e)
        e = errno, what = "write";
    if (!e && rename(tmp, s->delpath))
        e = errno, what = "rename";
    if (e) {
        unlink(tmp);
        tir_status st = fail(err, errlen, TIR_ERR_IO, "%s: cannot %s %s: %s", s->delpath, what, tmp, strerror(e));
        free(tmp);
        return st;
    }
    free(tmp);
    ident_of(ident, &sb);
    *renamed = true;
    if ((e = vm_store_sync_dir(s->delpath)))
        return fail(err, errlen, TIR_ERR_IO, "%s: the new deletions are in place, but their directory could not be "
                    "synced (a crash may lose them): %s", s->delpath, strerror(e));
    return TIR_OK;
}

tir_status vm_store_delete(vm_store *s, const uint64_t *rows, uint64_t n, char *err, size_t errlen)
{
    if (err && errlen)
        err[0] = 0;
    for (uint64_t i = 0; i < n; i++)
        if (rows[i] >= s->nrows)
            return fail(err, errlen, TIR_ERR_ARG, "%s: cannot delete row %llu of %llu", s->path,
                        (unsigned long long)rows[i], (unsigned long long)s->nrows);
    if (!n)
        return TIR_OK;
    /* Other writers may have deleted rows, or replaced the table, since s
    ** was opened: what the new bitmap builds on is read again under the
    ** lock, which keeps them out until it is in place. */
    int lock = vm_store_lock(s->path);
    if (lock < 0)
        return fail(err, errlen, lock == -ENOMEM ? TIR_ERR_NOMEM : TIR_ERR_IO, "%s: cannot lock %s.lock: %s", s->path,
                    s->path, strerror(-lock));
    uint64_t *bits = NULL, ndel = 0, added = 0, words = (s->nrows + 63) / 64;
    st_ident ident;
    tir_status st;
    if (!ident_same(&s->tbl, s->path)) {
        /* the row numbers are those of a table that is no longer there */
        st = fail(err, errlen, TIR_ERR_IO, "%s: the table was replaced or removed by another writer after it was "
                  "read; no rows were deleted", s->path);
        goto out;
    }
    if ((st = del_load(s, &bits, &ndel, &ident, err, errlen)) != TIR_OK)
        goto out;
    if (!bits && !(bits = calloc(words, 8))) {
        st = fail(err, errlen, TIR_ERR_NOMEM, "%s: out of memory", s->path);
        goto out;
    }
    for (uint64_t i = 0; i < n; i++) {
        uint64_t r = rows[i], m = (uint64_t)1 << (r & 63);
        added += !(bits[r >> 6] & m);
        bits[r >> 6] |= m;
    }
    if (added) {
        bool renamed;
        st = del_write(s, bits, words, &ident, &renamed, err, errlen);
        if (!renamed)
            goto out;
    }
    /* s follows the file as it now is (even if syncing the directory failed). */
    free(s->deleted);
    s->deleted = ndel + added ? bits : NULL;
    if (!s->deleted)
        free(bits);
    bits = NULL;
    s->ndeleted = ndel + added;
    s->del = ident;
out:
    vm_store_unlock(lock);
    free(bits);
    return st;
}
