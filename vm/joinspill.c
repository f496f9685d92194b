/*
** joinspill.c — the grace hash join: build rows and probe rows partitioned
** to spill files by the keys' hash, then joined partition by partition
** (see joinspill.h).
*/
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "joinspill.h"
#include "kernels.h"

/* Rows of a build spill chunk: bounded, so that a chunk read back is small. */
enum { BUILD_CHUNK_ROWS = 65536, HASH_CHUNK = 2048, MSG = 512 };

/* Rows on their way to the partition files: a buffer per partition,
** written out as one chunk when the next rows would not fit in it. */
typedef struct jbufs {
    int ncols;
    uint32_t rows;            /* most rows per chunk */
    struct {
        vm_column *cols;
        vm_strheap heap;
    } b[VM_JSPILL_PARTS];
} jbufs;

struct vm_jprobe {
    jbufs bufs;               /* the live registers, or one dummy column when there is none; chunks of at most
                              ** what a frame holds, to be put back */
    uint8_t *zeros;           /* the dummy column's values */
    vm_jfiles parts[VM_JSPILL_PARTS];
    vm_spill_stats st;
};

static vm_spcol spcol(tir_type t, const void *data, const uint64_t *validity)
{
    return (vm_spcol){(uint8_t)vm_type_width(t), t == TIR_STRING, data, validity};
}

static vm_vec vec_of(tir_type t, const vm_spcol *c)
{
    return (vm_vec){t, (void *)c->data, (uint64_t *)c->validity};
}

/* ------------------------------------------------------------ file lists */

static tir_status jfiles_last(vm_jfiles *fl, vm_spill *sp, vm_spill_stats *st, vm_spill_file **out, char *err,
                              size_t errlen)
{
    if (fl->n) {
        *out = fl->f[fl->n - 1];
        return TIR_OK;
    }
    if (!sp) {
        snprintf(err, errlen, "spilling is off");
        return TIR_ERR_NOMEM;
    }
    if (fl->n == fl->cap) {
        int cap = fl->cap ? fl->cap * 2 : 4;
        vm_spill_file **f = realloc(fl->f, sizeof *f * (size_t)cap);
        if (!f)
            return TIR_ERR_NOMEM;
        fl->f = f;
        fl->cap = cap;
    }
    tir_status s = vm_spill_create(sp, &fl->f[fl->n], err, errlen);
    if (s)
        return s;
    st->files++;
    *out = fl->f[fl->n++];
    return TIR_OK;
}

static tir_status jfiles_write(vm_jfiles *fl, vm_spill *sp, vm_spill_stats *st, const vm_spcol *cols, int ncols,
                               const uint32_t *idx, uint32_t n, char *err, size_t errlen)
{
    vm_spill_file *f;
    tir_status s = jfiles_last(fl, sp, st, &f, err, errlen);
    if (s)
        return s;
    uint64_t before = vm_spill_file_bytes(f);
    if ((s = vm_spill_write(f, cols, ncols, idx, n, err, errlen)))
        return s;
    fl->rows += n;
    fl->bytes += vm_spill_file_bytes(f) - before;
    st->bytes += vm_spill_file_bytes(f) - before;
    return TIR_OK;
}

static bool jfiles_move(vm_jfiles *into, vm_jfiles *from)
{
    if (!from->n)
        return true;
    if (into->n + from->n > into->cap) {
        int cap = into->n + from->n;
        vm_spill_file **f = realloc(into->f, sizeof *f * (size_t)cap);
        if (!f)
            return false;
        into->f = f;
        into->cap = cap;
    }
    memcpy(into->f + into->n, from->f, sizeof *from->f * (size_t)from->n);
    into->n += from->n;
    into->rows += from->rows;
    into->bytes += from->bytes;
    free(from->f);
    *from = (vm_jfiles){0};
    return true;
}

static void jfiles_close(vm_jfiles *fl)
{
    for (int i = 0; i < fl->n; i++)
        vm_spill_close(fl->f[i]);
    free(fl->f);
    *fl = (vm_jfiles){0};
}

/* Counting sort of rows by partition: idx receives rows[i] (or i) grouped
** by part[i], off[p]..off[p+1] the rows of partition p. */
static void by_partition(const uint8_t *part, const uint32_t *rows, uint32_t n, uint32_t *idx,
                         uint32_t off[VM_JSPILL_PARTS + 1])
{
    memset(off, 0, sizeof(uint32_t) * (VM_JSPILL_PARTS + 1));
    for (uint32_t i = 0; i < n; i++)
        off[part[i] + 1]++;
    for (int p = 0; p < VM_JSPILL_PARTS; p++)
        off[p + 1] += off[p];
    uint32_t at[VM_JSPILL_PARTS];
    memcpy(at, off, sizeof at);
    for (uint32_t i = 0; i < n; i++)
        idx[at[part[i]]++] = rows ? rows[i] : i;
}

_Static_assert(VM_JSPILL_BITS == VM_HT_IPART_BITS, "a partition's direct table knows the partition function");

static bool int_key(tir_type t)
{
    return t == TIR_I32 || t == TIR_DATE || t == TIR_I64;
}

