/*
** spill.c — spill files (see spill.h). A chunk on disk:
**
**     header  magic u32 | rows u32 | columns u32 | crc32c u32 | payload bytes u64 | 0 u64
**     payload per column: width u8, string u8, has validity u8, 5 zero bytes
**             (padded to 16); then per column: values (rows x width),
**             validity (ceil(rows / 64) words) when it has one, and for a
**             string column the length of its string bytes (u64, padded to
**             16) and the bytes. A long string's header holds the offset of
**             its bytes in that area instead of a pointer. Every section is
**             padded to 16 bytes, so values read back are aligned for any
**             type (16-byte sums of avg included).
**
** The CRC covers the payload; a chunk is read back only whole and verified.
*/
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "kernels.h"
#include "spill.h"
#include "store.h"

#define SPILL_MAGIC 0x4c505354u /* "TSPL" */

struct vm_spill {
    char *dir;
    uint64_t cap;
    _Atomic uint64_t held, written;
};

struct vm_spill_file {
    vm_spill *s;
    int fd;
    uint64_t wpos, rpos, rows;
    bool reading;
};

vm_spill *vm_spill_new(const char *dir, uint64_t cap)
{
    vm_spill *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    if (!dir || !*dir)
        dir = getenv("TMPDIR");
    if (!dir || !*dir)
        dir = "/tmp";
    if (!(s->dir = strdup(dir))) {
        free(s);
        return NULL;
    }
    /* The default cap leaves a tenth of the free space to everyone else: a
    ** spill must not be what fills the disk. Measured here, once, so that
    ** threads spilling at once all see it (a statvfs call per run). */
    struct statvfs v;
    s->cap = cap ? cap : statvfs(s->dir, &v) == 0 ? (uint64_t)v.f_bavail * v.f_frsize / 10 * 9 : 0;
    return s;
}

void vm_spill_free(vm_spill *s)
{
    if (!s)
        return;
    free(s->dir);
    free(s);
}

uint64_t vm_spill_held(const vm_spill *s)
{
    return s ? atomic_load(&s->held) : 0;
}

uint64_t vm_spill_written(const vm_spill *s)
{
    return s ? atomic_load(&s->written) : 0;
}

static int open_unlinked(const char *dir)
{
    int fd;
#ifdef O_TMPFILE
    fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
        return fd;
#endif
    /* file systems without O_TMPFILE: the name lives for two system calls */
    size_t n = strlen(dir) + 32;
    char *path = malloc(n);
    if (!path) {
        errno = ENOMEM;
        return -1;
    }
    snprintf(path, n, "%s/tir-spill-XXXXXX", dir);
    fd = mkostemp(path, O_CLOEXEC);
    if (fd >= 0)
        unlink(path);
    free(path);
    return fd;
}

tir_status vm_spill_create(vm_spill *s, vm_spill_file **out, char *err, size_t errlen)
{
    *out = NULL;
    vm_spill_file *f = calloc(1, sizeof *f);
    if (!f)
        return TIR_ERR_NOMEM;
    f->s = s;
    if ((f->fd = open_unlinked(s->dir)) < 0) {
        snprintf(err, errlen, "cannot create a spill file in %s: %s", s->dir, strerror(errno));
        free(f);
        return errno == ENOMEM ? TIR_ERR_NOMEM : TIR_ERR_IO;
    }
    *out = f;
    return TIR_OK;
}

void vm_spill_close(vm_spill_file *f)
{
    if (!f)
        return;
    atomic_fetch_sub(&f->s->held, f->wpos);
    close(f->fd);
    free(f);
}

void vm_spill_rewind(vm_spill_file *f)
{
    f->reading = true;
    f->rpos = 0;
}

uint64_t vm_spill_file_rows(const vm_spill_file *f)
{
    return f ? f->rows : 0;
}

uint64_t vm_spill_file_bytes(const vm_spill_file *f)
{
    return f ? f->wpos : 0;
}

enum { HDR = 32 };

static size_t pad16(size_t n)
{
    return (n + 15) & ~(size_t)15;
}

static size_t valid_bytes(uint32_t n)
{
    return pad16(((size_t)n + 63) / 64 * 8);
}

static bool any_null(const uint64_t *v, const uint32_t *idx, uint32_t n)
{
    if (!v)
        return false;
    for (uint32_t i = 0; i < n; i++) {
        uint64_t r = idx ? idx[i] : i;
        if (!((v[r >> 6] >> (r & 63)) & 1))
            return true;
    }
    return false;
}

static uint64_t long_bytes(const tir_str *s, const uint32_t *idx, uint32_t n)
{
    uint64_t b = 0;
    for (uint32_t i = 0; i < n; i++) {
        const tir_str *v = &s[idx ? idx[i] : i];
        if (v->len > TIR_STR_INLINE)
            b += v->len;
    }
    return b;
}

