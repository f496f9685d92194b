/*
** sort.c — the sort sink (sort.h): rows and their normalized keys collected
** per worker, the parallel stable radix sort of the entries, top-N buffers,
** and the gather of the sorted rows into the result.
*/
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"
#include "par.h"
#include "sinks.h"
#include "sort.h"
#include "sortcmp.h"

/* Buckets at most this big are finished by insertion sort. */
enum { SMALL = 24 };
/* ... and buckets of plain keys at most this big by small_sort; those up
** to PAIR_MAX whose last key bytes fit in a word by pair_sort. */
enum { SMALL_KEYS = 32, PAIR_MAX = 1 << 16 };
/* Below this many entries the sort runs on one thread. */
enum { PAR_MIN = 1 << 16 };
/* A top-N buffer is cut back to N when it holds N + max(N, TOPN_SLACK) entries. */
enum { TOPN_SLACK = 4096 };

uint32_t vm_sort_entry_bytes(uint32_t key_bytes, bool topn)
{
    return (key_bytes + 7) / 8 * 8 + (topn ? 16 : 8);
}

/* Rows a top-N keeps: limit + offset (saturating). */
static uint64_t topn_k(const vm_sortdef *def)
{
    return (uint64_t)def->limit > UINT64_MAX / 4 - (uint64_t)def->offset ? UINT64_MAX / 4
                                                                          : (uint64_t)(def->limit + def->offset);
}

/* --------------------------------------------------------------- the sink */

void vm_sort_layout(vm_sortdef *def)
{
    /* widest first, so no value needs padding; then one NULL bit per nullable column */
    uint32_t off = 0;
    static const size_t widths[] = {16, 8, 4, 1};
    for (int k = 0; k < 4; k++)
        for (int c = 0; c < def->ncols; c++)
            if (vm_type_width(def->types[c]) == widths[k]) {
                def->rowoff[c] = off;
                off += (uint32_t)widths[k];
            }
    def->null_off = off;
    int nb = 0;
    for (int c = 0; c < def->ncols; c++)
        def->nullbit[c] = def->nullable[c] ? nb++ : -1;
    off += (uint32_t)(nb + 7) / 8;
    def->row_bytes = (off + 7) / 8 * 8;
    if (def->row_bytes == 0)
        def->row_bytes = 8;
}

bool vm_sink_sort_init(vm_sink_sort *s, const vm_sortdef *def, int worker, uint32_t batch)
{
    memset(s, 0, sizeof *s);
    s->def = def;
    s->worker = worker;
    size_t kw = (def->key_bytes + 7) / 8;
    vm_strheap_init(&s->heap);
    s->kand = malloc(8 * (kw ? kw : 1));
    s->kor = calloc(kw ? kw : 1, 8);
    if (!s->kand || !s->kor)
        return false;
    memset(s->kand, 0xff, 8 * (kw ? kw : 1));
    if (def->limit >= 0) {
        s->batch = calloc(batch, def->entry_bytes);
        s->keep = malloc(sizeof *s->keep * batch);
        s->cut_ent = calloc(1, def->entry_bytes);
        if (!s->batch || !s->keep || !s->cut_ent)
            return false;
    }
    return true;
}

static void free_rows(vm_sink_sort *s)
{
    vm_big_free(s->rows, s->rcap * s->def->row_bytes);
    vm_strheap_free(&s->heap);
    s->rows = NULL;
    s->nrows = s->rcap = 0;
}

/* *a (room for *cap items of w bytes) grown to room for `to`. */
static bool resize(uint8_t **a, uint64_t *cap, size_t w, uint64_t to)
{
    uint8_t *p = vm_big_realloc(*a, *cap * w, to * w);
    if (!p)
        return false;
    *a = p;
    *cap = to;
    return true;
}

/* The capacity the sink's arrays grow to from cap to hold need rows. */
static uint64_t grown(uint64_t cap, uint64_t need)
{
    if (need <= cap)
        return cap;
    uint64_t c = cap ? cap : 1024;
    while (c < need)
        c *= 2;
    return c;
}

void vm_sink_sort_free(vm_sink_sort *s)
{
    free_rows(s);
    vm_big_free(s->ent, s->cap * s->def->entry_bytes);
    free(s->kand);
    free(s->kor);
    free(s->runs);
    free(s->batch);
    free(s->keep);
    free(s->cut_ent);
    for (size_t i = 0; i < s->nfiles; i++)
        vm_sortfile_close(&s->files[i]);
    free(s->files);
    memset(s, 0, sizeof *s);
}

void vm_sink_sort_clear(vm_sink_sort *s)
{
    free_rows(s);
    vm_big_free(s->ent, s->cap * s->def->entry_bytes);
    s->ent = NULL;
    s->n = s->cap = 0;
    s->nruns = 0;
    size_t kw = (s->def->key_bytes + 7) / 8;
    memset(s->kand, 0xff, 8 * (kw ? kw : 1));
    memset(s->kor, 0, 8 * (kw ? kw : 1));
}

bool vm_sink_sort_room(vm_sink_sort *s, uint64_t more, uint64_t share)
{
    const vm_sortdef *def = s->def;
    uint64_t rb = def->row_bytes, e = def->entry_bytes, need = s->n + more;
    /* a spill sorts into a second array of entries and writes chunks (a
    ** chunk's columns, then the chunk as written); long strings of the
    ** next rows may take as much as those so far did, and a new block */
    uint64_t fixed = s->heap.bytes + s->capruns * sizeof *s->runs + 2 * VM_SORT_CHUNK_BYTES;
    if (s->heap.bytes)
        fixed += s->heap.bytes / s->nrows * more + VM_STRCHUNK;
    if (grown(s->rcap, need) * rb + grown(s->cap, need) * e + need * e + fixed <= share)
        return true;
    uint64_t fit = share > fixed ? (share - fixed) / (rb + 2 * e) : 0;
    if (need <= s->rcap && need <= s->cap)
        return false;       /* no growth, and yet over: the share shrank */
    if (fit < need)
        return false;
    /* grow to just what fits: doubling would waste up to half the share */
    return (fit <= s->rcap || resize(&s->rows, &s->rcap, rb, fit)) && (fit <= s->cap || resize(&s->ent, &s->cap, e, fit));
}

size_t vm_sink_sort_bytes(const vm_sink_sort *s)
{
    return s->rcap * s->def->row_bytes + s->heap.bytes + s->cap * s->def->entry_bytes + s->capruns * sizeof *s->runs;
}

static bool reserve_entries(vm_sink_sort *s, uint64_t need)
{
    return need <= s->cap || resize(&s->ent, &s->cap, s->def->entry_bytes, grown(s->cap, need));
}

/* Writes the keys of rows sel[0..n) into n entries at out. */
static void encode(const vm_sortdef *def, const vm_vec *r, const uint32_t *sel, uint32_t n, uint8_t *out)
{
    size_t e = def->entry_bytes;
    for (int k = 0; k < def->nkeys; k++) {
        const vm_sortkey *key = &def->keys[k];
        const vm_vec *v = &r[key->reg];
        uint8_t *o = out + key->off;
        switch (key->type) {
        case TIR_BOOL: k_sortkey_bool(v->data, v->validity, sel, n, key->flags, o, e); break;
        case TIR_I32:
        case TIR_DATE: k_sortkey_i32(v->data, v->validity, sel, n, key->flags, o, e); break;
        case TIR_I64: k_sortkey_i64(v->data, v->validity, sel, n, key->flags, o, e); break;
        case TIR_F64: k_sortkey_f64(v->data, v->validity, sel, n, key->flags, o, e); break;
        case TIR_DECIMAL128: k_sortkey_d128(v->data, v->validity, sel, n, key->flags, o, e); break;
        case TIR_INTERVAL: k_sortkey_iv(v->data, v->validity, sel, n, key->flags, o, e); break;
        default: k_sortkey_str(v->data, v->validity, sel, n, key->flags, o, e); break;
        }
    }
}

/* Rows are written value by value into fixed slots (vm_sort_layout); a
** set bit in the NULL bytes marks a NULL. */
#define PUT_FIXED(CT)                                                                         \
    for (uint32_t i = 0; i < n; i++)                                                          \
        memcpy(dst + (size_t)i * rb, (const CT *)v->data + (sel ? sel[i] : i), sizeof(CT))