/* part[i] = vm_ht_ipart of the integer key v at row rows[i] (NULL: i), 0
** for a NULL key (it matches nothing, wherever it goes). */
static void int_parts(const vm_vec *v, const uint32_t *rows, uint32_t n, uint8_t *part)
{
    const uint64_t *va = v->validity;
#define INT_PARTS(CT)                                                                          \
    {                                                                                          \
        const CT *a = v->data;                                                                 \
        for (uint32_t i = 0; i < n; i++) {                                                     \
            uint32_t r = rows ? rows[i] : i;                                                   \
            part[i] = !va || vm_bit_get(va, r) ? (uint8_t)vm_ht_ipart(a[r]) : 0;               \
        }                                                                                      \
    }
    if (v->type == TIR_I64)
        INT_PARTS(int64_t)
    else
        INT_PARTS(int32_t)
#undef INT_PARTS
}

/* ------------------------------------------------------------ build side */

vm_hspill *vm_hspill_new(int nkeys, int nvals, const tir_type *types, bool keep_null_keys, bool ids)
{
    vm_hspill *h = calloc(1, sizeof *h);
    if (!h || !(h->types = malloc(sizeof *h->types * (size_t)(nkeys + nvals + 1)))) {
        free(h);
        return NULL;
    }
    memcpy(h->types, types, sizeof *types * (size_t)(nkeys + nvals));
    h->types[nkeys + nvals] = TIR_I32;
    h->nkeys = nkeys;
    h->nvals = nvals + ids;
    h->keep_null_keys = keep_null_keys;
    h->ids = ids;
    h->ipart = nkeys == 1 && int_key(types[0]);
    return h;
}

void vm_hspill_free(vm_hspill *h)
{
    if (!h)
        return;
    for (int p = 0; p < VM_JSPILL_PARTS; p++)
        jfiles_close(&h->parts[p]);
    vm_ht_free(h->mem);
    free(h->bloom);
    free(h->kbits);
    free(h->types);
    free(h);
}

size_t vm_hspill_filter_bytes(const vm_hspill *h)
{
    return (size_t)h->bloom_blocks * 32 + (h->kbits ? ((uint64_t)h->hi - (uint64_t)h->lo) / 64 * 8 + 8 : 0);
}

size_t vm_hspill_bytes(const vm_hspill *h)
{
    return (h->mem ? vm_ht_bytes(h->mem) : 0) + vm_hspill_filter_bytes(h);
}

/* Sets the bits of v's non-NULL keys in kbits over lo.. (every key in range). */
static void kbits_fill(uint64_t *kbits, int64_t lo, const vm_vec *v, uint32_t n)
{
    const uint64_t *va = v->validity, base = (uint64_t)lo;
#define KBITS_FILL(CT)                                                                         \
    {                                                                                          \
        const CT *a = v->data;                                                                 \
        for (uint32_t i = 0; i < n; i++)                                                       \
            if (!va || vm_bit_get(va, i))                                                      \
                vm_bit_set(kbits, (uint64_t)(int64_t)a[i] - base, true);                       \
    }
    if (v->type == TIR_I64)
        KBITS_FILL(int64_t)
    else
        KBITS_FILL(int32_t)
#undef KBITS_FILL
}

tir_status vm_hspill_filter(vm_hspill *h, uint64_t budget, char *err, size_t errlen)
{
    uint64_t rows = 0;
    for (int p = 0; p < VM_JSPILL_PARTS; p++)
        rows += h->parts[p].rows;
    if (h->bloom || h->kbits || !rows)
        return TIR_OK;
    uint32_t nb = k_bloom_nblocks(rows);
    /* One integer key: an exact bitmap of its range, for which no probe
    ** row is hashed, while it takes at most 4 times the bloom filter. */
    uint64_t span = h->ipart && h->has_range ? (uint64_t)h->hi - (uint64_t)h->lo : UINT64_MAX;
    uint64_t words = span / 64 + 1;
    bool bits = span < UINT64_MAX && words * 8 <= 4 * (uint64_t)nb * 32 && (!budget || words * 8 <= budget);
    if (!bits && budget && (uint64_t)nb * 32 > budget)
        return TIR_OK;
    uint64_t *kbits = bits ? calloc(words, sizeof *kbits) : NULL;
    uint32_t *bloom = bits ? NULL : calloc((size_t)nb * 8, sizeof *bloom);
    uint64_t *hv = NULL;
    uint32_t room = 0;
    vm_spchunk c;
    vm_spchunk_init(&c);
    tir_status st = bloom || kbits ? TIR_OK : TIR_ERR_NOMEM;
    for (int p = 0; p < VM_JSPILL_PARTS && !st; p++)
        for (int i = 0; i < h->parts[p].n && !st; i++) {
            uint64_t pos = 0; /* the file's own read position is the joins' */
            while (!(st = vm_spill_read_at(h->parts[p].f[i], &pos, &c, err, errlen)) && c.n) {
                vm_vec keys[64];
                for (int k = 0; k < h->nkeys; k++)
                    keys[k] = vec_of(h->types[k], &c.cols[k]);
                if (kbits) {
                    kbits_fill(kbits, h->lo, &keys[0], c.n);
                    continue;
                }
                if (c.n > room) {
                    free(hv);
                    room = c.n;
                    if (!(hv = malloc(sizeof *hv * room))) {
                        st = TIR_ERR_NOMEM;
                        break;
                    }
                }
                vm_hash_vecs(keys, h->nkeys, NULL, c.n, hv);
                k_bloom_insert(bloom, nb, hv, NULL, c.n);
            }
        }
    vm_spchunk_free(&c);
    free(hv);
    if (st) {
        free(bloom);
        free(kbits);
        return st == TIR_ERR_NOMEM ? TIR_OK : st; /* only a speed-up */
    }
    h->kbits = kbits;
    h->bloom = bloom;
    h->bloom_blocks = bloom ? nb : 0;
    return TIR_OK;
}