/* Column c's section of a chunk, written at p; returns its end. */
static char *put_column(char *p, const vm_spcol *c, bool valid, const uint32_t *idx, uint32_t n)
{
    char *vals = p;
    if (!idx) {
        memcpy(vals, c->data, (size_t)n * c->width);
    } else {
        switch (c->width) { /* one typed loop per width, not a memcpy call per value */
        case 1: k_gather_u8(c->data, idx, n, (uint8_t *)vals); break;
        case 4: k_gather_u32(c->data, idx, n, (uint32_t *)vals); break;
        case 8: k_gather_u64(c->data, idx, n, (uint64_t *)vals); break;
        default: k_gather_str(c->data, idx, n, (tir_str *)vals); break; /* 16 bytes */
        }
    }
    memset(vals + (size_t)n * c->width, 0, pad16((size_t)n * c->width) - (size_t)n * c->width);
    p += pad16((size_t)n * c->width);
    if (valid) {
        uint64_t *v = (uint64_t *)p;
        memset(v, 0, valid_bytes(n));
        for (uint32_t i = 0; i < n; i++) {
            uint64_t r = idx ? idx[i] : i;
            if ((c->validity[r >> 6] >> (r & 63)) & 1)
                v[i >> 6] |= (uint64_t)1 << (i & 63);
        }
        p += valid_bytes(n);
    }
    if (c->string) {
        uint64_t *len = (uint64_t *)p;
        char *bytes = p + 16;
        uint64_t off = 0;
        tir_str *s = (tir_str *)vals;
        for (uint32_t i = 0; i < n; i++) {
            if (s[i].len <= TIR_STR_INLINE)
                continue;
            memcpy(bytes + off, s[i].u.ptr, s[i].len);
            s[i].u.ptr = (const char *)(uintptr_t)off;
            off += s[i].len;
        }
        *len = off;
        memset(p + 8, 0, 8);
        memset(bytes + off, 0, pad16(off) - off);
        p += 16 + pad16(off);
    }
    return p;
}

static tir_status write_all(vm_spill_file *f, const void *buf, size_t len, char *err, size_t errlen)
{
    const char *p = buf;
    while (len) {
        ssize_t w = pwrite(f->fd, p, len, (off_t)f->wpos);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = w < 0 ? errno : ENOSPC;
            snprintf(err, errlen, "cannot write a spill file in %s: %s (%llu bytes spilled by this run)", f->s->dir,
                     strerror(e), (unsigned long long)atomic_load(&f->s->held));
            return TIR_ERR_IO;
        }
        p += w;
        len -= (size_t)w;
        f->wpos += (uint64_t)w;
        atomic_fetch_add(&f->s->held, (uint64_t)w);
        atomic_fetch_add(&f->s->written, (uint64_t)w);
    }
    return TIR_OK;
}

tir_status vm_spill_write(vm_spill_file *f, const vm_spcol *cols, int ncols, const uint32_t *idx, uint32_t n,
                          char *err, size_t errlen)
{
    if (f->reading || ncols <= 0) {
        snprintf(err, errlen, "internal error: spill file written after reading or with no column");
        return TIR_ERR_RUNTIME;
    }
    if (!n)
        return TIR_OK;
    size_t payload = pad16((size_t)ncols * 8);
    bool *valid = calloc((size_t)ncols, sizeof *valid);
    if (!valid)
        return TIR_ERR_NOMEM;
    for (int c = 0; c < ncols; c++) {
        valid[c] = any_null(cols[c].validity, idx, n);
        payload += pad16((size_t)n * cols[c].width) + (valid[c] ? valid_bytes(n) : 0);
        if (cols[c].string)
            payload += 16 + pad16(long_bytes(cols[c].data, idx, n));
    }
    uint64_t cap = f->s->cap;
    uint64_t held = atomic_load(&f->s->held);
    if (held + HDR + payload > cap) {
        free(valid);
        snprintf(err, errlen,
                 "spill limit of %llu bytes in %s reached (%llu held, %zu more needed); raise it or the memory limit",
                 (unsigned long long)cap, f->s->dir, (unsigned long long)held, HDR + payload);
        return TIR_ERR_IO;
    }
    /* padding bytes are covered by the CRC: each section zeroes its own,
    ** the header and column descriptions are zeroed here (not the whole
    ** chunk: most of it is written over) */
    char *buf = malloc(HDR + payload);
    if (!buf) {
        free(valid);
        return TIR_ERR_NOMEM;
    }
    memset(buf, 0, HDR + pad16((size_t)ncols * 8));
    char *p = buf + HDR;
    for (int c = 0; c < ncols; c++) {
        p[0] = (char)cols[c].width;
        p[1] = cols[c].string;
        p[2] = valid[c];
        p += 8;
    }
    p = buf + HDR + pad16((size_t)ncols * 8);
    for (int c = 0; c < ncols; c++)
        p = put_column(p, &cols[c], valid[c], idx, n);
    uint32_t hdr[4] = {SPILL_MAGIC, n, (uint32_t)ncols, vm_crc32c(0, buf + HDR, payload)};
    uint64_t plen = payload;
    memcpy(buf, hdr, 16);
    memcpy(buf + 16, &plen, 8);
    tir_status st = write_all(f, buf, HDR + payload, err, errlen);
    if (!st)
        f->rows += n;
    free(buf);
    free(valid);
    return st;
}