static bool append_rows(vm_sink_sort *s, const vm_vec *r, const uint32_t *sel, uint32_t n)
{
    const vm_sortdef *def = s->def;
    size_t rb = def->row_bytes;
    if (s->nrows + n > s->rcap && !resize(&s->rows, &s->rcap, rb, grown(s->rcap, s->nrows + n)))
        return false;
    uint8_t *base = s->rows + s->nrows * rb;
    if (def->null_off < rb)
        for (uint32_t i = 0; i < n; i++)
            memset(base + (size_t)i * rb + def->null_off, 0, rb - def->null_off);
    for (int c = 0; c < def->ncols; c++) {
        const vm_vec *v = &r[def->regs[c]];
        uint8_t *dst = base + def->rowoff[c];
        switch (vm_type_width(def->types[c])) {
        case 1: PUT_FIXED(uint8_t); break;
        case 4: PUT_FIXED(uint32_t); break;
        case 8: PUT_FIXED(uint64_t); break;
        case 16:
            if (def->types[c] != TIR_STRING) {   /* a wide decimal, an interval */
                PUT_FIXED(tir_interval);
                break;
            }
            /* fall through */
        default:
            for (uint32_t i = 0; i < n; i++) {
                const tir_str *x = (const tir_str *)v->data + (sel ? sel[i] : i);
                tir_str y;
                if (!vm_str_make(&s->heap, tir_str_ptr(x), x->len, &y))
                    return false;
                memcpy(dst + (size_t)i * rb, &y, sizeof y);
            }
            break;
        }
        int nb = def->nullbit[c];
        if (nb < 0 || !v->validity)
            continue;
        uint8_t *nbyte = base + def->null_off + nb / 8, bit = (uint8_t)(1u << (nb % 8));
        for (uint32_t i = 0; i < n; i++)
            if (!vm_bit_get(v->validity, sel ? sel[i] : i))
                nbyte[(size_t)i * rb] |= bit;
    }
    s->nrows += n;
    return true;
}

static bool topn_add(vm_sink_sort *s, const vm_vec *r, const uint32_t *sel, uint32_t n, uint64_t morsel);

bool vm_sink_sort_add(vm_sink_sort *s, const vm_vec *r, const uint32_t *sel, uint32_t n, uint64_t morsel)
{
    const vm_sortdef *def = s->def;
    if (n == 0)
        return true;
    if (def->limit >= 0)
        return topn_add(s, r, sel, n, morsel);
    if (morsel != s->morsel) {
        s->morsel = morsel;
        s->seq = 0;
    }
    if (!s->nruns || s->runs[s->nruns - 1].morsel != morsel) {
        if (s->nruns == s->capruns) {
            size_t cap = s->capruns ? 2 * s->capruns : 16;
            vm_sortrun *p = realloc(s->runs, sizeof *p * cap);
            if (!p)
                return false;
            s->runs = p;
            s->capruns = cap;
        }
        s->runs[s->nruns++] = (vm_sortrun){morsel, s->n, s->seq};
    }
    uint64_t base = s->nrows;
    size_t e = def->entry_bytes, kw = (def->key_bytes + 7) / 8;
    if (!append_rows(s, r, sel, n) || !reserve_entries(s, s->n + n))
        return false;
    uint8_t *out = s->ent + s->n * e;
    encode(def, r, sel, n, out);
    uint64_t loc = (uint64_t)s->worker << 48 | base;
    for (uint32_t i = 0; i < n; i++) {
        uint8_t *p = out + i * e;
        vm_wr64(p + e - 8, loc + i);
        for (size_t w = 0; w < kw; w++) {
            uint64_t v = vm_rd64(p + 8 * w);
            s->kand[w] &= v;
            s->kor[w] |= v;
        }
    }
    s->n += n;
    s->seq += n;
    return true;
}

/* ------------------------------------------------ sorting runs of entries */

/* Entries are multiples of 8 bytes; the common sizes are copies of a
** constant size (a few vector moves) instead of a loop of words. */
static inline void copy_entry(uint8_t *dst, const uint8_t *src, size_t e)
{
    switch (e) {
    case 16: memcpy(dst, src, 16); break;
    case 24: memcpy(dst, src, 24); break;
    case 32: memcpy(dst, src, 32); break;
    case 40: memcpy(dst, src, 40); break;
    case 48: memcpy(dst, src, 48); break;
    case 56: memcpy(dst, src, 56); break;
    case 64: memcpy(dst, src, 64); break;
    default:
        for (size_t w = 0; w < e; w += 8)
            vm_wr64(dst + w, vm_rd64(src + w));
        break;
    }
}

static void insertion(const vm_sortctx *c, uint8_t *a, size_t n, uint32_t d)
{
    size_t e = c->e;
    uint8_t tmp[e];
    for (size_t i = 1; i < n; i++) {
        if (vm_sort_cmp(c, a + (i - 1) * e, a + i * e, d) <= 0)
            continue;
        copy_entry(tmp, a + i * e, e);
        size_t j = i;
        do {
            copy_entry(a + j * e, a + (j - 1) * e, e);
            j--;
        } while (j > 0 && vm_sort_cmp(c, a + (j - 1) * e, tmp, d) > 0);
        copy_entry(a + j * e, tmp, e);
    }
}

/* Stable merge sort of a[0..n) by vm_sort_cmp(d); t: scratch of n entries. */
static void merge_sort(const vm_sortctx *c, uint8_t *a, uint8_t *t, size_t n, uint32_t d)
{
    size_t e = c->e;
    if (n <= SMALL) {
        insertion(c, a, n, d);
        return;
    }
    size_t h = n / 2;
    merge_sort(c, a, t, h, d);
    merge_sort(c, a + h * e, t + h * e, n - h, d);
    if (vm_sort_cmp(c, a + (h - 1) * e, a + h * e, d) <= 0)
        return;
    size_t i = 0, j = h, k = 0;
    while (i < h && j < n) {
        /* the left run wins ties: stable */
        if (vm_sort_cmp(c, a + j * e, a + i * e, d) < 0)
            memcpy(t + k++ * e, a + j++ * e, e);
        else
            memcpy(t + k++ * e, a + i++ * e, e);
    }
    if (i < h)
        memcpy(t + k * e, a + i * e, (h - i) * e);
    else
        memcpy(t + k * e, a + j * e, (n - j) * e);
    memcpy(a, t, n * e);
}

/* Key bytes [d, d + 8) of an entry as a big-endian word; bytes at or past
** kb read as zero. */
static inline uint64_t key64(const uint8_t *ent, uint32_t d, uint32_t kb)
{
    uint8_t b[8] = {0};
    memcpy(b, ent + d, kb - d < 8 ? kb - d : 8);
    return __builtin_bswap64(vm_rd64(b));
}

static void str_tie_sort(const vm_sortctx *c, uint8_t *a, uint8_t *t, size_t n, uint32_t d, const vm_sortkey *key,
                         uint32_t off);

/* The first string key whose length byte lies in [d, d + w) and holds the
** saturated value in one of the n entries at a (a string longer than the
** prefix); NULL when none. Where two such strings tie on their prefix,
** their full text decides before any byte after. */
static const vm_sortkey *long_str_within(const vm_sortctx *c, const uint8_t *a, size_t n, uint32_t d, uint32_t w)
{
    const vm_sortkey *first = NULL;
    for (int k = 0; c->has_str && k < c->def->nkeys; k++) {
        const vm_sortkey *key = &c->def->keys[k];
        uint32_t last = key->off + key->width - 1;
        if (key->type != TIR_STRING || last < d || last >= d + w ||
            (first && last >= first->off + first->width - 1))
            continue;
        uint8_t sat = vm_sort_saturated(key);
        for (size_t i = 0; i < n; i++)
            if (a[i * c->e + last] == sat) {
                first = key;
                break;
            }
    }
    return first;
}

/* Small buckets without an order word: their next (up to) 8 key bytes as
** integers, insertion-sorted with their positions (stable); the entries
** then move once, and the bytes after decide between equal words. The
** word stops at the length byte of a long string (long_str_within): equal
** words whose strings are long are ordered by str_tie_sort. The result
** ends in t when into_t, else in a. */
static void small_sort(const vm_sortctx *c, uint8_t *a, uint8_t *t, size_t n, uint32_t d, bool into_t)
{
    size_t e = c->e;
    uint32_t w = c->kb - d < 8 ? c->kb - d : 8;
    const vm_sortkey *tie = long_str_within(c, a, n, d, w);
    uint32_t end = tie ? tie->off + tie->width - 1 : 0;
    if (tie)
        w = end - d + 1;
    uint64_t k[SMALL_KEYS];
    uint16_t ix[SMALL_KEYS];
    for (size_t i = 0; i < n; i++) {
        uint64_t v = key64(a + i * e, d, d + w);
        size_t j = i;
        while (j > 0 && k[j - 1] > v) {
            k[j] = k[j - 1];
            ix[j] = ix[j - 1];
            j--;
        }
        k[j] = v;
        ix[j] = (uint16_t)i;
    }
    bool ties = false;
    for (size_t i = 1; i < n; i++)
        ties |= k[i - 1] == k[i];
    for (size_t i = 0; i < n; i++)
        copy_entry(t + i * e, a + ix[i] * e, e);
    if (!ties) {
        if (!into_t)
            memcpy(a, t, n * e);
        return;
    }
    memcpy(a, t, n * e);
    /* equal words: the bytes after them decide (rare but for long strings) */
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i + 1; j < n && k[j] == k[i]; j++)
            ;
        if (j - i < 2)
            continue;
        uint8_t *r = a + i * e;
        if (tie && r[end] == vm_sort_saturated(tie))
            str_tie_sort(c, r, t + i * e, j - i, end, tie, K_SK_STR_PREFIX);
        else if (d + w < c->kb)
            insertion(c, r, j - i, d + w);
    }
    if (into_t)
        memcpy(t, a, n * e);
}

