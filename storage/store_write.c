/*
** store_write.c — writes an in-memory table as a native table file
** (docs/STORAGE.md).
**
** Rows are cut into blocks of block_rows; each block's columns are
** gathered (through perm) into scratch arrays sized once for a whole block,
** their statistics, dictionary and bloom filter computed there, and the
** chunk streamed through a 1 MiB buffer whose CRC is taken chunk by chunk
** as bytes leave it. The footer (schema, per-chunk entries) grows in memory
** beside and goes last, followed by the fixed-size trailer.
**
** Crash safety: everything goes to "<path>.tmp.<pid>" created with O_EXCL,
** which is fsynced, renamed over path, and the directory fsynced; only
** then is an old "<path>.del" removed (a leftover one would not match the
** new table id and is ignored on open anyway). All of it happens under the
** table's writers' lock (vm_store_lock, also taken by deletes), so writers
** of one table from several processes or threads take turns.
*/
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/random.h>
#include <unistd.h>

#include "kernels.h"
#include "store_fmt.h"
#include "decimal.h"

enum { WR_BUF = 1 << 20 };

/* Buffered output that checksums each chunk: crc accumulates over
** buf[crcpos..used) when the buffer is flushed or the chunk ends. */
typedef struct wr {
    int fd;
    uint8_t *buf;
    size_t used, crcpos;
    uint64_t flushed;         /* file bytes before buf[0] */
    uint32_t crc;
    int err;                  /* errno of the first failed write */
} wr;

typedef struct fbuf {
    uint8_t *p;
    size_t len, cap;
    bool oom;
} fbuf;

typedef struct sw {
    const char *path;
    const vm_table *t;
    const vm_store_colspec *cols;
    const uint64_t *perm;
    uint32_t block_rows;
    wr w;
    fbuf f;
    /* block scratch, block_rows entries unless noted */
    uint8_t *vals;            /* values of the storage type (16 bytes each at most) */
    uint64_t *valid;          /* validity words */
    uint64_t *hash;
    uint32_t *rowsel;         /* the valid rows */
    uint32_t *offs;           /* block_rows + 1 string offsets */
    uint16_t *codes;
    uint32_t *dict;           /* first row of each dictionary entry, ST_DICT_MAX */
    uint32_t *dslot;          /* dictionary hash slots (code + 1), dcap */
    uint64_t *hset;           /* distinct-hash set, hcap */
    uint32_t *bloom;
    size_t dcap, hcap;
    char *err;
    size_t errlen;
} sw;

static tir_status sw_fail(sw *s, tir_status st, const char *fmt, ...)
{
    if (s->err && s->errlen) {
        int k = snprintf(s->err, s->errlen, "%s: ", s->path);
        if (k >= 0 && (size_t)k < s->errlen) {
            va_list ap;
            va_start(ap, fmt);
            vsnprintf(s->err + k, s->errlen - (size_t)k, fmt, ap);
            va_end(ap);
        }
    }
    return st;
}

/* ---- syscall helpers (also used by the deletion file in store_read.c) --- */
int vm_store_write_all(int fd, const void *buf, size_t len)
{
    const uint8_t *p = buf;
    while (len) {
        ssize_t k = write(fd, p, len > ((size_t)1 << 30) ? (size_t)1 << 30 : len);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return errno;
        }
        if (k == 0)
            return EIO; /* no progress: do not spin */
        p += k;
        len -= (size_t)k;
    }
    return 0;
}

/* ---- the writers' lock ---------------------------------------------------- */

/* Whether name is base + ".tmp." or base + ".del.tmp." + digits: a
** temporary file of a writer of this table. */
static bool is_leftover(const char *name, const char *base, size_t blen)
{
    if (strncmp(name, base, blen))
        return false;
    name += blen;
    if (!strncmp(name, ".tmp.", 5))
        name += 5;
    else if (!strncmp(name, ".del.tmp.", 9))
        name += 9;
    else
        return false;
    if (!*name)
        return false;
    for (; *name; name++)
        if (*name < '0' || *name > '9')
            return false;
    return true;
}