bool vm_hspill_merge(vm_hspill *into, vm_hspill *from)
{
    for (int p = 0; p < VM_JSPILL_PARTS; p++)
        if (!jfiles_move(&into->parts[p], &from->parts[p]))
            return false;
    if (from->has_range) {
        into->lo = into->has_range && into->lo < from->lo ? into->lo : from->lo;
        into->hi = into->has_range && into->hi > from->hi ? into->hi : from->hi;
        into->has_range = true;
    }
    into->st.bytes += from->st.bytes;
    into->st.files += from->st.files;
    from->st = (vm_spill_stats){0};
    return true;
}

/* An empty join table for the rows of h. */
static vm_ht *hspill_table(const vm_hspill *h)
{
    vm_ht *ht = vm_ht_new(h->nkeys, h->types, h->nvals, h->types + h->nkeys, false);
    if (ht && h->keep_null_keys)
        vm_ht_keep_null_keys(ht);
    return ht;
}

tir_status vm_hspill_write(vm_hspill *h, const vm_ht *ht, vm_spill *sp, char *err, size_t errlen)
{
    uint32_t n = vm_ht_count(ht);
    if (!n)
        return TIR_OK;
    int nk = h->nkeys, nc = h->nkeys + h->nvals - h->ids;
    vm_vec keys[64];
    vm_spcol cols[128];
    for (int c = 0; c < nc; c++) {
        const vm_column *col = c < nk ? vm_ht_key(ht, c) : vm_ht_val(ht, c - nk);
        cols[c] = spcol(col->type, col->data, col->validity);
        if (c < nk)
            keys[c] = (vm_vec){col->type, col->data, col->validity};
    }
    uint8_t *part = malloc(n);
    uint32_t *idx = malloc(sizeof *idx * n), *ids = h->ids ? malloc(sizeof *ids * n) : NULL;
    uint64_t *hv = malloc(sizeof *hv * HASH_CHUNK);
    tir_status st = part && idx && hv && (ids || !h->ids) ? TIR_OK : TIR_ERR_NOMEM;
    for (uint32_t e = 0; ids && e < n; e++)
        ids[e] = e;
    if (ids) /* the entry ids, as i32 bits */
        cols[nc++] = spcol(TIR_I32, ids, NULL);
    if (!st && h->ipart) {
        int_parts(&keys[0], NULL, n, part);
        h->has_range = vm_int_range(&keys[0], NULL, n, &h->lo, &h->hi, h->has_range);
    }
    for (uint32_t start = 0; !st && !h->ipart && start < n; start += HASH_CHUNK) {
        uint32_t m = n - start < HASH_CHUNK ? n - start : HASH_CHUNK;
        vm_hash_rows(keys, nk, start, m, hv); /* HASH_CHUNK is a multiple of 64 */
        for (uint32_t i = 0; i < m; i++)
            part[start + i] = (uint8_t)(hv[i] & (VM_JSPILL_PARTS - 1));
    }
    uint32_t off[VM_JSPILL_PARTS + 1];
    if (!st)
        by_partition(part, NULL, n, idx, off);
    for (int p = 0; p < VM_JSPILL_PARTS && !st; p++)
        for (uint32_t i = off[p]; i < off[p + 1] && !st; i += BUILD_CHUNK_ROWS) {
            uint32_t m = off[p + 1] - i < BUILD_CHUNK_ROWS ? off[p + 1] - i : BUILD_CHUNK_ROWS;
            st = jfiles_write(&h->parts[p], sp, &h->st, cols, nc, idx + i, m, err, errlen);
        }
    free(part);
    free(idx);
    free(ids);
    free(hv);
    return st;
}

tir_status vm_hspill_add(vm_hspill *h, vm_ht **ht, vm_spill *sp, char *err, size_t errlen)
{
    if (!vm_ht_count(*ht))
        return TIR_OK;
    vm_ht *fresh = hspill_table(h);
    if (!fresh)
        return TIR_ERR_NOMEM;
    tir_status st = vm_hspill_write(h, *ht, sp, err, errlen);
    if (st) {
        vm_ht_free(fresh);
        return st;
    }
    vm_ht_free(*ht);
    *ht = fresh;
    return TIR_OK;
}

/* ------------------------------------------------------------ probe side */

static bool jbufs_init(jbufs *jb, int ncols, const tir_type *types, uint32_t rows)
{
    jb->ncols = ncols;
    jb->rows = rows;
    bool ok = true;
    for (int b = 0; b < VM_JSPILL_PARTS; b++) {
        vm_strheap_init(&jb->b[b].heap);
        if (!(jb->b[b].cols = calloc((size_t)ncols, sizeof *jb->b[b].cols)))
            ok = false;
        for (int c = 0; ok && c < ncols; c++)
            vm_column_init(&jb->b[b].cols[c], types[c]);
    }
    return ok;
}

static void jbufs_free(jbufs *jb)
{
    for (int b = 0; b < VM_JSPILL_PARTS; b++) {
        for (int c = 0; jb->b[b].cols && c < jb->ncols; c++)
            vm_column_free(&jb->b[b].cols[c]);
        free(jb->b[b].cols);
        vm_strheap_free(&jb->b[b].heap);
        jb->b[b].cols = NULL;
    }
}