/* A key word and the entry it came from. */
typedef struct kpair {
    uint64_t k, i;
} kpair;

/* Stable MSD radix sort of pairs by k, from the byte at shift down, only on
** the bytes set in vary (the others are equal in every pair). */
static void pair_msd(kpair *a, kpair *t, size_t n, int shift, uint64_t vary)
{
    while (shift >= 0 && !(vary >> shift & 0xff))
        shift -= 8;
    if (shift < 0)
        return;
    if (n <= SMALL) {
        for (size_t i = 1; i < n; i++) {
            kpair x = a[i];
            size_t j = i;
            while (j > 0 && a[j - 1].k > x.k) {
                a[j] = a[j - 1];
                j--;
            }
            a[j] = x;
        }
        return;
    }
    uint32_t cnt[256] = {0};
    unsigned lo = 255, hi = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned v = a[i].k >> shift & 0xff;
        cnt[v]++;
        lo = v < lo ? v : lo;
        hi = v > hi ? v : hi;
    }
    if (lo == hi) {
        pair_msd(a, t, n, shift - 8, vary);
        return;
    }
    size_t off[256], pos[256];
    for (unsigned b = lo, o = 0; b <= hi; b++) {
        off[b] = pos[b] = o;
        o += cnt[b];
    }
    for (size_t i = 0; i < n; i++)
        t[pos[a[i].k >> shift & 0xff]++] = a[i];
    memcpy(a, t, n * sizeof *a);
    for (unsigned b = lo; b <= hi; b++)
        if (cnt[b] > 1)
            pair_msd(a + off[b], t + off[b], cnt[b], shift - 8, vary);
}

/* A bucket whose remaining key bytes [d, kb) fit in a word and hold no
** string: its (key word, position) pairs sort in cache, then the entries
** move once. Result in t when into_t, else in a. False: no memory. */
static bool pair_sort(const vm_sortctx *c, uint8_t *a, uint8_t *t, size_t n, uint32_t d, bool into_t)
{
    size_t e = c->e;
    kpair *p = malloc(2 * n * sizeof *p);
    if (!p)
        return false;
    uint64_t and_ = ~UINT64_C(0), or_ = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t v = key64(a + i * e, d, c->kb);
        p[i] = (kpair){v, i};
        and_ &= v;
        or_ |= v;
    }
    pair_msd(p, p + n, n, 56, and_ ^ or_);
    for (size_t i = 0; i < n; i++)
        copy_entry(t + i * e, a + p[i].i * e, e);
    if (!into_t)
        memcpy(a, t, n * e);
    free(p);
    return true;
}

/* t[pos[byte d of entry i]++] = entry i, for the n entries at a (stable);
** the common entry sizes get fixed-size copies. */
#define SCATTER(E)                                                              \
    for (size_t i = 0; i < n; i++) {                                            \
        const uint8_t *src = a + i * (E);                                       \
        memcpy(t + pos[src[d]]++ * (E), src, (E));                              \
    }
static void scatter(uint8_t *t, const uint8_t *a, size_t n, size_t e, uint32_t d, size_t *pos)
{
    switch (e) {
    case 16: SCATTER(16); break;
    case 24: SCATTER(24); break;
    case 32: SCATTER(32); break;
    case 40: SCATTER(40); break;
    case 48: SCATTER(48); break;
    case 56: SCATTER(56); break;
    case 64: SCATTER(64); break;
    default:
        for (size_t i = 0; i < n; i++)
            copy_entry(t + pos[a[i * e + d]]++ * e, a + i * e, e);
        break;
    }
}

/* ------------------------------------------ long strings tied on a prefix */

static const vm_sortkey *string_key_ending_at(const vm_sortctx *c, uint32_t d)
{
    for (int k = 0; c->has_str && k < c->def->nkeys; k++) {
        const vm_sortkey *key = &c->def->keys[k];
        if (key->type == TIR_STRING && d == key->off + key->width - 1)
            return key;
    }
    return NULL;
}

/* The value of byte d when it is a string key's length byte and the
** string is longer than the prefix; -1 when byte d is no length byte. */
static int saturated_at(const vm_sortctx *c, uint32_t d)
{
    const vm_sortkey *key = string_key_ending_at(c, d);
    return key ? vm_sort_saturated(key) : -1;
}

/* Words of tied strings str_tie_sort sorts by before it compares them whole. */
enum { TIE_WORDS_MAX = 8 };

/* A string's bytes [off, off + 8) as a big-endian word (zero past its end)
** and how many of them it has, 9 when it goes on after them. */
typedef struct tie_key {
    uint64_t w;
    uint32_t len, i;
} tie_key;

static int tie_key_cmp(const void *x, const void *y)
{
    const tie_key *a = x, *b = y;
    if (a->w != b->w)
        return a->w < b->w ? -1 : 1;
    if (a->len != b->len)
        return a->len < b->len ? -1 : 1;
    return (a->i > b->i) - (a->i < b->i); /* stable */
}

static void msd(const vm_sortctx *c, uint8_t *a, uint8_t *t, size_t n, uint32_t d, bool into_t);

/* The n entries at a tie on every key byte up to d, the length byte of
** string key `key`, which holds its saturated value: their strings are
** longer than the key's prefix and equal on it. They are ordered by the
** strings' bytes from off on, 8 at a time (a word per entry, sorted with
** its position, instead of comparing the two full strings of every pair
** the comparison sort meets), then, where the strings are equal, by the
** key bytes after d. The result ends in a; t: scratch of n entries. */
static void str_tie_sort(const vm_sortctx *c, uint8_t *a, uint8_t *t, size_t n, uint32_t d, const vm_sortkey *key,
                         uint32_t off)
{
    size_t e = c->e;
    /* Strings equal over many words go to the comparison sort: each word is
    ** a level of recursion, and strings may be megabytes long. */
    if (off >= K_SK_STR_PREFIX + 8 * TIE_WORDS_MAX) {
        merge_sort(c, a, t, n, d);
        return;
    }
    tie_key small[SMALL_KEYS];
    tie_key *p = n > SMALL_KEYS ? malloc(n * sizeof *p) : n > 1 ? small : NULL;
    if (!p) {
        if (n > 1)
            merge_sort(c, a, t, n, d);
        return;
    }
    bool desc = key->flags & K_SK_DESC;
    for (size_t i = 0; i < n; i++) {
        const tir_str *s = vm_sort_row_str(c, a + i * e, key->col);
        const uint8_t *b = (const uint8_t *)tir_str_ptr(s);
        uint32_t rest = s->len > off ? s->len - off : 0, m = rest < 8 ? rest : 8;
        uint8_t buf[8] = {0};
        memcpy(buf, b + off, m);
        uint64_t w = __builtin_bswap64(vm_rd64(buf));
        uint32_t len = rest > 8 ? 9 : rest;
        p[i] = (tie_key){desc ? ~w : w, desc ? 9 - len : len, (uint32_t)i};
    }
    if (n > SMALL_KEYS) {
        qsort(p, n, sizeof *p, tie_key_cmp);
    } else {
        for (size_t i = 1; i < n; i++) {
            tie_key x = p[i];
            size_t j = i;
            for (; j > 0 && tie_key_cmp(&p[j - 1], &x) > 0; j--)
                p[j] = p[j - 1];
            p[j] = x;
        }
    }
    for (size_t i = 0; i < n; i++)
        copy_entry(t + i * e, a + p[i].i * e, e);
    memcpy(a, t, n * e);
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i + 1; j < n && p[j].w == p[i].w && p[j].len == p[i].len; j++)
            ;
        if (j - i < 2)
            continue;
        uint32_t len = desc ? 9 - p[i].len : p[i].len;
        if (len == 9)   /* equal so far, and both go on */
            str_tie_sort(c, a + i * e, t + i * e, j - i, d, key, off + 8);
        else if (d + 1 < c->kb)   /* equal strings: the later keys decide */
            msd(c, a + i * e, t + i * e, j - i, d + 1, false);
    }
    if (p != small)
        free(p);
}