/* Under the lock no writer of the table is live, so its temporary files
** are those of writers that crashed (or were killed): removed. Failing to
** remove one is no error; the next writer tries again. */
static void remove_leftovers(const char *path)
{
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    char *dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
    DIR *d = dir ? opendir(dir) : NULL;
    free(dir);
    if (!d)
        return;
    size_t blen = strlen(base);
    struct dirent *de;
    while ((de = readdir(d)))
        if (is_leftover(de->d_name, base, blen))
            unlinkat(dirfd(d), de->d_name, 0);
    closedir(d);
}

int vm_store_lock(const char *path)
{
    size_t plen = strlen(path);
    char *lock = malloc(plen + 6);
    if (!lock)
        return -ENOMEM;
    memcpy(lock, path, plen);
    memcpy(lock + plen, ".lock", 6);
    /* Read-only is enough for flock, and works when the file is someone else's. */
    int fd = open(lock, O_RDONLY | O_CREAT | O_CLOEXEC, 0644);
    int e = fd < 0 ? errno : 0;
    free(lock);
    if (fd < 0)
        return -e;
    while (flock(fd, LOCK_EX)) {
        if (errno == EINTR)
            continue;
        e = errno;
        close(fd);
        return -e;
    }
    remove_leftovers(path);
    return fd;
}

void vm_store_unlock(int fd)
{
    if (fd >= 0)
        close(fd); /* releases the flock */
}

int vm_store_sync_dir(const char *path)
{
    /* Called after the rename: no allocation that could fail once the new
    ** file is in place (a longer name could not be opened anyway). */
    const char *slash = strrchr(path, '/');
    size_t n = slash ? (slash == path ? 1 : (size_t)(slash - path)) : 1;
    char dir[PATH_MAX];
    if (n >= sizeof dir)
        return ENAMETOOLONG;
    memcpy(dir, slash ? path : ".", n);
    dir[n] = 0;
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return errno;
    int r = fsync(fd) ? errno : 0;
    close(fd);
    return r;
}

/* ---- buffered, checksummed output --------------------------------------- */
static void wr_flush(wr *w)
{
    w->crc = vm_crc32c(w->crc, w->buf + w->crcpos, w->used - w->crcpos);
    if (!w->err)
        w->err = vm_store_write_all(w->fd, w->buf, w->used);
    w->flushed += w->used;
    w->used = w->crcpos = 0;
}

static void wr_put(wr *w, const void *p, size_t n)
{
    const uint8_t *q = p;
    while (n) {
        size_t k = WR_BUF - w->used < n ? WR_BUF - w->used : n;
        memcpy(w->buf + w->used, q, k);
        w->used += k;
        q += k;
        n -= k;
        if (w->used == WR_BUF)
            wr_flush(w);
    }
}

static uint64_t wr_pos(const wr *w)
{
    return w->flushed + w->used;
}

static void wr_align(wr *w, uint64_t a)
{
    static const uint8_t zeros[ST_ALIGN];
    uint64_t pad = st_round(wr_pos(w), a) - wr_pos(w);
    wr_put(w, zeros, (size_t)pad);
}

static void wr_begin(wr *w)
{
    w->crc = 0;
    w->crcpos = w->used;
}

static uint32_t wr_end(wr *w)
{
    w->crc = vm_crc32c(w->crc, w->buf + w->crcpos, w->used - w->crcpos);
    w->crcpos = w->used;
    return w->crc;
}

/* ---- footer bytes ------------------------------------------------------- */
static void fb_put(fbuf *f, const void *p, size_t n)
{
    if (f->oom)
        return;
    if (f->len + n > f->cap) {
        size_t cap = f->cap ? f->cap : 4096;
        while (cap < f->len + n)
            cap *= 2;
        uint8_t *q = realloc(f->p, cap);
        if (!q) {
            f->oom = true;
            return;
        }
        f->p = q;
        f->cap = cap;
    }
    memcpy(f->p + f->len, p, n);
    f->len += n;
}