/* Gives the buffers' memory back; they stay usable (as empty). */
static void jbufs_release(jbufs *jb)
{
    for (int b = 0; b < VM_JSPILL_PARTS; b++) {
        for (int c = 0; c < jb->ncols; c++)
            vm_column_free(&jb->b[b].cols[c]);
        vm_strheap_free(&jb->b[b].heap);
        vm_strheap_init(&jb->b[b].heap);
    }
}

static size_t jbufs_bytes(const jbufs *jb)
{
    size_t n = 0;
    for (int b = 0; b < VM_JSPILL_PARTS; b++) {
        n += jb->b[b].heap.bytes;
        for (int c = 0; c < jb->ncols; c++)
            n += vm_column_bytes(&jb->b[b].cols[c]);
    }
    return n;
}

static tir_status jbufs_flush(jbufs *jb, int b, vm_jfiles *dst, vm_spill *sp, vm_spill_stats *st, char *err,
                              size_t errlen)
{
    vm_column *cols = jb->b[b].cols;
    uint32_t n = (uint32_t)cols[0].len;
    if (!n)
        return TIR_OK;
    vm_spcol sc[256];
    for (int c = 0; c < jb->ncols; c++)
        sc[c] = spcol(cols[c].type, cols[c].data, cols[c].validity);
    tir_status s = jfiles_write(dst, sp, st, sc, jb->ncols, NULL, n, err, errlen);
    for (int c = 0; c < jb->ncols; c++)
        cols[c].len = 0;
    vm_strheap_free(&jb->b[b].heap);
    vm_strheap_init(&jb->b[b].heap);
    return s;
}

/* Adds the rows idx[0..m) (NULL: 0..m-1) of cols to partition b's buffer. */
static tir_status jbufs_add(jbufs *jb, int b, const vm_vec *cols, const uint32_t *idx, uint32_t m, vm_jfiles *dst,
                            vm_spill *sp, vm_spill_stats *st, char *err, size_t errlen)
{
    if (jb->b[b].cols[0].len + m > jb->rows) {
        tir_status s = jbufs_flush(jb, b, dst, sp, st, err, errlen);
        if (s)
            return s;
    }
    for (int c = 0; c < jb->ncols; c++)
        if (!vm_column_append(&jb->b[b].cols[c], &cols[c], idx, m, &jb->b[b].heap))
            return TIR_ERR_NOMEM;
    return TIR_OK;
}

static tir_status jbufs_flush_all(jbufs *jb, vm_jfiles *dst, vm_spill *sp, vm_spill_stats *st, char *err,
                                  size_t errlen)
{
    for (int b = 0; b < VM_JSPILL_PARTS; b++) {
        tir_status s = jbufs_flush(jb, b, &dst[b], sp, st, err, errlen);
        if (s)
            return s;
    }
    return TIR_OK;
}

/* Rows per chunk of a partition's buffer. Each chunk costs a write, two
** reads and a checksum setup: chunks of a quarter batch (2 KB for one
** integer key) made those calls a third of a spilled join's time. So a
** chunk holds about CHUNK_BYTES, less under a limit (the buffers of one
** worker take at most an eighth of it), never less than a quarter batch;
** chunks longer than a batch are probed a batch at a time. */
static uint32_t chunk_rows(uint32_t batch, const tir_type *t, int ncols, uint64_t limit)
{
    enum { CHUNK_BYTES = 128 << 10 };
    size_t row = 0;
    for (int c = 0; c < ncols; c++) /* a string: its header and as many bytes, a guess */
        row += t[c] == TIR_STRING ? 32 : vm_type_width(t[c]);
    uint64_t bytes = CHUNK_BYTES;
    if (limit && limit / (VM_JSPILL_PARTS * 8) < bytes)
        bytes = limit / (VM_JSPILL_PARTS * 8);
    uint64_t rows = bytes / (row ? row : 1) / 64 * 64;
    uint32_t least = batch / 4 > 64 ? batch / 4 / 64 * 64 : batch;
    return rows > least ? (uint32_t)rows : least;
}

vm_jprobe *vm_jprobe_new(const vm_pipe *p, const vm_join *jd, uint32_t batch, uint64_t limit)
{
    vm_jprobe *jp = calloc(1, sizeof *jp);
    if (!jp)
        return NULL;
    tir_type t[256] = {TIR_BOOL};
    for (int c = 0; c < jd->nlive && c < 256; c++)
        t[c] = p->regs[jd->live[c]].type;
    int nc = jd->nlive ? jd->nlive : 1;
    bool ok = jbufs_init(&jp->bufs, nc, t, chunk_rows(batch, t, nc, limit)) &&
              (jd->nlive || (jp->zeros = calloc(batch, 1)));
    if (!ok) {
        vm_jprobe_free(jp);
        return NULL;
    }
    return jp;
}

void vm_jprobe_note(vm_jprobe *jp, const vm_spill_stats *st)
{
    jp->st.bytes += st->bytes;
    jp->st.files += st->files;
}

void vm_jprobe_free(vm_jprobe *jp)
{
    if (!jp)
        return;
    jbufs_free(&jp->bufs);
    for (int b = 0; b < VM_JSPILL_PARTS; b++)
        jfiles_close(&jp->parts[b]);
    free(jp->zeros);
    free(jp);
}

size_t vm_jprobe_bytes(const vm_jprobe *jp)
{
    return jp ? jbufs_bytes(&jp->bufs) : 0;
}