/* merge_sort for a bucket of long strings tied on their prefix at byte d. */
static void tie_sort(const vm_sortctx *c, uint8_t *a, uint8_t *t, size_t n, uint32_t d)
{
    const vm_sortkey *key = string_key_ending_at(c, d);
    if (key && !c->topn)
        str_tie_sort(c, a, t, n, d, key, K_SK_STR_PREFIX);
    else
        merge_sort(c, a, t, n, d);
}

/* Stable MSD radix sort of the n entries at a, from key byte d (earlier
** bytes are equal): the result ends in t when into_t, else in a; t is
** scratch of n entries. A bucket of long strings that tie on their prefix
** is finished by merge sort with the full strings. */
static void msd(const vm_sortctx *c, uint8_t *a, uint8_t *t, size_t n, uint32_t d, bool into_t)
{
    size_t e = c->e;
    for (;;) {
        while (d < c->kb && c->constant[d])
            d++;
        if (n <= SMALL_KEYS && d < c->kb && !c->topn) {
            small_sort(c, a, t, n, d, into_t);
            return;
        }
        if (n <= PAIR_MAX && d < c->kb && c->kb - d <= 8 && !c->has_str && !c->topn &&
            pair_sort(c, a, t, n, d, into_t))
            return;
        if (n <= SMALL || d >= c->kb)
            break;
        /* the histogram, and the range of byte values present (small
        ** buckets have few: the loops below stay inside it) */
        uint32_t cnt[256] = {0};
        unsigned lo = 255, hi = 0;
        for (size_t i = 0; i < n; i++) {
            unsigned v = a[i * e + d];
            cnt[v]++;
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        int sat = saturated_at(c, d);
        if (lo == hi) {
            if ((int)lo == sat) {
                tie_sort(c, a, t, n, d);
                if (into_t)
                    memcpy(t, a, n * e);
                return;
            }
            d++;
            continue;
        }
        size_t off[256], pos[256];
        for (unsigned b = lo, o = 0; b <= hi; b++) {
            off[b] = pos[b] = o;
            o += cnt[b];
        }
        scatter(t, a, n, e, d, pos);
        for (unsigned b = lo; b <= hi; b++) {
            if (!cnt[b])
                continue;
            uint8_t *ta = t + off[b] * e, *aa = a + off[b] * e;
            if ((int)b == sat) {
                tie_sort(c, ta, aa, cnt[b], d);
                if (!into_t)
                    memcpy(aa, ta, cnt[b] * e);
            } else if (cnt[b] == 1) {
                if (!into_t)
                    copy_entry(aa, ta, e);
            } else {
                msd(c, ta, aa, cnt[b], d + 1, !into_t);
            }
        }
        return;
    }
    if (d < c->kb || c->topn)
        (n <= SMALL ? insertion(c, a, n, d) : merge_sort(c, a, t, n, d));
    if (into_t)
        memcpy(t, a, n * e);
}

/* -------------------------------------------------------------- top-N */

/* Entry h[i] of a heap of positions into a, ordered worst first. */
static inline bool topn_worse(const vm_sortctx *c, const uint8_t *a, const uint32_t *h, size_t i, size_t j)
{
    return vm_sort_cmp(c, a + (size_t)h[i] * c->e, a + (size_t)h[j] * c->e, 0) > 0;
}

static void topn_sift(const vm_sortctx *c, const uint8_t *a, uint32_t *h, size_t k, size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, w = i;
        if (l < k && topn_worse(c, a, h, l, w))
            w = l;
        if (l + 1 < k && topn_worse(c, a, h, l + 1, w))
            w = l + 1;
        if (w == i)
            return;
        uint32_t x = h[i];
        h[i] = h[w];
        h[w] = x;
        i = w;
    }
}

/* The k entries of a[0..n) that sort first (k < n), sorted into a[0..k).
** A heap of the k best so far, its worst on top: an entry that is not
** better than that costs one comparison, and once the heap holds good
** entries most of a top-N buffer's are not (instead of sorting all n). */
static bool topn_select(const vm_sortctx *c, uint8_t *a, size_t n, size_t k)
{
    size_t e = c->e;
    uint32_t *h = malloc((k ? k : 1) * sizeof *h);
    uint8_t *t = malloc((k ? 2 * k : 1) * e);
    if (!h || !t) {
        free(h);
        free(t);
        return false;
    }
    for (size_t i = 0; i < k; i++)
        h[i] = (uint32_t)i;
    for (size_t i = k / 2; i-- > 0;)
        topn_sift(c, a, h, k, i);
    for (size_t i = k; k && i < n; i++) {
        if (vm_sort_cmp(c, a + i * e, a + (size_t)h[0] * e, 0) >= 0)
            continue;
        h[0] = (uint32_t)i;
        topn_sift(c, a, h, k, 0);
    }
    for (size_t i = 0; i < k; i++)
        copy_entry(t + i * e, a + (size_t)h[i] * e, e);
    if (k) {   /* a is NULL when the buffer never held an entry */
        merge_sort(c, t, t + k * e, k, 0);
        memcpy(a, t, k * e);
    }
    free(h);
    free(t);
    return true;
}

/* Sorts the buffer and keeps its first k entries; rows no entry points at
** any more are dropped once they outnumber the kept ones. */
static bool topn_cut(vm_sink_sort *s, uint64_t k)
{
    const vm_sortdef *def = s->def;
    size_t e = def->entry_bytes;
    vm_sink_sort *self[VM_MAX_WORKERS + 1] = {0};
    self[s->worker] = s;
    uint8_t constant[def->key_bytes + 1];
    memset(constant, 0, sizeof constant);
    vm_sortctx c = {def, self, (uint32_t)e, def->key_bytes, true, false, constant, NULL, NULL, 0, s->pool};
    for (int i = 0; i < def->nkeys; i++)
        c.has_str |= def->keys[i].type == TIR_STRING;
    if (k <= s->n / 4 && s->n <= UINT32_MAX) {
        if (!topn_select(&c, s->ent, s->n, k))
            return false;
    } else {
        uint8_t *tmp = malloc(s->n * e);
        if (!tmp)
            return false;
        merge_sort(&c, s->ent, tmp, s->n, 0);
        free(tmp);
    }
    if (s->n > k)
        s->n = k;
    if (s->nrows > 2 * s->n + 2 * TOPN_SLACK) {
        /* keep only the rows (and long strings) of the kept entries */
        size_t rb = def->row_bytes;
        uint8_t *rows = vm_big_realloc(NULL, 0, (s->n ? s->n : 1) * rb);
        vm_strheap heap;
        vm_strheap_init(&heap);
        bool ok = rows != NULL;
        for (uint64_t i = 0; ok && i < s->n; i++) {
            uint8_t *dst = rows + i * rb;
            memcpy(dst, s->rows + (vm_rd64(s->ent + i * e + e - 8) & VM_SORT_LOC_ROW) * rb, rb);
            for (int col = 0; ok && col < def->ncols; col++) {
                if (def->types[col] != TIR_STRING)
                    continue;
                tir_str x;
                memcpy(&x, dst + def->rowoff[col], sizeof x);
                ok = vm_str_make(&heap, tir_str_ptr(&x), x.len, (tir_str *)(void *)(dst + def->rowoff[col]));
            }
            vm_wr64(s->ent + i * e + e - 8, (uint64_t)s->worker << 48 | i);
        }
        if (!ok) {
            vm_big_free(rows, (s->n ? s->n : 1) * rb);
            vm_strheap_free(&heap);
            return false;
        }
        free_rows(s);
        s->rows = rows;
        s->nrows = s->n;
        s->rcap = s->n ? s->n : 1;
        s->heap = heap;
    }
    if (s->n == k && k > 0) {
        s->have_cut = true;
        s->cut_num = true;
        memcpy(s->cut_ent, s->ent + (k - 1) * e, e);
        const vm_sortkey *k0 = &def->keys[0];
        const uint8_t *p = s->cut_ent + k0->off;
        bool null = (k0->flags & K_SK_NULLABLE) && *p++ != ((k0->flags & K_SK_NULLS_FIRST) != 0);
        uint8_t v[8];
        for (uint32_t i = 0; i < 8 && i < k0->width; i++)
            v[i] = k0->flags & K_SK_DESC ? (uint8_t)~p[i] : p[i];
        if (null) {
            s->cut_num = false; /* the worst has a NULL first key: no value can be ruled out by it */
        } else if (k0->type == TIR_I32 || k0->type == TIR_DATE) {
            s->cut_i = (int32_t)(((uint32_t)v[0] << 24 | (uint32_t)v[1] << 16 | (uint32_t)v[2] << 8 | v[3]) ^
                                 UINT32_C(0x80000000));
        } else if (k0->type == TIR_I64 || k0->type == TIR_F64) {
            uint64_t u = 0;
            for (int i = 0; i < 8; i++)
                u = u << 8 | v[i];
            if (k0->type == TIR_I64)
                s->cut_i = (int64_t)(u ^ (UINT64_C(1) << 63));
            else
                s->cut_f = k_sortkey_f64_value(u);
        }
    }
    return true;
}