void vm_spchunk_init(vm_spchunk *c)
{
    memset(c, 0, sizeof *c);
}

void vm_spchunk_free(vm_spchunk *c)
{
    free(c->buf);
    free(c->cols);
    vm_spchunk_init(c);
}

static tir_status read_all(const vm_spill_file *f, uint64_t *pos, void *buf, size_t len, char *err, size_t errlen)
{
    char *p = buf;
    while (len) {
        ssize_t r = pread(f->fd, p, len, (off_t)*pos);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            snprintf(err, errlen, "cannot read back a spill file in %s: %s", f->s->dir,
                     r < 0 ? strerror(errno) : "it ends early");
            return TIR_ERR_IO;
        }
        p += r;
        len -= (size_t)r;
        *pos += (uint64_t)r;
    }
    return TIR_OK;
}

static tir_status corrupt(const vm_spill_file *f, uint64_t pos, char *err, size_t errlen)
{
    snprintf(err, errlen, "a spill file in %s does not read back as written (at byte %llu): disk or memory error",
             f->s->dir, (unsigned long long)pos);
    return TIR_ERR_IO;
}

tir_status vm_spill_read(vm_spill_file *f, vm_spchunk *c, char *err, size_t errlen)
{
    f->reading = true;
    return vm_spill_read_at(f, &f->rpos, c, err, errlen);
}

tir_status vm_spill_read_at(const vm_spill_file *f, uint64_t *pos, vm_spchunk *c, char *err, size_t errlen)
{
    c->n = 0;
    c->ncols = 0;
    if (*pos >= f->wpos)
        return TIR_OK;
    char hdr[HDR];
    tir_status st = read_all(f, pos, hdr, sizeof hdr, err, errlen);
    if (st)
        return st;
    uint32_t h[4];
    uint64_t plen;
    memcpy(h, hdr, 16);
    memcpy(&plen, hdr + 16, 8);
    if (h[0] != SPILL_MAGIC || h[2] == 0 || plen > f->wpos - *pos || plen < pad16((size_t)h[2] * 8))
        return corrupt(f, *pos, err, errlen);
    if (plen > c->bytes) {
        void *b = realloc(c->buf, plen);
        if (!b)
            return TIR_ERR_NOMEM;
        c->buf = b;
        c->bytes = plen;
    }
    vm_spcol *cols = realloc(c->cols, h[2] * sizeof *cols);
    if (!cols)
        return TIR_ERR_NOMEM;
    c->cols = cols;
    if ((st = read_all(f, pos, c->buf, plen, err, errlen)))
        return st;
    if (vm_crc32c(0, c->buf, plen) != h[3])
        return corrupt(f, *pos, err, errlen);
    /* The CRC matched: what follows was written by vm_spill_write, so the
    ** layout is trusted; the bounds are still checked so that a bug here
    ** shows as an error rather than a wild read. */
    uint32_t n = h[1];
    char *p = (char *)c->buf + pad16((size_t)h[2] * 8), *end = (char *)c->buf + plen;
    for (uint32_t k = 0; k < h[2]; k++) {
        const char *d = (const char *)c->buf + (size_t)k * 8;
        vm_spcol *col = &cols[k];
        *col = (vm_spcol){(uint8_t)d[0], d[1] != 0, p, NULL};
        p += pad16((size_t)n * col->width);
        if (d[2]) {
            col->validity = (const uint64_t *)p;
            p += valid_bytes(n);
        }
        if (col->string) {
            uint64_t len;
            if (p + 16 > end)
                return corrupt(f, *pos, err, errlen);
            memcpy(&len, p, 8);
            const char *bytes = p + 16;
            if (len > (uint64_t)(end - bytes))
                return corrupt(f, *pos, err, errlen);
            p += 16 + pad16(len);
            if (p > end)
                return corrupt(f, *pos, err, errlen);
            tir_str *s = (tir_str *)col->data;
            for (uint32_t i = 0; i < n; i++) {
                if (s[i].len <= TIR_STR_INLINE)
                    continue;
                uint64_t off = (uint64_t)(uintptr_t)s[i].u.ptr;
                if (off > len || s[i].len > len - off)
                    return corrupt(f, *pos, err, errlen);
                s[i].u.ptr = bytes + off;
            }
        }
        if (p > end)
            return corrupt(f, *pos, err, errlen);
    }
    c->n = n;
    c->ncols = (int)h[2];
    return TIR_OK;
}