/* Rows that cannot match and are not kept unmatched need no partition. */
static bool drops_misses(ir_joinkind k)
{
    return !IR_JOIN_KEEPS_INPUT(k);
}

tir_status vm_jprobe_add(xpipe *x, int ji, const uint32_t *sel, uint32_t n, vm_spill *sp)
{
    const vm_join *jd = &x->p->joins[ji];
    xjoin *j = &x->joins[ji];
    vm_jprobe *jp = j->jp;
    j->rn = 0;
    if (!n)
        return TIR_OK;
    if (jd->nlive > 256 || jd->nkeys > 64) {
        snprintf(x->err, x->errlen, "too many columns to set aside");
        return TIR_ERR_NOMEM;
    }
    vm_vec keys[64];
    for (int k = 0; k < jd->nkeys; k++)
        keys[k] = x->r[jd->key_regs[k]];
    /* h is indexed by row, part and rows by position in sel */
    const vm_hspill *hs = j->hs;
    /* one integer key says itself where it goes: hashed only for a bloom filter */
    bool hash = !hs->ipart || (hs->bloom && drops_misses(jd->kind));
    uint64_t *h = hash ? malloc(sizeof *h * x->cap) : NULL;
    uint8_t *part = malloc(n);
    uint32_t *rows = malloc(sizeof *rows * n), *idx = malloc(sizeof *idx * n);
    tir_status st = (h || !hash) && part && rows && idx ? TIR_OK : TIR_ERR_NOMEM;
    if (!st) {
        if (hash)
            vm_hash_vecs(keys, jd->nkeys, sel, n, h);
        /* rows whose key the build lacks go no further */
        uint32_t m = n;
        if (hs->kbits && drops_misses(jd->kind))
            m = vm_kbits_sel(hs->kbits, hs->lo, (uint64_t)hs->hi - (uint64_t)hs->lo + 1, &keys[0], sel, n, rows);
        else if (hs->bloom && drops_misses(jd->kind))
            m = k_bloom_probe_sel(hs->bloom, hs->bloom_blocks, h, sel, n, rows);
        else
            for (uint32_t i = 0; i < n; i++)
                rows[i] = sel ? sel[i] : i;
        jp->st.dropped += n - m;
        n = m;
        if (hs->ipart)
            int_parts(&keys[0], rows, n, part);
        else
            for (uint32_t i = 0; i < n; i++)
                part[i] = (uint8_t)(h[rows[i]] & (VM_JSPILL_PARTS - 1));
    }
    uint32_t off[VM_JSPILL_PARTS + 1];
    if (!st)
        by_partition(part, rows, n, idx, off);
    if (!st && j->hybrid) /* in sel order, as a probe wants them */
        for (uint32_t i = 0, resident = hs->resident; i < n; i++)
            if (resident >> part[i] & 1)
                j->rsel[j->rn++] = rows[i];
    vm_vec vals[256];
    for (int c = 0; c < jd->nlive; c++)
        vals[c] = x->r[jd->live[c]];
    if (!jd->nlive)
        vals[0] = (vm_vec){TIR_BOOL, jp->zeros, NULL};
    for (int b = 0; b < VM_JSPILL_PARTS && !st; b++) {
        uint32_t m = off[b + 1] - off[b];
        if (!m || (drops_misses(jd->kind) && j->hs->parts[b].rows == 0) || (j->hybrid && j->hs->resident >> b & 1))
            continue;
        st = jbufs_add(&jp->bufs, b, vals, jd->nlive ? idx + off[b] : NULL, m, &jp->parts[b], sp, &jp->st, x->err,
                       x->errlen);
    }
    free(h);
    free(part);
    free(rows);
    free(idx);
    return st;
}

/* A failure of join ji located at its statement. */
static tir_status join_fail(xpipe *x, int ji, tir_status st, const char *msg)
{
    const ir_stmt *s = x->p->joins[ji].stmt;
    bool io = st == TIR_ERR_IO;
    return vm_x_fail(x, st, s->span, "%s = %s%s %s", s->target.s, s->op.s, io ? " cannot spill:" : ":", msg);
}

tir_status vm_jspill_gather(xpipe *x, int nw, int ji, vm_spill *sp)
{
    vm_jprobe *into = x[0].joins[ji].jp;
    for (int w = 0; w < nw; w++) {
        vm_jprobe *jp = x[w].joins[ji].jp;
        char msg[MSG] = "";
        tir_status st = jbufs_flush_all(&jp->bufs, jp->parts, sp, &jp->st, msg, sizeof msg);
        if (st)
            return join_fail(&x[0], ji, st, msg[0] ? msg : "out of memory");
        jbufs_release(&jp->bufs); /* the partitions' tables may have the room */
        for (int b = 0; b < VM_JSPILL_PARTS; b++) {
            if (w && !jfiles_move(&into->parts[b], &jp->parts[b]))
                return TIR_ERR_NOMEM;
        }
    }
    return TIR_OK;
}

vm_spill_stats vm_jspill_stats(const xpipe *x, int ji)
{
    const vm_jprobe *jp = x->joins[ji].jp;
    return jp ? jp->st : (vm_spill_stats){0};
}

/* ------------------------------------------------------------ joining a partition */

/* A column of a chunk from its row at (a multiple of 64). */
static vm_vec vec_from(tir_type t, const vm_spcol *c, uint32_t at)
{
    return (vm_vec){t, (uint8_t *)c->data + (size_t)at * c->width, c->validity ? (uint64_t *)c->validity + at / 64 : NULL};
}