static bool topn_add(vm_sink_sort *s, const vm_vec *r, const uint32_t *sel, uint32_t n, uint64_t morsel)
{
    const vm_sortdef *def = s->def;
    uint64_t k = topn_k(def);
    if (k == 0)
        return true;
    if (morsel != s->morsel) {
        s->morsel = morsel;
        s->seq = 0;
    }
    size_t e = def->entry_bytes;
    encode(def, r, sel, n, s->batch);
    /* rows whose keys are after the current k-th's cannot enter (a tie may:
    ** its order word or a long string's tail decides later) */
    uint32_t m = 0;
    for (uint32_t i = 0; i < n; i++) {
        s->keep[m] = i;
        m += !s->have_cut || memcmp(s->batch + i * e, s->cut_ent, def->key_bytes) <= 0;
    }
    if (m && !reserve_entries(s, s->n + m))
        return false;
    uint64_t base = s->nrows;
    for (uint32_t j = 0; j < m; j++) {
        uint8_t *p = s->ent + (s->n + j) * e;
        memcpy(p, s->batch + (size_t)s->keep[j] * e, e);
        vm_wr64(p + e - 16, (morsel << 32) + s->seq + s->keep[j]);
        vm_wr64(p + e - 8, (uint64_t)s->worker << 48 | (base + j));
        s->keep[j] = sel ? sel[s->keep[j]] : s->keep[j];
    }
    s->seq += n;
    if (m && !append_rows(s, r, s->keep, m))
        return false;
    s->n += m;
    if (s->n >= k + (k > TOPN_SLACK ? k : TOPN_SLACK))
        return topn_cut(s, k);
    return true;
}

#define TOPN_CUT_INT(T, CT)                                                                                   \
    uint32_t vm_sink_sort_cut_##T(const vm_sink_sort *s, const CT *a, const uint64_t *va, const uint32_t *sel, \
                                  uint32_t n, uint32_t *out)                                                  \
    {                                                                                                         \
        if (!s->cut_num) {                                                                                    \
            for (uint32_t i = 0; i < n; i++)                                                                  \
                out[i] = sel ? sel[i] : i;                                                                    \
            return n;                                                                                         \
        }                                                                                                     \
        CT cut = (CT)s->cut_i;                                                                                \
        return s->def->keys[0].flags & K_SK_DESC ? k_sel_ge_##T##_vc(a, cut, va, sel, n, out)                 \
                                                 : k_sel_le_##T##_vc(a, cut, va, sel, n, out);                \
    }
TOPN_CUT_INT(i32, int32_t)
TOPN_CUT_INT(i64, int64_t)

uint32_t vm_sink_sort_cut_f64(const vm_sink_sort *s, const double *a, const uint64_t *va, const uint32_t *sel,
                              uint32_t n, uint32_t *out)
{
    if (!s->cut_num) {
        for (uint32_t i = 0; i < n; i++)
            out[i] = sel ? sel[i] : i;
        return n;
    }
    return k_sel_topn_f64(a, s->cut_f, (s->def->keys[0].flags & K_SK_DESC) != 0, va, sel, n, out);
}

/* ------------------------------------------------------- the parallel sort */

/* A stretch of entries in input order. */
typedef struct span {
    const uint8_t *p;
    uint64_t n;
} span;

typedef struct task {
    uint8_t *a, *t;
    size_t n;
    uint32_t d;
    bool into_t;
    bool comp;                /* long strings tied on their prefix: merge sort from d */
} task;

typedef struct psort {
    const vm_sortctx *c;
    int nthreads;
    /* a distribution pass over the input, read as spans */
    const span *spans;
    int nspans;
    uint64_t n;
    uint32_t d;
    uint8_t *dst;
    size_t (*hist)[256];      /* per thread */
    /* the bucket tasks */
    task *tasks;
    size_t ntasks;
    _Atomic size_t next;
} psort;

/* The entries of thread t's share [n*t/T, n*(t+1)/T) of the spans, in order. */
#define FOR_SHARE(P, T, PTR, BODY)                                                          \
    do {                                                                                    \
        uint64_t from_ = (P)->n * (uint64_t)(T) / (uint64_t)(P)->nthreads;                  \
        uint64_t to_ = (P)->n * (uint64_t)((T) + 1) / (uint64_t)(P)->nthreads, at_ = 0;     \
        size_t e_ = (P)->c->e;                                                              \
        for (int s_ = 0; s_ < (P)->nspans && at_ < to_; at_ += (P)->spans[s_++].n) {        \
            uint64_t lo_ = from_ > at_ ? from_ - at_ : 0, hi_ = to_ - at_;                  \
            if (hi_ > (P)->spans[s_].n)                                                     \
                hi_ = (P)->spans[s_].n;                                                     \
            for (uint64_t i_ = lo_; i_ < hi_; i_++) {                                       \
                const uint8_t *PTR = (P)->spans[s_].p + i_ * e_;                            \
                BODY;                                                                       \
            }                                                                               \
        }                                                                                   \
    } while (0)

static void count_share(void *arg, int t)
{
    psort *p = arg;
    size_t *h = p->hist[t];
    memset(h, 0, sizeof p->hist[t]);
    uint32_t d = p->d;
    FOR_SHARE(p, t, ent, h[ent[d]]++);
}

static void scatter_share(void *arg, int t)
{
    psort *p = arg;
    size_t *pos = p->hist[t];
    uint32_t d = p->d;
    size_t e = p->c->e;
    uint8_t *dst = p->dst;
    FOR_SHARE(p, t, ent, copy_entry(dst + pos[ent[d]]++ * e, ent, e));
}

/* One stable distribution pass of the spans on byte d into dst, split over
** the threads; cnt receives the bucket sizes. False (nothing moved) when
** every entry falls in one bucket and scatter_one is false. */
static bool distribute(psort *p, const span *spans, int nspans, uint64_t n, uint32_t d, uint8_t *dst,
                       size_t cnt[256], bool scatter_one)
{
    p->spans = spans;
    p->nspans = nspans;
    p->n = n;
    p->d = d;
    p->dst = dst;
    int nt = n >= PAR_MIN ? p->nthreads : 1, saved = p->nthreads;
    p->nthreads = nt;
    vm_par_run(p->c->pool, nt, count_share, p);
    memset(cnt, 0, 256 * sizeof *cnt);
    size_t o = 0;
    bool one = false;
    for (int b = 0; b < 256; b++) {
        for (int t = 0; t < nt; t++) {
            size_t k = p->hist[t][b];
            p->hist[t][b] = o;
            o += k;
            cnt[b] += k;
        }
        one |= cnt[b] == n;
    }
    if (!one || scatter_one)
        vm_par_run(p->c->pool, nt, scatter_share, p);
    p->nthreads = saved;
    return !one || scatter_one;
}

static int task_cmp(const void *x, const void *y)
{
    const task *a = x, *b = y;
    return (a->n < b->n) - (a->n > b->n);
}

static void run_tasks(void *arg, int t)
{
    (void)t;
    psort *p = arg;
    for (;;) {
        size_t i = atomic_fetch_add(&p->next, 1);
        if (i >= p->ntasks)
            return;
        task *k = &p->tasks[i];
        if (k->comp) {
            tie_sort(p->c, k->a, k->t, k->n, k->d);
            if (k->into_t)
                memcpy(k->t, k->a, k->n * p->c->e);
        } else {
            msd(p->c, k->a, k->t, k->n, k->d, k->into_t);
        }
    }
}

/* A string key's length byte is never skipped as constant: when every
** string is long it is the same saturated value in every entry, and the
** pass that meets it is where prefix ties go to the full strings; skipped,
** the next key's bytes would order rows whose strings differ. */
static void keep_string_ends(const vm_sortdef *def, uint8_t *constant)
{
    for (int k = 0; k < def->nkeys; k++)
        if (def->keys[k].type == TIR_STRING)
            constant[def->keys[k].off + def->keys[k].width - 1] = 0;
}