static void fb_u8(fbuf *f, uint8_t v) { fb_put(f, &v, 1); }
static void fb_u16(fbuf *f, uint16_t v) { fb_put(f, &v, 2); }
static void fb_u32(fbuf *f, uint32_t v) { fb_put(f, &v, 4); }
static void fb_u64(fbuf *f, uint64_t v) { fb_put(f, &v, 8); }

/* ---- one block of one column -------------------------------------------- */

/* Copies rows [r0, r0 + rows) (through perm) into s->vals / s->valid and
** returns the NULL count. NULL rows get zero values. Without perm the
** rows are contiguous and r0 is a multiple of 64, so whole words copy. */
static uint64_t gather(sw *s, int c, uint64_t r0, uint32_t rows)
{
    const vm_column *col = &s->t->cols[c];
    size_t w = vm_type_width(col->type);
    uint32_t words = (rows + 63) / 64;
    const uint64_t *sv = col->validity;
    if (!s->perm) {
        memcpy(s->vals, (const uint8_t *)col->data + r0 * w, (size_t)rows * w);
        if (sv)
            memcpy(s->valid, sv + r0 / 64, (size_t)words * 8);
        else
            memset(s->valid, 0xff, (size_t)words * 8);
    } else {
        memset(s->valid, 0, (size_t)words * 8);
        for (uint32_t i = 0; i < rows; i++) {
            uint64_t r = s->perm[r0 + i];
            memcpy(s->vals + (size_t)i * w, (const uint8_t *)col->data + r * w, w);
            if (vm_bit_get(sv, r))
                s->valid[i >> 6] |= (uint64_t)1 << (i & 63);
        }
    }
    if (rows & 63)
        s->valid[words - 1] &= ((uint64_t)1 << (rows & 63)) - 1;
    uint64_t valid = 0;
    for (uint32_t i = 0; i < words; i++)
        valid += (uint64_t)__builtin_popcountll(s->valid[i]);
    if (valid < rows)
        for (uint32_t i = 0; i < rows; i++)
            if (!vm_bit_get(s->valid, i))
                memset(s->vals + (size_t)i * w, 0, w);
    if (col->type == TIR_BOOL)
        for (uint32_t i = 0; i < rows; i++)
            s->vals[i] = s->vals[i] != 0;
    return rows - valid;
}

/* The statistics part of a chunk's footer entry: flags, dictionary size,
** then min and max of the valid rows (f64 NaN skipped). */
/* lo and hi of KEY(value) over the valid rows but those SKIP names (KEY
** empty: the values themselves). */
#define MINMAX_KEY(CT, KEY, SKIP)                                              \
    do {                                                                       \
        const CT *a = (const CT *)(const void *)s->vals;                       \
        for (uint32_t i = 0; i < rows; i++) {                                  \
            if (!vm_bit_get(s->valid, i) || (SKIP))                            \
                continue;                                                      \
            if (!has || KEY(a[i]) < lo)                                        \
                lo = KEY(a[i]);                                                \
            if (!has || KEY(a[i]) > hi)                                        \
                hi = KEY(a[i]);                                                \
            has = true;                                                        \
        }                                                                      \
    } while (0)
#define MINMAX(CT, SKIP) MINMAX_KEY(CT, , SKIP)

static void put_stat_str(fbuf *f, const tir_str *v)
{
    uint32_t n = v->len < VM_STORE_STAT_STR ? v->len : VM_STORE_STAT_STR;
    fb_u8(f, (uint8_t)n);
    fb_put(f, tir_str_ptr(v), n);
}