/* The key columns of a chunk from its row at: build chunks start with
** them; probe chunks hold them at key_live (a constant key is its
** broadcast register, of a batch's rows). */
static void chunk_keys(const xpipe *x, const vm_join *jd, const vm_hspill *hs, bool build, const vm_spchunk *c,
                       uint32_t at, vm_vec *keys)
{
    for (int k = 0; k < jd->nkeys; k++) {
        if (build)
            keys[k] = vec_from(hs->types[k], &c->cols[k], at);
        else if (jd->key_live[k] >= 0)
            keys[k] = vec_from(x->p->regs[jd->key_regs[k]].type, &c->cols[jd->key_live[k]], at);
        else
            keys[k] = x->r[jd->key_regs[k]];
    }
}

/* The column types of a build chunk (keys then values) or a probe chunk
** (the live registers, or the dummy column); how many. */
static int chunk_types(const xpipe *x, const vm_join *jd, const vm_hspill *hs, bool build, tir_type *t)
{
    if (build) {
        memcpy(t, hs->types, sizeof *t * (size_t)(hs->nkeys + hs->nvals));
        return hs->nkeys + hs->nvals;
    }
    t[0] = TIR_BOOL;
    for (int c = 0; c < jd->nlive; c++)
        t[c] = x->p->regs[jd->live[c]].type;
    return jd->nlive ? jd->nlive : 1;
}

/* Splits the rows of src by the hash bits of the given level into dst. */
static tir_status split_files(xpipe *x, const vm_join *jd, const vm_hspill *hs, bool build, vm_jfiles *src,
                              int level, vm_jfiles *dst, vm_spill *sp, vm_spill_stats *stats, char *msg)
{
    tir_type t[256];
    int nc = chunk_types(x, jd, hs, build, t);
    jbufs jb;
    vm_spchunk c;
    vm_spchunk_init(&c);
    uint64_t *h = NULL;
    uint8_t *part = NULL;
    uint32_t *idx = NULL, room = 0;
    tir_status st = jbufs_init(&jb, nc, t, chunk_rows(x->cap, t, nc, x->memory_limit)) ? TIR_OK : TIR_ERR_NOMEM;
    for (int i = 0; i < src->n && !st; i++) {
        vm_spill_rewind(src->f[i]);
        while (!(st = vm_spill_read(src->f[i], &c, msg, MSG)) && c.n) {
            if (c.n > room) {
                free(h);
                free(part);
                free(idx);
                room = c.n;
                h = malloc(sizeof *h * room);
                part = malloc(room);
                idx = malloc(sizeof *idx * room);
                if (!h || !part || !idx) {
                    st = TIR_ERR_NOMEM;
                    break;
                }
            }
            vm_vec keys[64], cols[256];
            for (int k = 0; k < nc; k++)
                cols[k] = vec_of(t[k], &c.cols[k]);
            for (uint32_t at = 0; at < c.n; at += x->cap) { /* a constant key has a batch's rows */
                uint32_t m = c.n - at < x->cap ? c.n - at : x->cap;
                chunk_keys(x, jd, hs, build, &c, at, keys);
                vm_hash_vecs(keys, jd->nkeys, NULL, m, h + at);
            }
            for (uint32_t r = 0; r < c.n; r++)
                part[r] = (uint8_t)((h[r] >> (VM_JSPILL_BITS * level)) & (VM_JSPILL_PARTS - 1));
            uint32_t off[VM_JSPILL_PARTS + 1];
            by_partition(part, NULL, c.n, idx, off);
            for (int b = 0; b < VM_JSPILL_PARTS && !st; b++)
                if (off[b + 1] > off[b])
                    st = jbufs_add(&jb, b, cols, idx + off[b], off[b + 1] - off[b], &dst[b], sp, stats, msg, MSG);
            if (st) /* not overwritten by the next read */
                break;
        }
    }
    if (!st)
        st = jbufs_flush_all(&jb, dst, sp, stats, msg, MSG);
    jbufs_free(&jb);
    vm_spchunk_free(&c);
    free(h);
    free(part);
    free(idx);
    return st;
}

/* Rows at..at+n of the chunk into the live registers, as when the probe
** was reached. at is a multiple of the batch, so of 64: a slice's validity
** starts at a word, and only the chunk's last slice may end inside one. */
static void put_back(xpipe *x, const vm_join *jd, const vm_spchunk *c, uint32_t at, uint32_t n)
{
    for (int l = 0; l < jd->nlive; l++) {
        int r = jd->live[l];
        const vm_spcol *col = &c->cols[l];
        const uint8_t *data = (const uint8_t *)col->data + (size_t)at * col->width;
        const uint64_t *valid = col->validity ? col->validity + at / 64 : NULL;
        if (x->p->regs[r].borrowed) {
            x->r[r].data = (void *)data;
            x->r[r].validity = (uint64_t *)valid;
            continue;
        }
        memcpy(x->rbuf[r], data, (size_t)n * col->width);
        x->r[r].data = x->rbuf[r];
        x->r[r].validity = NULL;
        if (valid) {
            memcpy(x->rvalid[r], valid, k_bitmap_words(n) * sizeof(uint64_t));
            x->r[r].validity = x->rvalid[r];
        }
    }
    x->f[jd->in_frame].n = n;
    if (jd->in_sel >= 0) {
        x->s[jd->in_sel].dense = true;
        x->s[jd->in_sel].n = n;
    }
}