/* Adds tasks for the buckets of a pass on byte d whose entries are at a
** (scratch t); they must end in the buffer `final`. */
static bool add_buckets(psort *p, size_t *cap, uint8_t *a, uint8_t *t, const size_t cnt[256], uint32_t d,
                        uint8_t *final)
{
    size_t e = p->c->e, o = 0;
    int sat = saturated_at(p->c, d);
    for (int b = 0; b < 256; o += cnt[b++]) {
        if (cnt[b] < 2 && !(cnt[b] == 1 && a != final))
            continue;
        if (p->ntasks == *cap) {
            size_t nc = *cap ? 2 * *cap : 512;
            task *q = realloc(p->tasks, sizeof *q * nc);
            if (!q)
                return false;
            p->tasks = q;
            *cap = nc;
        }
        p->tasks[p->ntasks++] = (task){a + o * e, t + o * e, cnt[b], d + 1, a != final, b == sat};
        if (b == sat)
            p->tasks[p->ntasks - 1].d = d;
    }
    return true;
}

/* Sorts the entries of the spans (input order) into g (n entries), with
** scratch t, on nthreads threads. */
static bool sort_entries(const vm_sortctx *c, const span *spans, int nspans, uint64_t n, uint8_t *g, uint8_t *t,
                         int nthreads)
{
    size_t e = c->e;
    psort p = {.c = c, .nthreads = nthreads};
    p.hist = calloc((size_t)nthreads, sizeof *p.hist);
    if (!p.hist)
        return false;
    uint32_t d = 0;
    while (d < c->kb && c->constant[d])
        d++;
    size_t cap = 0;
    bool ok = true;
    if (d >= c->kb) {
        /* every key byte is the same: the input order stands, but for long strings that tie */
        uint64_t at = 0;
        for (int s = 0; s < nspans; at += spans[s++].n)
            if (spans[s].n)
                memcpy(g + at * e, spans[s].p, spans[s].n * e);
        if (c->has_str || c->topn)
            merge_sort(c, g, t, n, 0);
        free(p.hist);
        return true;
    }
    size_t cnt[256];
    /* the first pass reads the workers' entries in input order (always moved into g) */
    distribute(&p, spans, nspans, n, d, g, cnt, true);
    ok = add_buckets(&p, &cap, g, t, cnt, d, g);
    /* buckets too big for one thread's share are split again, by all threads */
    for (size_t i = 0; ok && nthreads > 1 && i < p.ntasks; i++) {
        task k = p.tasks[i];
        if (k.comp || k.n < PAR_MIN || k.n * 2 * (size_t)nthreads < n)
            continue;
        while (k.d < c->kb && c->constant[k.d])
            k.d++;
        if (k.d >= c->kb)
            continue;
        span one = {k.a, k.n};
        if (!distribute(&p, &one, 1, k.n, k.d, k.t, cnt, saturated_at(c, k.d) >= 0)) {
            /* one bucket: nothing moved; look at the next byte */
            p.tasks[i].d = k.d + 1;
            i--;
            continue;
        }
        p.tasks[i] = p.tasks[--p.ntasks];
        ok = add_buckets(&p, &cap, k.t, k.a, cnt, k.d, k.into_t ? k.t : k.a);
        i--;
    }
    if (ok && p.ntasks) {
        qsort(p.tasks, p.ntasks, sizeof *p.tasks, task_cmp);
        atomic_store(&p.next, 0);
        vm_par_run(c->pool, nthreads, run_tasks, &p);
    }
    free(p.tasks);
    free(p.hist);
    return ok;
}

/* ----------------------------------------------------------------- gather */

enum { GBLOCK = 256 };

typedef struct gctx {
    const vm_sortctx *c;
    const uint8_t *g;         /* sorted entries */
    uint64_t from, n;         /* output rows: entries [from, from + n) */
    int ncols;
    vm_column *dst;           /* per column */
    int nthreads;
} gctx;

/* The rows of entries [lo, hi) (at most GBLOCK), their cache lines asked
** for a block ahead. */
static void block_rows(const gctx *x, uint64_t lo, uint64_t hi, const uint8_t **rows)
{
    const vm_sortctx *c = x->c;
    size_t e = c->e, rb = c->def->row_bytes;
    for (uint64_t i = lo; i < hi; i++) {
        uint64_t loc = vm_rd64(x->g + i * e + e - 8);
        rows[i - lo] = c->s[loc >> 48]->rows + (loc & VM_SORT_LOC_ROW) * rb;
    }
    uint64_t end = hi + GBLOCK < x->from + x->n ? hi + GBLOCK : x->from + x->n;
    for (uint64_t i = hi; i < end; i++) {
        uint64_t loc = vm_rd64(x->g + i * e + e - 8);
        __builtin_prefetch(c->s[loc >> 48]->rows + (loc & VM_SORT_LOC_ROW) * rb);
    }
}

#define TAKE_FIXED(CT)                                                                        \
    do {                                                                                      \
        CT *d = (CT *)col->data + (lo - x->from);                                             \
        for (uint32_t i = 0; i < m; i++)                                                      \
            memcpy(&d[i], rows[i] + off, sizeof(CT));                                         \
    } while (0)

static void gather_part(void *arg, int t)
{
    gctx *x = arg;
    const vm_sortdef *def = x->c->def;
    uint64_t step = (x->n / (uint64_t)x->nthreads + GBLOCK - 1) / GBLOCK * GBLOCK;
    uint64_t end = x->from + x->n, first = x->from + step * (uint64_t)t;
    uint64_t last = first + step < end ? first + step : end;
    const uint8_t *rows[GBLOCK];
    for (uint64_t lo = first; lo < last; lo += GBLOCK) {
        uint64_t hi = lo + GBLOCK < last ? lo + GBLOCK : last;
        uint32_t m = (uint32_t)(hi - lo);
        block_rows(x, lo, hi, rows);
        for (int c = 0; c < x->ncols; c++) {
            vm_column *col = &x->dst[c];
            uint32_t off = def->rowoff[c];
            switch (vm_type_width(def->types[c])) {
            case 1: TAKE_FIXED(uint8_t); break;
            case 4: TAKE_FIXED(uint32_t); break;
            case 8: TAKE_FIXED(uint64_t); break;
            default: TAKE_FIXED(tir_str); break;
            }
            int nb = def->nullbit[c];
            if (nb < 0)
                continue;
            /* blocks start at multiples of 64 rows: whole validity words */
            uint64_t *v = col->validity + (lo - x->from) / 64;
            uint32_t byte = def->null_off + (uint32_t)nb / 8;
            uint8_t bit = (uint8_t)(1u << (nb % 8));
            memset(v, 0, (m + 63) / 64 * 8);
            for (uint32_t i = 0; i < m; i++)
                v[i / 64] |= (uint64_t)!(rows[i][byte] & bit) << (i % 64);
        }
    }
}

bool vm_sort_columns_new(const vm_sortdef *def, int ncols, uint64_t n, vm_column *cols)
{
    for (int k = 0; k < ncols; k++) {
        vm_column *out = &cols[k];
        vm_column_init(out, def->types[k]);
        /* exactly n rows: a big column is a mapping of its own (vm_big_realloc) */
        out->data = vm_big_realloc(NULL, 0, (n ? n : 1) * vm_type_width(out->type));
        if (!out->data)
            return false;
        out->cap = n ? n : 1;
        out->len = n;
        if (def->nullbit[k] >= 0 && !(out->validity = calloc(out->cap / 64 + 2, 8)))
            return false;
    }
    return true;
}

void vm_sort_columns_trim(vm_column *cols, int ncols, uint64_t n)
{
    for (int k = 0; k < ncols; k++) {
        vm_column *out = &cols[k];
        bool all = true;
        for (uint64_t w = 0; out->validity && all && w < n / 64; w++)
            all = out->validity[w] == ~UINT64_C(0);
        for (uint64_t i = n / 64 * 64; out->validity && all && i < n; i++)
            all = vm_bit_get(out->validity, i);
        if (out->validity && all) {
            free(out->validity);
            out->validity = NULL;
        }
    }
}

/* cols[c] <- sink column c of the entries [from, from + n) of g. */
static bool gather(const vm_sortctx *c, const uint8_t *g, uint64_t from, uint64_t n, int ncols, int nthreads,
                   vm_column *cols)
{
    if (!vm_sort_columns_new(c->def, ncols, n, cols))
        return false;
    gctx x = {c, g, from, n, ncols, cols, n >= PAR_MIN ? nthreads : 1};
    if (n)
        vm_par_run(c->pool, x.nthreads, gather_part, &x);
    /* a column with no NULL after all needs no bitmap */
    vm_sort_columns_trim(cols, ncols, n);
    return true;
}