static void put_stats(sw *s, tir_type type, uint32_t rows, uint32_t ndict)
{
    bool has = false;
    uint8_t bounds[32];
    if (type == TIR_STRING) {
        const tir_str *a = (const tir_str *)(const void *)s->vals;
        const tir_str *lo = NULL, *hi = NULL;
        for (uint32_t i = 0; i < rows; i++) {
            if (!vm_bit_get(s->valid, i))
                continue;
            if (!lo || k_str_cmp(&a[i], lo) < 0)
                lo = &a[i];
            if (!hi || k_str_cmp(&a[i], hi) > 0)
                hi = &a[i];
        }
        /* A prefix of the min is still a lower bound; a cut max is not an upper one. */
        bool keep_hi = hi && hi->len <= VM_STORE_STAT_STR;
        fb_u8(&s->f, (uint8_t)((lo ? ST_HAS_MIN : 0) | (keep_hi ? ST_HAS_MAX : 0)));
        fb_u32(&s->f, ndict);
        if (lo)
            put_stat_str(&s->f, lo);
        if (keep_hi)
            put_stat_str(&s->f, hi);
        return;
    }
    size_t width = 8;   /* of one bound */
    if (type == TIR_DECIMAL128 || type == TIR_INTERVAL) {
        /* an interval by its normalized value (k_iv_key), DuckDB's order, not its parts */
        __int128 lo = 0, hi = 0;
        if (type == TIR_INTERVAL)
            MINMAX_KEY(tir_interval, k_iv_key, false);
        else
            MINMAX(__int128, false);
        memcpy(bounds, &lo, 16);
        memcpy(bounds + 16, &hi, 16);
        width = 16;
    } else if (type == TIR_F64) {
        double lo = 0, hi = 0;
        MINMAX(double, a[i] != a[i]);
        memcpy(bounds, &lo, 8);
        memcpy(bounds + 8, &hi, 8);
    } else {
        int64_t lo = 0, hi = 0;
        if (type == TIR_BOOL)
            MINMAX(uint8_t, false);
        else if (type == TIR_I64)
            MINMAX(int64_t, false);
        else
            MINMAX(int32_t, false);
        memcpy(bounds, &lo, 8);
        memcpy(bounds + 8, &hi, 8);
    }
    fb_u8(&s->f, has ? ST_HAS_MIN | ST_HAS_MAX : 0);
    fb_u32(&s->f, ndict);
    if (has)
        fb_put(&s->f, bounds, 2 * width);
}
#undef MINMAX
#undef MINMAX_KEY

/* Builds the dictionary of the block's valid strings into s->dict/codes.
** Returns its size, or 0 when it has more than ST_DICT_MAX entries. */
static uint32_t build_dict(sw *s, uint32_t rows, uint64_t *dict_bytes)
{
    const tir_str *a = (const tir_str *)(const void *)s->vals;
    size_t cap = 16;
    while (cap < 2 * (size_t)rows && cap < s->dcap)
        cap *= 2;
    memset(s->dslot, 0, cap * 4);
    uint32_t nd = 0;
    uint64_t bytes = 0;
    for (uint32_t i = 0; i < rows; i++) {
        if (!vm_bit_get(s->valid, i)) {
            s->codes[i] = 0;
            continue;
        }
        size_t j = s->hash[i] & (cap - 1);
        for (;; j = (j + 1) & (cap - 1)) {
            uint32_t e = s->dslot[j];
            if (!e) {
                if (nd == ST_DICT_MAX)
                    return 0;
                s->dslot[j] = nd + 1;
                s->dict[nd] = i;
                bytes += a[i].len;
                s->codes[i] = (uint16_t)nd++;
                break;
            }
            if (k_str_eq(&a[s->dict[e - 1]], &a[i])) {
                s->codes[i] = (uint16_t)(e - 1);
                break;
            }
        }
    }
    *dict_bytes = bytes;
    return nd;
}