/* The join table of the rows of build[0..nparts). */
static tir_status build_table(const vm_hspill *hs, vm_jfiles *build, int nparts, vm_ht **out, char *msg)
{
    int nk = hs->nkeys;
    uint64_t rows = 0;
    for (int p = 0; p < nparts; p++)
        rows += build[p].rows;
    vm_ht *ht = hspill_table(hs);
    if (ht && hs->ipart && nparts == 1)
        vm_ht_one_part(ht);
    if (!ht || (rows && (rows >= VM_HT_NONE || !vm_ht_reserve(ht, (uint32_t)rows)))) {
        vm_ht_free(ht);
        return TIR_ERR_NOMEM;
    }
    vm_spchunk c;
    vm_spchunk_init(&c);
    tir_status st = TIR_OK;
    for (int p = 0; p < nparts && !st; p++)
        for (int i = 0; i < build[p].n && !st; i++) {
            vm_spill_file *f = build[p].f[i];
            vm_spill_rewind(f);
            while (!(st = vm_spill_read(f, &c, msg, MSG)) && c.n) {
                vm_vec cols[128];
                for (int k = 0; k < nk + hs->nvals; k++)
                    cols[k] = vec_of(hs->types[k], &c.cols[k]);
                if (!vm_ht_append(ht, cols, cols + nk, NULL, c.n)) {
                    st = TIR_ERR_NOMEM;
                    break;
                }
            }
        }
    vm_spchunk_free(&c);
    if (!st && !vm_ht_index(ht))
        st = TIR_ERR_NOMEM;
    if (st) {
        vm_ht_free(ht);
        return st;
    }
    *out = ht;
    return TIR_OK;
}

static tir_status run_probe_rows(xpipe *x, const vm_run_opts *o, int ji, vm_jfiles *probe, char *msg)
{
    const vm_join *jd = &x->p->joins[ji];
    bool dense = jd->in_sel >= 0 && x->s[jd->in_sel].dense;
    vm_spchunk c;
    vm_spchunk_init(&c);
    tir_status st = TIR_OK;
    for (int i = 0; i < probe->n && !st; i++) {
        vm_spill_rewind(probe->f[i]);
        while (!(st = vm_spill_read(probe->f[i], &c, msg, MSG)) && c.n) {
            for (uint32_t at = 0; at < c.n && !st; at += x->cap) {
                if (o && vm_cancelled(o->cancel)) {
                    snprintf(x->err, x->errlen, "cancelled");
                    st = TIR_ERR_CANCELLED;
                    break;
                }
                if (x->batch_heap.head) {
                    vm_strheap_free(&x->batch_heap);
                    vm_strheap_init(&x->batch_heap);
                }
                put_back(x, jd, &c, at, c.n - at < x->cap ? c.n - at : x->cap);
                if (!(st = vm_x_run_code(x, o, jd->pc, jd->end_pc)))
                    st = vm_x_check_memory(x, o);
            }
            if (st)
                break;
        }
    }
    if (jd->in_sel >= 0)
        x->s[jd->in_sel].dense = dense;
    vm_spchunk_free(&c);
    return st;
}

/* What a join table of these rows takes, about: the columns (as spilled),
** a directory at most half full of 8-byte slots, 4-byte chains and a bloom
** filter in front. A bitmap of an integer key's range, which replaces the
** bloom filter, may take up to 8 bytes a slot: a partition's table that
** does not fit its share for it does without. (Resident partitions whose
** table does not fit stay on disk: measured on join_count, probing them
** without the filter cost more than writing their rows out.) */
static uint64_t table_bytes(uint64_t rows, uint64_t bytes)
{
    uint64_t slots = 1024;
    while (slots < 2 * rows)
        slots *= 2;
    return bytes + slots * 8 + rows * 6 + 65536;
}

tir_status vm_hspill_load(vm_hspill *h, uint64_t budget, char *err, size_t errlen)
{
    if (h->mem || h->resident)
        return TIR_OK;
    uint32_t pick = 0;
    if (!budget) { /* every other non-empty partition, the first one on disk */
        int k = 0;
        for (int p = 0; p < VM_JSPILL_PARTS; p++)
            if (h->parts[p].rows && k++ % 2)
                pick |= 1u << p;
    } else {
        /* smallest first: the most partitions, so the most probe rows, per byte */
        int order[VM_JSPILL_PARTS];
        for (int p = 0; p < VM_JSPILL_PARTS; p++)
            order[p] = p;
        for (int a = 1; a < VM_JSPILL_PARTS; a++)
            for (int b = a; b > 0 && h->parts[order[b]].bytes < h->parts[order[b - 1]].bytes; b--) {
                int t = order[b];
                order[b] = order[b - 1];
                order[b - 1] = t;
            }
        uint64_t rows = 0, bytes = 0;
        for (int k = 0; k < VM_JSPILL_PARTS; k++) {
            const vm_jfiles *f = &h->parts[order[k]];
            if (table_bytes(rows + f->rows, bytes + f->bytes) > budget)
                break;
            rows += f->rows;
            bytes += f->bytes;
            pick |= 1u << order[k];
        }
    }
    if (!pick)
        return TIR_OK;
    /* the resident partitions' files, as one list per partition */
    vm_jfiles sel[VM_JSPILL_PARTS];
    int n = 0;
    for (int p = 0; p < VM_JSPILL_PARTS; p++)
        if (pick >> p & 1)
            sel[n++] = h->parts[p];
    char msg[MSG] = "";
    tir_status st = build_table(h, sel, n, &h->mem, msg);
    if (st) {
        snprintf(err, errlen, "%s", msg[0] ? msg : "out of memory");
        return st;
    }
    if (budget && vm_ht_bytes(h->mem) > budget) { /* the guess was short: all partitions stay on disk */
        vm_ht_free(h->mem);
        h->mem = NULL;
        return TIR_OK;
    }
    h->resident = pick;
    return TIR_OK;
}