void vm_sink_sort_gather(const vm_sink_sort *s, const uint8_t *g, uint64_t n, vm_column *cols)
{
    vm_sink_sort *self[VM_MAX_WORKERS + 1] = {0};
    self[s->worker] = (vm_sink_sort *)s;
    vm_sortctx c = {s->def, self, s->def->entry_bytes, s->def->key_bytes, false, false, NULL, NULL, NULL, 0, s->pool};
    gctx x = {&c, g, 0, n, s->def->ncols, cols, 1};
    if (n)
        gather_part(&x, 0);
}

/* ----------------------------------------------------------------- finish */

static int span_cmp(const void *x, const void *y)
{
    const uint64_t *a = x, *b = y;
    return (a[0] > b[0]) - (a[0] < b[0]);
}

/* The entries of every worker in input order: the morsel runs of all
** workers by morsel (full sort), or each worker's buffer (top-N). */
static span *input_spans(vm_sink_sort *const *s, int nw, bool topn, int *nspans)
{
    size_t n = 0;
    for (int w = 0; w < nw; w++)
        n += topn ? 1 : s[w]->nruns;
    uint64_t (*r)[3] = malloc(sizeof *r * (n ? n : 1));
    span *out = malloc(sizeof *out * (n ? n : 1));
    if (!r || !out) {
        free(r);
        free(out);
        return NULL;
    }
    size_t k = 0;
    for (int w = 0; w < nw; w++) {
        if (topn) {
            r[k][0] = (uint64_t)w, r[k][1] = (uint64_t)w, r[k++][2] = 0;
            continue;
        }
        for (size_t i = 0; i < s[w]->nruns; i++)
            r[k][0] = s[w]->runs[i].morsel, r[k][1] = (uint64_t)w, r[k++][2] = i;
    }
    qsort(r, n, sizeof *r, span_cmp);
    size_t e = s[0]->def->entry_bytes;
    for (size_t i = 0; i < n; i++) {
        const vm_sink_sort *x = s[r[i][1]];
        if (topn) {
            out[i] = (span){x->ent, x->n};
            continue;
        }
        uint64_t start = x->runs[r[i][2]].start;
        uint64_t end = r[i][2] + 1 < x->nruns ? x->runs[r[i][2] + 1].start : x->n;
        out[i] = (span){x->ent + start * e, end - start};
    }
    free(r);
    *nspans = (int)n;
    return out;
}

/* Are the spans, read in order, already sorted? */
static bool already_sorted(const vm_sortctx *c, const span *sp, int nspans)
{
    const uint8_t *prev = NULL;
    for (int s = 0; s < nspans; s++)
        for (uint64_t i = 0; i < sp[s].n; i++) {
            const uint8_t *cur = sp[s].p + i * c->e;
            if (prev && vm_sort_cmp(c, prev, cur, 0) > 0)
                return false;
            prev = cur;
        }
    return true;
}

uint8_t *vm_sink_sort_order(vm_sink_sort *s, int nthreads)
{
    const vm_sortdef *def = s->def;
    size_t e = def->entry_bytes;
    vm_sink_sort *self[VM_MAX_WORKERS + 1] = {0}, *const one[1] = {s};
    self[s->worker] = s;
    int nspans = 0;
    span *sp = input_spans(one, 1, false, &nspans);
    uint8_t *constant = calloc(def->key_bytes + 1, 1);
    uint8_t *g = vm_big_realloc(NULL, 0, (s->n ? s->n : 1) * e);
    bool ok = sp && constant && g;
    vm_sortctx c = {def, self, (uint32_t)e, def->key_bytes, false, false, constant, NULL, NULL, 0, s->pool};
    for (int k = 0; k < def->nkeys; k++)
        c.has_str |= def->keys[k].type == TIR_STRING;
    for (uint32_t d = 0; ok && d < def->key_bytes; d++)
        constant[d] = ((s->kand[d / 8] ^ s->kor[d / 8]) >> (d % 8 * 8) & 0xff) == 0;
    if (ok)
        keep_string_ends(def, constant);
    if (ok && already_sorted(&c, sp, nspans)) {
        uint64_t at = 0;
        for (int i = 0; i < nspans; at += sp[i++].n)
            if (sp[i].n)
                memcpy(g + at * e, sp[i].p, sp[i].n * e);
    } else if (ok && s->n) {
        /* the entries are read once, by the first pass: then they are scratch */
        ok = sort_entries(&c, sp, nspans, s->n, g, s->ent, nthreads < 1 ? 1 : nthreads);
    }
    free(sp);
    free(constant);
    if (!ok) {
        vm_big_free(g, (s->n ? s->n : 1) * e);
        return NULL;
    }
    return g;
}

/* Rows i > 0 of the window's order that start a partition (part) or a
** group of peers (peer); row 0 starts both. */
typedef struct bctx {
    const vm_sortctx *c, *pc;    /* all keys; the partition keys */
    const vm_windef *win;
    const uint8_t *g;
    uint64_t m;
    uint8_t *part, *peer;
    int nthreads;
} bctx;

static void bounds_part(void *arg, int t)
{
    bctx *b = arg;
    size_t e = b->c->e;
    uint64_t lo = b->m * (uint64_t)t / (uint64_t)b->nthreads, hi = b->m * (uint64_t)(t + 1) / (uint64_t)b->nthreads;
    for (uint64_t i = lo; i < hi; i++) {
        const uint8_t *x = b->g + i * e;
        bool q = !i || vm_sort_cmp(b->c, x - e, x, 0) != 0;
        b->peer[i] = q;
        b->part[i] = !i || (q && b->win->npart && vm_sort_cmp(b->pc, x - e, x, 0) != 0);
    }
}

/* Rows i > 0 of the window's order that start a partition (part) or a
** group of peers (peer); row 0 starts both. Split over the threads. */
static bool window_bounds(const vm_sortctx *c, const vm_windef *win, const uint8_t *g, uint64_t m, int nthreads,
                          uint8_t **part, uint8_t **peer)
{
    *part = malloc(m ? m : 1);
    *peer = malloc(m ? m : 1);
    if (!*part || !*peer)
        return false;
    vm_sortdef pd = *c->def;
    pd.nkeys = win->npart;
    vm_sortctx pc = *c;
    pc.def = &pd;
    pc.kb = win->part_bytes;
    bctx b = {c, &pc, win, g, m, *part, *peer, m >= PAR_MIN ? nthreads : 1};
    vm_par_run(c->pool, b.nthreads, bounds_part, &b);
    return true;
}

tir_status vm_sort_result_take(const vm_sortdef *def, vm_column *cols, const uint8_t *part, const uint8_t *peer,
                               uint64_t m, vm_pool *pool, int nthreads, vm_table *res, char *err, size_t errlen)
{
    if (def->win) {
        tir_status st = vm_window_eval(def->win, cols, part, peer, m, pool, nthreads, res, def->npayload, err, errlen);
        if (st)
            return st;
    }
    for (int col = 0; col < def->npayload; col++) {
        vm_column_free(&res->cols[col]);
        res->cols[col] = cols[col];
        vm_column_init(&cols[col], def->types[col]);
    }
    res->nrows = m;
    return TIR_OK;
}

/* Rows [*from, *from + *m) of the order of n rows are the output. */
static void output_rows(const vm_sortdef *def, uint64_t n, uint64_t *from, uint64_t *m)
{
    *from = (uint64_t)def->offset < n ? (uint64_t)def->offset : n;
    *m = n - *from;
    if (def->limit >= 0 && (uint64_t)def->limit < *m)
        *m = (uint64_t)def->limit;
}

uint64_t vm_sort_result_bytes(const vm_sortdef *def, uint64_t m)
{
    const vm_windef *win = def->win;
    int ncols = win ? def->ncols : def->npayload;
    uint64_t need = win ? 2 * m : 0;
    for (int c = 0; c < ncols; c++)
        need += m * vm_type_width(def->types[c]) + m / 8;
    for (int f = 0; win && f < win->nfns; f++)
        need += m * vm_type_width(win->fns[f].type) + m / 8;
    return need;
}

uint64_t vm_sort_finish_need(vm_sink_sort *const *s, int nw)
{
    const vm_sortdef *def = s[0]->def;
    uint64_t n = 0, from, m;
    for (int w = 0; w < nw; w++)
        n += s[w]->n;
    output_rows(def, n, &from, &m);
    return 2 * n * def->entry_bytes + vm_sort_result_bytes(def, m);
}