/* Values of a string chunk: plain offsets + bytes, or codes + dictionary,
** whichever is smaller. Sets *enc and *ndict. */
static tir_status write_strings(sw *s, int c, uint32_t rows, uint8_t *enc, uint32_t *ndict)
{
    const tir_str *a = (const tir_str *)(const void *)s->vals;
    k_hash_str(a, NULL, NULL, rows, false, s->hash);
    uint64_t total = 0;
    for (uint32_t i = 0; i < rows; i++)
        total += a[i].len;
    uint64_t plain = 4 * ((uint64_t)rows + 1) + total;
    uint64_t dbytes = 0;
    uint32_t nd = build_dict(s, rows, &dbytes);
    uint32_t cw = nd <= 256 ? 1 : 2;
    uint64_t dict = st_round((uint64_t)rows * cw, 4) + 4 * ((uint64_t)nd + 1) + dbytes;
    if (nd && dict < plain) {
        if (cw == 1) {
            uint8_t *c8 = (uint8_t *)s->codes;
            for (uint32_t i = 0; i < rows; i++)
                c8[i] = (uint8_t)s->codes[i];
        }
        wr_put(&s->w, s->codes, (size_t)rows * cw);
        wr_align(&s->w, 4);
        s->offs[0] = 0;
        for (uint32_t d = 0; d < nd; d++)
            s->offs[d + 1] = s->offs[d] + a[s->dict[d]].len;
        wr_put(&s->w, s->offs, 4 * ((size_t)nd + 1));
        for (uint32_t d = 0; d < nd; d++)
            wr_put(&s->w, tir_str_ptr(&a[s->dict[d]]), a[s->dict[d]].len);
        *enc = cw == 1 ? ST_ENC_DICT8 : ST_ENC_DICT16;
        *ndict = nd;
        return TIR_OK;
    }
    if (total > UINT32_MAX)
        return sw_fail(s, TIR_ERR_DATA, "column '%s': more than 4 GiB of strings in one block (use smaller blocks)",
                       s->cols[c].name);
    s->offs[0] = 0;
    for (uint32_t i = 0; i < rows; i++)
        s->offs[i + 1] = s->offs[i] + a[i].len;
    wr_put(&s->w, s->offs, 4 * ((size_t)rows + 1));
    for (uint32_t i = 0; i < rows; i++)
        wr_put(&s->w, tir_str_ptr(&a[i]), a[i].len);
    *enc = ST_ENC_PLAIN;
    *ndict = 0;
    return TIR_OK;
}

/* Bloom filter of the valid rows' hashes (k_hash_* of the column type),
** sized from their distinct count, written as its own chunk. */
static void write_bloom(sw *s, tir_type type, uint32_t rows)
{
    const void *v = s->vals;
    switch (type) {
    case TIR_BOOL: k_hash_bool(v, NULL, NULL, rows, false, s->hash); break;
    case TIR_I32: case TIR_DATE: k_hash_i32(v, NULL, NULL, rows, false, s->hash); break;
    case TIR_I64: k_hash_i64(v, NULL, NULL, rows, false, s->hash); break;
    case TIR_F64: k_hash_f64(v, NULL, NULL, rows, false, s->hash); break;
    case TIR_DECIMAL128: k_hash_d128(v, NULL, NULL, rows, false, s->hash); break;
    case TIR_INTERVAL: k_hash_iv(v, NULL, NULL, rows, false, s->hash); break;   /* by the normalized value */
    default: break; /* strings: hashed by write_strings already */
    }
    uint32_t nv = 0;
    for (uint32_t i = 0; i < rows; i++) {
        s->rowsel[nv] = i;
        nv += vm_bit_get(s->valid, i);
    }
    size_t cap = 16;
    while (cap < 2 * (size_t)nv)
        cap *= 2;
    memset(s->hset, 0, cap * 8);
    uint64_t nd = 0;
    bool zero = false;
    for (uint32_t j = 0; j < nv; j++) {
        uint64_t h = s->hash[s->rowsel[j]];
        if (!h) {
            nd += !zero;
            zero = true;
            continue;
        }
        size_t k = h & (cap - 1);
        while (s->hset[k] && s->hset[k] != h)
            k = (k + 1) & (cap - 1);
        nd += !s->hset[k];
        s->hset[k] = h;
    }
    uint32_t nb = k_bloom_nblocks(nd);
    memset(s->bloom, 0, (size_t)nb * 32);
    k_bloom_insert(s->bloom, nb, s->hash, s->rowsel, nv);
    uint64_t off = wr_pos(&s->w);
    wr_begin(&s->w);
    wr_put(&s->w, s->bloom, (size_t)nb * 32);
    wr_align(&s->w, ST_ALIGN);
    uint32_t crc = wr_end(&s->w);
    fb_u64(&s->f, off);
    fb_u64(&s->f, wr_pos(&s->w) - off);
    fb_u32(&s->f, nb);
    fb_u32(&s->f, crc);
}