/* The probe rows of a partition joined with its table j->ht; a right or
** full join then outputs the table's unmatched rows. */
static tir_status join_table(xpipe *x, const vm_run_opts *o, int ji, vm_jfiles *probe, char *msg)
{
    xjoin *j = &x->joins[ji];
    if (!IR_JOIN_KEEPS_BUILD(x->p->joins[ji].kind))
        return run_probe_rows(x, o, ji, probe, msg);
    /* a table given up while the source was read: its entries matched then stay matched */
    _Atomic uint8_t *before = j->matched;
    uint32_t n = vm_ht_count(j->ht);
    if (!(j->matched = calloc(n ? n : 1, 1))) {
        j->matched = before;
        return TIR_ERR_NOMEM;
    }
    if (before && j->hs->ids) {
        const uint32_t *id = vm_ht_val(j->ht, j->hs->nvals - 1)->data;
        for (uint32_t e = 0; e < n; e++)
            j->matched[e] = atomic_load_explicit(&before[id[e]], memory_order_relaxed);
    }
    tir_status st = run_probe_rows(x, o, ji, probe, msg);
    if (!st)
        st = vm_x_join_misses(x, o, ji, 0, n);
    free((void *)j->matched);
    j->matched = before;
    return st;
}

static tir_status run_item(xpipe *x, const vm_run_opts *o, int ji, vm_jfiles *build, bool own_build,
                           vm_jfiles *probe, int level, uint64_t share, char *msg)
{
    const vm_join *jd = &x->p->joins[ji];
    xjoin *j = &x->joins[ji];
    const vm_hspill *hs = j->hs;
    tir_status st = TIR_OK;
    if (j->jp->st.passes < (uint64_t)level + 1)
        j->jp->st.passes = (uint64_t)level + 1;
    /* output rows come from probe rows, and the build's unmatched rows of a right or full join */
    if ((!probe->rows && !IR_JOIN_KEEPS_BUILD(jd->kind)) || (!build->rows && drops_misses(jd->kind)))
        goto done;
    uint64_t need = table_bytes(build->rows, build->bytes);
    bool split = (o->force_spill && level == 0 && build->rows > 1) || (share && need > share);
    if (!split) {
        if ((st = build_table(hs, build, 1, &j->ht, msg)))
            goto done;
        /* need is a guess without the filter (its size depends on the
        ** keys' range), which goes first; a table still too big is split
        ** after all */
        if (share && vm_ht_bytes(j->ht) > share)
            vm_ht_drop_filter(j->ht);
        if (!share || vm_ht_bytes(j->ht) <= share || level + 1 >= VM_JSPILL_LEVELS) {
            st = join_table(x, o, ji, probe, msg);
            vm_ht_free(j->ht);
            j->ht = NULL;
            goto done;
        }
        need = vm_ht_bytes(j->ht);
        vm_ht_free(j->ht);
        j->ht = NULL;
    }
    if (level + 1 >= VM_JSPILL_LEVELS) {
        snprintf(msg, MSG,
                 "%" PRIu64 " build rows share their key hash over %d bits: as a hash table they need about %" PRIu64
                 " bytes, more than the %" PRIu64 " a partition may take under the memory limit; %s",
                 build->rows, VM_JSPILL_BITS * VM_JSPILL_LEVELS, need, share,
                 build->rows > 1 ? "most likely one key holds them all" : "the limit leaves the join next to nothing");
        st = TIR_ERR_NOMEM;
        goto done;
    }
    vm_jfiles nb[VM_JSPILL_PARTS] = {{0}}, np[VM_JSPILL_PARTS] = {{0}};
    st = split_files(x, jd, hs, true, build, level + 1, nb, o->spill, &j->jp->st, msg);
    if (!st)
        st = split_files(x, jd, hs, false, probe, level + 1, np, o->spill, &j->jp->st, msg);
    if (own_build)
        jfiles_close(build);
    jfiles_close(probe);
    for (int b = 0; b < VM_JSPILL_PARTS; b++) {
        if (!st)
            st = run_item(x, o, ji, &nb[b], true, &np[b], level + 1, share, msg);
        jfiles_close(&nb[b]);
        jfiles_close(&np[b]);
    }
done:
    if (own_build)
        jfiles_close(build);
    return st;
}

tir_status vm_jspill_run_part(xpipe *x, xpipe *x0, const vm_run_opts *o, int ji, int part, uint64_t share)
{
    vm_jfiles *probe = &x0->joins[ji].jp->parts[part];
    char msg[MSG] = "";
    x->err[0] = 0;
    tir_status st = run_item(x, o, ji, &x->joins[ji].hs->parts[part], false, probe, 0, share, msg);
    jfiles_close(probe);
    if (st && (msg[0] || !x->err[0])) /* else the pipeline's code failed and said where */
        return join_fail(x, ji, st, msg[0] ? msg : "out of memory");
    return st;
}