tir_status vm_sort_finish(vm_sink_sort *const *s, int nw, int nthreads, uint64_t budget, uint64_t *extra,
                          vm_table **out, char *err, size_t errlen)
{
    const vm_sortdef *def = s[0]->def;
    const vm_windef *win = def->win;
    bool topn = def->limit >= 0;
    size_t e = def->entry_bytes;
    uint64_t n = 0;
    *out = NULL;
    *extra = 0;
    for (int w = 0; w < nw; w++) {
        /* a buffer much bigger than N: its N best, selected, are all the sort needs of it */
        if (topn && topn_k(def) < s[w]->n && topn_k(def) <= s[w]->n / 4 && !topn_cut(s[w], topn_k(def))) {
            snprintf(err, errlen, "out of memory while sorting %llu rows", (unsigned long long)s[w]->n);
            return TIR_ERR_NOMEM;
        }
        n += s[w]->n;
    }
    if (nthreads < 1)
        nthreads = 1;

    uint64_t from, m;
    output_rows(def, n, &from, &m);
    int ncols = win ? def->ncols : def->npayload;   /* a window's functions read the hidden columns */
    uint64_t need = vm_sort_finish_need(s, nw);
    *extra = need;
    if (budget && need > budget) {
        snprintf(err, errlen, "sorting %llu rows needs %llu more bytes", (unsigned long long)n,
                 (unsigned long long)need);
        return TIR_ERR_NOMEM;
    }

    uint8_t *constant = calloc(def->key_bytes + 1, 1);
    int nspans = 0;
    span *sp = input_spans(s, nw, topn, &nspans);
    uint8_t *g = NULL, *part = NULL, *peer = NULL;
    bool borrowed = false;
    vm_table *res = vm_sink_table_new(&def->stmt->out);
    vm_column *cols = calloc((size_t)(ncols ? ncols : 1), sizeof *cols);
    tir_status st = constant && sp && res && cols ? TIR_OK : TIR_ERR_NOMEM;
    vm_sortctx c = {def, s, (uint32_t)e, def->key_bytes, topn, false, constant, NULL, NULL, 0, s[0]->pool};
    for (int k = 0; k < def->nkeys; k++)
        c.has_str |= def->keys[k].type == TIR_STRING;
    /* key bytes every entry shares need no pass (a top-N's buffers are small) */
    for (uint32_t d = 0; !st && !topn && d < def->key_bytes; d++) {
        uint64_t and_ = ~UINT64_C(0), or_ = 0;
        for (int w = 0; w < nw; w++) {
            and_ &= s[w]->kand[d / 8];
            or_ |= s[w]->kor[d / 8];
        }
        constant[d] = ((and_ ^ or_) >> (d % 8 * 8) & 0xff) == 0;
    }
    if (constant)   /* NULL when out of memory (st says so) */
        keep_string_ends(def, constant);

    /* the entries in order, in g */
    if (!st && nspans == 1 && already_sorted(&c, sp, nspans)) {
        g = (uint8_t *)sp[0].p; /* one run, in order already: read in place */
        borrowed = true;
    } else if (!st && n) {
        /* one worker's entries are a scratch buffer once the first pass has read them */
        bool reuse = nw == 1 && s[0]->cap >= n;
        uint8_t *t = reuse ? s[0]->ent : vm_big_realloc(NULL, 0, n * e);
        g = vm_big_realloc(NULL, 0, n * e);
        if (!g || !t) {
            st = TIR_ERR_NOMEM;
        } else if (already_sorted(&c, sp, nspans)) {
            uint64_t at = 0;
            for (int i = 0; i < nspans; at += sp[i++].n)
                if (sp[i].n)
                    memcpy(g + at * e, sp[i].p, sp[i].n * e);
        } else if (!sort_entries(&c, sp, nspans, n, g, t, nthreads)) {
            st = TIR_ERR_NOMEM;
        }
        if (!reuse)
            vm_big_free(t, n * e);
    }
    if (!st && win && !window_bounds(&c, win, g + from * e, m, nthreads, &part, &peer))
        st = TIR_ERR_NOMEM;

    /* the rows, gathered once in that order */
    if (!st && !gather(&c, g, from, m, ncols, nthreads, cols))
        st = TIR_ERR_NOMEM;
    for (int w = 0; !st && w < nw; w++) {
        vm_strheap_move(&res->heap, &s[w]->heap);
        /* the rows are in the columns now */
        vm_big_free(s[w]->rows, s[w]->rcap * def->row_bytes);
        s[w]->rows = NULL;
        s[w]->nrows = s[w]->rcap = 0;
    }
    if (!st)
        st = vm_sort_result_take(def, cols, part, peer, m, c.pool, nthreads, res, err, errlen);
    for (int col = 0; cols && col < ncols; col++)
        vm_column_free(&cols[col]);
    free(cols);
    free(part);
    free(peer);
    if (!borrowed)
        vm_big_free(g, n * e);
    free(sp);
    free(constant);
    if (st) {
        vm_table_free(res);
        if (st == TIR_ERR_NOMEM && !err[0])
            snprintf(err, errlen, "out of memory while sorting %llu rows", (unsigned long long)n);
        return st;
    }
    *out = res;
    return TIR_OK;
}

/* ------------------------------------------------------ sorting a table */

tir_status vm_sort_perm(const vm_column *const *cols, const unsigned *flags, int nkeys, uint64_t n, vm_pool *pool,
                        int nthreads, uint64_t **out)
{
    *out = NULL;
    vm_sortkey keys[64];
    vm_vec regs[64];
    if (nkeys < 1 || nkeys > 64)
        return TIR_ERR_ARG;
    vm_sortdef def = {0};
    uint32_t off = 0;
    for (int k = 0; k < nkeys; k++) {
        keys[k] = (vm_sortkey){cols[k]->type, flags[k], off, (uint32_t)k_sortkey_width(cols[k]->type, flags[k]), k, k};
        regs[k] = (vm_vec){cols[k]->type, cols[k]->data, cols[k]->validity};
        off += keys[k].width;
    }
    def.nkeys = nkeys;
    def.keys = keys;
    def.key_bytes = off;
    def.entry_bytes = vm_sort_entry_bytes(off, false);
    def.limit = -1;
    size_t e = def.entry_bytes, kw = (off + 7) / 8;
    uint64_t *perm = malloc(sizeof *perm * (n ? n : 1));
    uint8_t *ent = vm_big_realloc(NULL, 0, (n ? n : 1) * e), *g = NULL;
    uint8_t *constant = calloc(off + 1, 1);
    uint64_t *kand = malloc(8 * kw + 8), *kor = calloc(kw + 1, 8);
    tir_status st = perm && ent && constant && kand && kor ? TIR_OK : TIR_ERR_NOMEM;
    bool has_str = false;
    for (int k = 0; k < nkeys; k++)
        has_str |= cols[k]->type == TIR_STRING;
    if (!st) {
        memset(kand, 0xff, 8 * kw + 8);
        /* the keys of every row, a batch of rows at a time (sel indexes rows from base) */
        for (uint64_t base = 0; base < n; base += 65536) {
            uint32_t m = (uint32_t)(n - base < 65536 ? n - base : 65536);
            vm_vec part[64];
            for (int k = 0; k < nkeys; k++) {
                size_t w = vm_type_width(cols[k]->type);
                part[k] = (vm_vec){regs[k].type, (char *)regs[k].data + base * w, NULL};
                /* a validity bitmap starting at base: base is a multiple of 64 */
                part[k].validity = regs[k].validity ? regs[k].validity + base / 64 : NULL;
            }
            encode(&def, part, NULL, m, ent + base * e);
            for (uint32_t i = 0; i < m; i++) {
                uint8_t *p = ent + (base + i) * e;
                vm_wr64(p + e - 8, base + i);
                for (size_t w = 0; w < kw; w++) {
                    kand[w] &= vm_rd64(p + 8 * w);
                    kor[w] |= vm_rd64(p + 8 * w);
                }
            }
        }
        for (uint32_t d = 0; d < off; d++)
            constant[d] = ((kand[d / 8] ^ kor[d / 8]) >> (d % 8 * 8) & 0xff) == 0;
        keep_string_ends(&def, constant);
    }
    vm_sortctx c = {&def, NULL, (uint32_t)e, off, false, has_str, constant, cols, NULL, 0, pool};
    span sp = {ent, n};
    if (!st && n && !already_sorted(&c, &sp, 1)) {
        g = vm_big_realloc(NULL, 0, n * e);
        if (!g || !sort_entries(&c, &sp, 1, n, g, ent, nthreads < 1 ? 1 : nthreads))
            st = TIR_ERR_NOMEM;
    }
    const uint8_t *sorted = g ? g : ent;
    for (uint64_t i = 0; !st && i < n; i++)
        perm[i] = vm_rd64(sorted + i * e + e - 8);
    vm_big_free(g, (n ? n : 1) * e);
    vm_big_free(ent, (n ? n : 1) * e);
    free(constant);
    free(kand);
    free(kor);
    if (st) {
        free(perm);
        return st;
    }
    *out = perm;
    return TIR_OK;
}