/* One column chunk (and its bloom filter) of the block at r0, with its
** footer entry. */
static tir_status write_chunk(sw *s, int c, uint64_t r0, uint32_t rows)
{
    const vm_store_colspec *cs = &s->cols[c];
    uint64_t nulls = gather(s, c, r0, rows);
    if (nulls && !cs->nullable)
        return sw_fail(s, TIR_ERR_DATA, "column '%s' is not nullable but has NULLs", cs->name);
    uint64_t off = wr_pos(&s->w);
    wr_begin(&s->w);
    if (nulls) {
        wr_put(&s->w, s->valid, (size_t)(rows + 63) / 64 * 8);
        wr_align(&s->w, ST_ALIGN);
    }
    uint8_t enc = ST_ENC_PLAIN;
    uint32_t ndict = 0;
    if (cs->type == TIR_STRING) {
        tir_status st = write_strings(s, c, rows, &enc, &ndict);
        if (st != TIR_OK)
            return st;
    } else {
        wr_put(&s->w, s->vals, (size_t)rows * vm_type_width(cs->type));
    }
    wr_align(&s->w, ST_ALIGN);
    uint32_t crc = wr_end(&s->w);
    fb_u64(&s->f, off);
    fb_u64(&s->f, wr_pos(&s->w) - off);
    fb_u32(&s->f, crc);
    fb_u32(&s->f, (uint32_t)nulls);
    fb_u8(&s->f, enc);
    put_stats(s, cs->type, rows, ndict);
    if (cs->bloom)
        write_bloom(s, cs->type, rows);
    return TIR_OK;
}

/* ---- the whole file ----------------------------------------------------- */
/* Scratch for the largest block actually written (a small table with a
** huge block size must not allocate for the block size). */
static bool sw_alloc(sw *s)
{
    size_t br = s->t->nrows < s->block_rows ? (size_t)s->t->nrows : s->block_rows;
    br = br ? br : 1;
    s->dcap = 16;
    while (s->dcap < 2 * br && s->dcap < 4 * (size_t)ST_DICT_MAX)
        s->dcap *= 2;
    s->hcap = 16;
    while (s->hcap < 2 * br)
        s->hcap *= 2;
    s->w.buf = malloc(WR_BUF);
    s->vals = malloc(br * sizeof(tir_str));
    s->valid = malloc((br + 63) / 64 * 8);
    s->hash = malloc(br * 8);
    s->rowsel = malloc(br * 4);
    s->offs = malloc((br + 1) * 4);
    s->codes = malloc(br * 2);
    s->dict = malloc((br < ST_DICT_MAX ? br : ST_DICT_MAX) * 4);
    s->dslot = malloc(s->dcap * 4);
    s->hset = malloc(s->hcap * 8);
    s->bloom = malloc((size_t)k_bloom_nblocks(br) * 32);
    return s->w.buf && s->vals && s->valid && s->hash && s->rowsel && s->offs && s->codes && s->dict &&
           s->dslot && s->hset && s->bloom;
}

static void sw_free(sw *s)
{
    free(s->w.buf);
    free(s->vals);
    free(s->valid);
    free(s->hash);
    free(s->rowsel);
    free(s->offs);
    free(s->codes);
    free(s->dict);
    free(s->dslot);
    free(s->hset);
    free(s->bloom);
    free(s->f.p);
}

/* Whether a column description fits its data's type: a narrow decimal
** or a timestamp is an i64 (store.h), a wide decimal a TIR_DECIMAL128 of
** 19 to 38 digits, and no other type has a precision. */
static bool spec_ok(const vm_store_colspec *cs, tir_type data)
{
    if (cs->type != data || cs->type < 0 || cs->type >= TIR_NTYPES || cs->type == TIR_DECIMAL ||
        cs->type == TIR_TIMESTAMP || cs->order > 2)
        return false;
    if (cs->timestamp && (cs->type != TIR_I64 || cs->prec))
        return false;
    if (cs->type == TIR_DECIMAL128)
        return cs->prec && !vm_dec_check(cs->prec, cs->scale) && VM_DEC_TYPE(cs->prec) == TIR_DECIMAL128;
    return !cs->prec || (cs->type == TIR_I64 && !vm_dec_check(cs->prec, cs->scale) &&
                         VM_DEC_TYPE(cs->prec) == TIR_DECIMAL);
}

static tir_status check_args(sw *s, uint64_t nblocks)
{
    const vm_table *t = s->t;
    if (s->block_rows % 64)
        return sw_fail(s, TIR_ERR_ARG, "block size %u is not a multiple of 64", s->block_rows);
    if (nblocks > UINT32_MAX)
        return sw_fail(s, TIR_ERR_ARG, "%llu rows make more than 2^32 blocks of %u rows",
                       (unsigned long long)t->nrows, s->block_rows);
    if (t->ncols < 0 || (t->ncols && !s->cols))
        return sw_fail(s, TIR_ERR_ARG, "no column descriptions");
    for (int c = 0; c < t->ncols; c++) {
        const vm_store_colspec *cs = &s->cols[c];
        if (!cs->name || !cs->name[0] || strlen(cs->name) > UINT16_MAX)
            return sw_fail(s, TIR_ERR_ARG, "column %d: name empty or longer than 65535 bytes", c + 1);
        if (!spec_ok(cs, t->types[c]))
            return sw_fail(s, TIR_ERR_ARG, "column '%s': description does not match the data", cs->name);
        if (t->cols[c].len < t->nrows)
            return sw_fail(s, TIR_ERR_ARG, "column '%s' has fewer rows than the table", cs->name);
    }
    if (s->perm)
        for (uint64_t r = 0; r < t->nrows; r++)
            if (s->perm[r] >= t->nrows)
                return sw_fail(s, TIR_ERR_ARG, "row order names row %llu of %llu",
                               (unsigned long long)s->perm[r], (unsigned long long)t->nrows);
    return TIR_OK;
}

static void put_schema(sw *s, uint64_t nblocks, const uint8_t id[ST_ID])
{
    fbuf *f = &s->f;
    fb_u32(f, (uint32_t)s->t->ncols);
    fb_u32(f, s->block_rows);
    fb_u64(f, s->t->nrows);
    fb_u32(f, (uint32_t)nblocks);
    fb_put(f, id, ST_ID);
    for (int c = 0; c < s->t->ncols; c++) {
        const vm_store_colspec *cs = &s->cols[c];
        size_t n = strlen(cs->name);
        fb_u16(f, (uint16_t)n);
        fb_put(f, cs->name, n);
        fb_u8(f, (uint8_t)vm_store_coltype(cs));
        fb_u8(f, (uint8_t)((cs->nullable ? ST_COL_NULLABLE : 0) | (cs->unique ? ST_COL_UNIQUE : 0) |
                           (cs->bloom ? ST_COL_BLOOM : 0)));
        fb_u8(f, cs->order);
        if (cs->prec) {
            fb_u8(f, cs->prec);
            fb_u8(f, cs->scale);
        }
    }
}

static tir_status random_id(sw *s, uint8_t id[ST_ID])
{
    size_t got = 0;
    while (got < ST_ID) {
        ssize_t k = getrandom(id + got, ST_ID - got, 0);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return sw_fail(s, TIR_ERR_IO, "cannot get random bytes for the table id: %s", strerror(errno));
        }
        got += (size_t)k;
    }
    return TIR_OK;
}

/* Header, blocks, footer and trailer into the open temporary file. */
static tir_status write_body(sw *s, uint64_t nblocks, const uint8_t id[ST_ID])
{
    uint8_t head[ST_HEADER];
    st_header(head);
    wr_put(&s->w, head, ST_HEADER);
    put_schema(s, nblocks, id);
    for (uint64_t b = 0; b < nblocks; b++) {
        uint64_t r0 = b * s->block_rows;
        uint32_t rows = s->t->nrows - r0 < s->block_rows ? (uint32_t)(s->t->nrows - r0) : s->block_rows;
        for (int c = 0; c < s->t->ncols; c++) {
            tir_status st = write_chunk(s, c, r0, rows);
            if (st != TIR_OK)
                return st;
        }
        if (s->w.err)
            break;
    }
    if (s->f.oom)
        return sw_fail(s, TIR_ERR_NOMEM, "out of memory");
    uint64_t foot_off = wr_pos(&s->w);
    wr_begin(&s->w);
    wr_put(&s->w, s->f.p, s->f.len);
    uint32_t fcrc = wr_end(&s->w);
    uint64_t flen = s->f.len;
    uint32_t ver = ST_VERSION;
    wr_put(&s->w, &foot_off, 8);
    wr_put(&s->w, &flen, 8);
    wr_put(&s->w, &fcrc, 4);
    wr_put(&s->w, &ver, 4);
    wr_put(&s->w, ST_MAGIC, 8);
    wr_flush(&s->w);
    return TIR_OK;
}

tir_status vm_store_write(const char *path, const vm_table *t, const vm_store_colspec *cols,
                          const uint64_t *perm, uint32_t block_rows, char *err, size_t errlen)
{
    sw s = { .path = path, .t = t, .cols = cols, .perm = perm,
             .block_rows = block_rows ? block_rows : VM_STORE_BLOCK_ROWS, .err = err, .errlen = errlen };
    s.w.fd = -1;
    int lock = -1;
    if (err && errlen)
        err[0] = 0;
    uint64_t nblocks = t->nrows / s.block_rows + (t->nrows % s.block_rows != 0);
    tir_status st = check_args(&s, nblocks);
    uint8_t id[ST_ID];
    if (st == TIR_OK)
        st = random_id(&s, id);
    if (st != TIR_OK)
        return st;
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 32), *del = malloc(plen + 8);
    if (!tmp || !del || !sw_alloc(&s)) {
        st = sw_fail(&s, TIR_ERR_NOMEM, "out of memory");
        goto out;
    }
    snprintf(tmp, plen + 32, "%s.tmp.%ld", path, (long)getpid());
    snprintf(del, plen + 8, "%s.del", path);
    /* Other writers of this table (deletes included) wait from here until
    ** the new table is in place; readers never wait. Under the lock the
    ** temporary name is ours alone, even among threads of this process. */
    lock = vm_store_lock(path);
    if (lock < 0) {
        st = sw_fail(&s, lock == -ENOMEM ? TIR_ERR_NOMEM : TIR_ERR_IO, "cannot lock %s.lock: %s", path,
                     strerror(-lock));
        goto out;
    }
    s.w.fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (s.w.fd < 0) {
        st = sw_fail(&s, TIR_ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
        goto out;
    }
    st = write_body(&s, nblocks, id);
    if (st == TIR_OK && s.w.err)
        st = sw_fail(&s, TIR_ERR_IO, "cannot write %s: %s", tmp, strerror(s.w.err));
    if (st == TIR_OK && fsync(s.w.fd))
        st = sw_fail(&s, TIR_ERR_IO, "cannot fsync %s: %s", tmp, strerror(errno));
    if (close(s.w.fd) && st == TIR_OK)
        st = sw_fail(&s, TIR_ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
    s.w.fd = -1;
    if (st == TIR_OK && rename(tmp, path))
        st = sw_fail(&s, TIR_ERR_IO, "cannot rename %s to it: %s", tmp, strerror(errno));
    if (st != TIR_OK) {
        unlink(tmp);
        goto out;
    }
    /* The new table is in place: from here on a failure cannot bring the
    ** old one back, and the error says so. */
    int e = vm_store_sync_dir(path);
    if (e) {
        /* The old deletions stay: if the rename is lost in a crash, they
        ** are the old table's again. */
        st = sw_fail(&s, TIR_ERR_IO, "the new table is in place, but its directory could not be synced (a crash "
                     "may bring back the old one): %s", strerror(e));
        goto out;
    }
    /* The old table's deletions; were this lost in a crash, the id no longer matches. */
    unlink(del);
out:
    if (s.w.fd >= 0) {
        close(s.w.fd);
        unlink(tmp);
    }
    vm_store_unlock(lock);
    sw_free(&s);
    free(tmp);
    free(del);
    return st;
}
