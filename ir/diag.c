/*
** diag.c — collecting and rendering compile diagnostics with a caret.
**
** Hostile inputs (a megabyte of stray bytes, thousands of broken lines)
** must cost linear time and bounded memory: errors past the limit are
** counted, not formatted; a long source line is shown as a window around
** the caret; line:col comes from one forward pass over the sorted
** diagnostics instead of a scan from the start of the file for each.
** A program read from JSON, and the text an included JSON plan is
** spliced in as, name JSON nodes (diag.h): their line:col and source line
** are those of the node's value in the JSON text (ir_jlocate), and the
** node's JSON path follows the message.
*/
#include "diag.h"
#include "buf.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Source lines longer than this are shown as a window around the caret. */
#define LINE_SHOWN 160
#define LINE_BEFORE 60

static const char bom[3] = {'\xEF', '\xBB', '\xBF'};

void ir_diags_init(ir_diags *d, ir_arena *a, const char *file, const char *src, size_t srclen)
{
    memset(d, 0, sizeof *d);
    d->arena = a;
    d->file = file;
    d->src = src;
    d->srclen = srclen;
    d->max_errors = IR_DEFAULT_MAX_ERRORS;
}

void ir_diags_free(ir_diags *d)
{
    free(d->items);
    d->items = NULL;
    d->n = d->cap = 0;
}

bool ir_diags_full(const ir_diags *d)
{
    return d->max_errors && d->nerrors >= d->max_errors;
}

static ir_diagnostic *diag_push(ir_diags *d)
{
    if (d->n == d->cap) {
        size_t cap = d->cap ? d->cap * 2 : 16;
        ir_diagnostic *items = realloc(d->items, cap * sizeof *items);
        if (!items) {
            if (d->arena)   /* a lost diagnostic: the compile must not look merely wrong */
                d->arena->nomem = true;
            return NULL;
        }
        d->items = items;
        d->cap = cap;
    }
    ir_diagnostic *x = &d->items[d->n++];
    memset(x, 0, sizeof *x);
    return x;
}

static void diag_addv(ir_diags *d, tir_severity sev, ir_span at, const char *fmt, va_list ap)
{
    bool error = sev == TIR_SEV_ERROR;
    if (error ? ir_diags_full(d) : d->max_errors && d->nwarnings >= d->max_errors) {
        if (error) {
            d->nerrors++;
            d->dropped_errors++;
        } else {
            d->dropped_warnings++;
        }
        return;
    }
    if (error)
        d->nerrors++;
    else
        d->nwarnings++;
    ir_diagnostic *x = diag_push(d);
    if (!x)
        return;
    char buf[1024];
    vsnprintf(buf, sizeof buf, fmt, ap);
    x->severity = sev;
    x->span = at;
    x->message = ir_strndup(d->arena, buf, strlen(buf));
    if (error && ir_diags_full(d)) {
        ir_diagnostic *last = diag_push(d);
        if (!last)
            return;
        last->severity = TIR_SEV_ERROR;
        last->span = at;
        last->last = true;
        last->message = ir_sprintf(d->arena, "too many errors (limit %zu); stopping here", d->max_errors);
    }
}

void ir_error(ir_diags *d, ir_span at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_addv(d, TIR_SEV_ERROR, at, fmt, ap);
    va_end(ap);
}

void ir_error_at_path(ir_diags *d, ir_span at, const char *path, const char *msg)
{
    size_t n = d->n;
    ir_error(d, at, "%s", msg);
    if (d->n > n && !d->items[n].last && path)
        d->items[n].path = ir_strndup(d->arena, path, strlen(path));
}

void ir_warning(ir_diags *d, ir_span at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    diag_addv(d, TIR_SEV_WARNING, at, fmt, ap);
    va_end(ap);
}

/* The start of the first line: past a UTF-8 byte-order mark, which is not
** a column. */
static size_t text_start(const char *src, size_t srclen)
{
    return srclen >= 3 && !memcmp(src, bom, 3) ? 3 : 0;
}

/* Advances (*line, *ls = start of that line) from position *pos to off. */
static void advance(const char *src, size_t srclen, size_t *pos, size_t off, int *line, size_t *ls)
{
    if (off > srclen)
        off = srclen;
    while (*pos < off) {
        const char *nl = memchr(src + *pos, '\n', off - *pos);
        if (!nl) {
            *pos = off;
            break;
        }
        (*line)++;
        *pos = (size_t)(nl - src) + 1;
        *ls = *pos;
    }
}

void ir_linecol(const char *src, size_t srclen, uint32_t off, int *line, int *col)
{
    size_t ls = text_start(src, srclen), pos = ls;
    *line = 1;
    advance(src, srclen, &pos, off, line, &ls);
    *col = off > ls ? (int)(off - ls) + 1 : 1;
}

static bool plain_key(const char *k)
{
    if (!isalpha((unsigned char)k[0]) && k[0] != '_')
        return false;
    for (; *k; k++)
        if (!isalnum((unsigned char)*k) && *k != '_')
            return false;
    return true;
}

static void jstep_put(ir_buf *b, const ir_jnode *j)
{
    if (j->index >= 0) {
        ir_buf_printf(b, "[%d]", (int)j->index);
    } else if (plain_key(j->key)) {
        ir_buf_printf(b, ".%s", j->key);
    } else {
        ir_buf_put(b, "[\"", 2);
        for (const char *k = j->key; *k; k++) {
            if (*k == '"' || *k == '\\')
                ir_buf_printf(b, "\\%c", *k);
            else if ((unsigned char)*k < 0x20)
                ir_buf_printf(b, "\\u%04x", (unsigned)*k);
            else
                ir_buf_put(b, k, 1);
        }
        ir_buf_put(b, "\"]", 2);
    }
}

/* A path of more steps shows its first and last ones only: the path of a
** node 1000 levels deep would drown its message. */
#define JPATH_HEAD 10
#define JPATH_TAIL 6

void ir_jpath_put(ir_buf *b, const ir_jpaths *paths, uint32_t node)
{
    ir_buf_put(b, "$", 1);
    if (node >= paths->n)
        return;
    uint32_t depth = 0;   /* parents have smaller numbers: the walk ends at the root, 0 */
    for (uint32_t k = node; k != 0; k = paths->v[k].parent)
        depth++;
    uint32_t head[JPATH_HEAD], tail[JPATH_TAIL], i = 0;
    for (uint32_t k = node; k != 0; k = paths->v[k].parent, i++) {
        if (i < JPATH_TAIL)
            tail[i] = k;
        if (depth - 1 - i < JPATH_HEAD)
            head[depth - 1 - i] = k;
    }
    if (depth <= JPATH_HEAD + JPATH_TAIL) {
        for (i = 0; i < depth; i++)
            jstep_put(b, &paths->v[i < JPATH_HEAD ? head[i] : tail[depth - 1 - i]]);
        return;
    }
    for (i = 0; i < JPATH_HEAD; i++)
        jstep_put(b, &paths->v[head[i]]);
    ir_buf_printf(b, "(...%u steps...)", depth - JPATH_HEAD - JPATH_TAIL);
    for (i = JPATH_TAIL; i-- > 0;)
        jstep_put(b, &paths->v[tail[i]]);
}

/* The path of node into buf, its end kept when it does not fit: the end
** says which node, the start only "$.pipelines[...]". */
static void jpath_copy(char *buf, size_t n, const ir_jpaths *paths, uint32_t node)
{
    ir_buf b = {0};
    ir_jpath_put(&b, paths, node);
    if (b.nomem || !b.n) {
        snprintf(buf, n, "$");
    } else if (b.n < n) {
        memcpy(buf, b.p, b.n + 1);
    } else if (n > 4) {
        memcpy(buf, "...", 3);
        memcpy(buf + 3, b.p + b.n - (n - 4), n - 3);
    } else if (n) {
        buf[0] = 0;
    }
    free(b.p);
}

/* The included file span at is in, or NULL for the program's own text. */
static const ir_srcfile *included(const ir_srcfile *files, uint32_t nfiles, uint32_t off)
{
    if (!files || nfiles <= 1 || off < files[1].off)
        return NULL;
    uint32_t lo = 1, hi = nfiles;   /* the last file starting at or before off */
    while (hi - lo > 1) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (files[mid].off <= off)
            lo = mid;
        else
            hi = mid;
    }
    return &files[lo];
}

const char *ir_file_of(const ir_srcmap *m, ir_span at)
{
    const ir_srcfile *f = m->paths ? NULL : included(m->files, m->nfiles, at.off);
    return f ? f->name : m->file;
}

/* The node printed innermost around [off, off + len) of a printed JSON
** program's text, the root when none is. Entries nest: it is the last
** entry starting at or before off, or the first of those that one was
** printed inside to hold the whole span. Nodes printed as the very same
** text (a value and its expression, a one-name reference and its name)
** are one to the text's parser, whose span is then the outermost's. */
static uint32_t printed_node(const ir_jtext *t, uint32_t off, uint32_t len)
{
    uint32_t lo = 0, hi = t->n;   /* entries before lo start at or before off */
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (t->v[mid].off <= off)
            lo = mid + 1;
        else
            hi = mid;
    }
    uint32_t k = lo ? lo - 1 : UINT32_MAX;
    while (k != UINT32_MAX && t->v[k].end < (uint64_t)off + len)
        k = t->v[k].up;
    if (k == UINT32_MAX)
        return 0;
    const ir_jprinted *up;
    while (t->v[k].up != UINT32_MAX && (up = &t->v[t->v[k].up])->off == t->v[k].off && up->end == t->v[k].end)
        k = t->v[k].up;
    return t->v[k].node;
}

/* A span that names a JSON node: one of a JSON program (file NULL), or
** of an included JSON plan's text (file its name); text is the JSON it
** was read from (NULL: not kept). */
typedef struct jnode {
    const char *file;
    const ir_jpaths *paths;
    uint32_t node;
    const char *text;
    size_t len;
} jnode;

static bool json_node(const ir_srcmap *m, ir_span at, jnode *j)
{
    if (m->paths) {
        *j = (jnode){NULL, m->paths, at.off, m->src, m->len};
        return true;
    }
    const ir_srcfile *f = included(m->files, m->nfiles, at.off);
    if (!f || !f->json)
        return false;
    *j = (jnode){f->name, f->json->paths, printed_node(f->json, at.off - f->off, at.len), f->json->json,
                 f->json->jsonlen};
    return true;
}

/* Where node j lies in its JSON text: its bytes and their line:col. */
static bool jnode_place(const jnode *j, ir_span *at, int *line, int *col)
{
    if (!j->text || !ir_jlocate(j->text, j->len, j->paths, j->node, at))
        return false;
    ir_linecol(j->text, j->len, at->off, line, col);
    return true;
}

bool ir_is_json(const ir_srcmap *m, ir_span at)
{
    jnode j;
    return json_node(m, at, &j);
}

/* "file:$.path" into buf, or the path alone when file is NULL. */
static void jnode_where(char *buf, size_t n, const char *file, const jnode *j)
{
    if (!file) {
        jpath_copy(buf, n, j->paths, j->node);
        return;
    }
    char path[256];
    jpath_copy(path, sizeof path, j->paths, j->node);
    snprintf(buf, n, "%s:%s", file, path);
}

/* line:col of at within its own file's text. */
static void file_linecol(const ir_srcmap *m, ir_span at, int *line, int *col)
{
    const ir_srcfile *f = included(m->files, m->nfiles, at.off);
    if (f)
        ir_linecol(m->src + f->off, f->len, at.off - f->off, line, col);
    else
        ir_linecol(m->src, m->files && m->nfiles > 1 ? m->files[0].len : m->len, at.off, line, col);
}

void ir_where(char *buf, size_t n, const ir_srcmap *m, ir_span at)
{
    jnode j;
    if (json_node(m, at, &j)) {
        jnode_where(buf, n, j.file, &j);
        return;
    }
    int line, col;
    file_linecol(m, at, &line, &col);
    const ir_srcfile *f = included(m->files, m->nfiles, at.off);
    if (f)
        snprintf(buf, n, "%s:%d:%d", f->name, line, col);
    else
        snprintf(buf, n, "%d:%d", line, col);
}

void ir_locate(char *buf, size_t n, const ir_srcmap *m, ir_span at)
{
    jnode j;
    if (json_node(m, at, &j)) {
        ir_span sp;
        int line, col;
        if (jnode_place(&j, &sp, &line, &col))
            snprintf(buf, n, "%s:%d:%d", j.file ? j.file : m->file, line, col);
        else
            jnode_where(buf, n, j.file ? j.file : m->file, &j);
        return;
    }
    int line, col;
    file_linecol(m, at, &line, &col);
    snprintf(buf, n, "%s:%d:%d", ir_file_of(m, at), line, col);
}

void ir_span_text(char *buf, size_t n, const ir_srcmap *m, ir_span at)
{
    jnode j;
    if (json_node(m, at, &j)) {
        jpath_copy(buf, n, j.paths, j.node);
        return;
    }
    if (!n)
        return;
    size_t len = at.len < n - 1 ? at.len : n - 1;
    memcpy(buf, m->src + at.off, len);
    buf[len] = 0;
}

static void render_line(ir_buf *b, const char *src, size_t ls, size_t le, ir_span sp);

/* The line of src around byte at: [*ls, *le). */
static void line_around(const char *src, size_t len, size_t at, size_t *ls, size_t *le)
{
    size_t start = text_start(src, len), s = at;
    while (s > start && src[s - 1] != '\n')
        s--;
    const char *nl = at < len ? memchr(src + at, '\n', len - at) : NULL;
    *ls = s;
    *le = nl ? (size_t)(nl - src) : len;
}

/* x, at node j: "file:line:col: error: msg\n", "  at $.path\n", then the
** JSON's line and a caret under the node's value; "file:$.path: error:
** msg\n" alone when its JSON text is not at hand. Sets x->path, x->file,
** x->line and x->col. */
static void render_jnode(ir_buf *b, ir_diags *d, ir_diagnostic *x, const char *file, const jnode *j)
{
    ir_buf p = {0};
    ir_jpath_put(&p, j->paths, j->node);
    x->path = ir_buf_finish(&p, d->arena);
    x->file = file;
    const char *sev = x->severity == TIR_SEV_ERROR ? "error" : "warning";
    ir_span sp;
    bool placed = jnode_place(j, &sp, &x->line, &x->col);
    if (placed)
        ir_buf_printf(b, "%s:%d:%d: %s: %s", file, x->line, x->col, sev, x->message);
    else
        ir_buf_printf(b, "%s:%s: %s: %s", file, x->path ? x->path : "$", sev, x->message);
    if (x->last && d->dropped_errors)
        ir_buf_printf(b, " (%zu more not shown)", d->dropped_errors);
    ir_buf_put(b, "\n", 1);
    if (!placed || x->last)   /* the note "too many errors" is one line, as for text */
        return;
    ir_buf_printf(b, "  at %s\n", x->path ? x->path : "$");
    size_t ls, le;
    line_around(j->text, j->len, sp.off, &ls, &le);
    render_line(b, j->text, ls, le, sp);
}

static int diag_cmp(const void *a, const void *b)
{
    const ir_diagnostic *x = a, *y = b;
    if (x->last != y->last)
        return x->last ? 1 : -1;
    if (x->span.off != y->span.off)
        return x->span.off < y->span.off ? -1 : 1;
    return 0;
}

/* A JSON program's diagnostics, whose spans are node numbers: by the
** nodes' places in the text, set beforehand in line and col. */
static int diag_cmp_json(const void *a, const void *b)
{
    const ir_diagnostic *x = a, *y = b;
    if (x->last != y->last)
        return x->last ? 1 : -1;
    if (x->line != y->line)
        return x->line < y->line ? -1 : 1;
    if (x->col != y->col)
        return x->col < y->col ? -1 : 1;
    return diag_cmp(a, b);
}

/* The source line [ls, le) of span sp and a caret line under it, clipped
** to a window of LINE_SHOWN bytes around the span's start. */
static void render_line(ir_buf *b, const char *src, size_t ls, size_t le, ir_span sp)
{
    size_t at = sp.off < ls ? ls : sp.off > le ? le : sp.off;
    size_t from = ls, to = le;
    bool cut_left = false, cut_right = false;
    if (le - ls > LINE_SHOWN) {
        if (at - ls > LINE_BEFORE) {
            from = at - LINE_BEFORE;
            cut_left = true;
        }
        if (le - from > LINE_SHOWN) {
            to = from + LINE_SHOWN;
            cut_right = true;
        }
        /* never cut inside a UTF-8 sequence */
        while (from > ls && ((unsigned char)src[from] & 0xC0) == 0x80)
            from--;
        while (to < le && ((unsigned char)src[to] & 0xC0) == 0x80)
            to++;
    }
    ir_buf_put(b, cut_left ? "  ..." : "  ", cut_left ? 5 : 2);
    ir_buf_put(b, src + from, to - from);
    ir_buf_put(b, cut_right ? "...\n  " : "\n  ", cut_right ? 6 : 3);
    if (cut_left)
        ir_buf_put(b, "   ", 3);
    for (size_t k = from; k < at; k++)
        ir_buf_put(b, src[k] == '\t' ? "\t" : " ", 1);
    ir_buf_put(b, "^", 1);
    size_t span_end = (size_t)sp.off + sp.len;
    for (size_t k = at + 1; k < span_end && k < to; k++)
        ir_buf_put(b, "~", 1);
    ir_buf_put(b, "\n", 1);
}

char *ir_diags_render(ir_diags *d)
{
    ir_srcmap m = ir_diags_srcmap(d);
    if (d->paths && d->n > 1)   /* a JSON program: its nodes in the order of the text */
        for (size_t i = 0; i < d->n; i++) {
            jnode j = {NULL, d->paths, d->items[i].span.off, d->src, d->srclen};
            ir_span sp;
            if (!jnode_place(&j, &sp, &d->items[i].line, &d->items[i].col))
                d->items[i].line = d->items[i].col = 0;
        }
    if (d->n > 1)
        qsort(d->items, d->n, sizeof *d->items, d->paths ? diag_cmp_json : diag_cmp);
    ir_buf b = {0};
    ir_buf_put(&b, "", 0);
    /* one forward pass per file: the files' texts follow each other */
    const ir_srcfile *file = NULL;
    size_t base = 0, end = d->files && d->nfiles > 1 ? d->files[0].len : d->srclen;
    size_t ls = text_start(d->src, end), pos = ls;
    int line = 1;
    for (size_t i = 0; i < d->n; i++) {
        ir_diagnostic *x = &d->items[i];
        jnode j;
        if (json_node(&m, x->span, &j)) {
            render_jnode(&b, d, x, j.file ? j.file : d->file, &j);
            continue;
        }
        x->file = ir_file_of(&m, x->span);
        if (x->last) {   /* out of order: located on its own */
            char at[512];
            ir_locate(at, sizeof at, &m, x->span);
            file_linecol(&m, x->span, &x->line, &x->col);
            ir_buf_printf(&b, "%s: error: %s", at, x->message);
            if (d->dropped_errors)
                ir_buf_printf(&b, " (%zu more not shown)", d->dropped_errors);
            ir_buf_put(&b, "\n", 1);
            continue;
        }
        const ir_srcfile *f = included(d->files, d->nfiles, x->span.off);
        if (f != file) {
            file = f;
            base = f->off;
            end = (size_t)f->off + f->len;
            ls = base + text_start(d->src + base, f->len);
            pos = ls;
            line = 1;
        }
        if (x->span.off < pos) {   /* only a BOM lies before pos */
            x->line = 1;
            x->col = 1;
        } else {
            advance(d->src, end, &pos, x->span.off, &line, &ls);
            x->line = line;
            x->col = (int)(x->span.off - ls) + 1;
        }
        ir_buf_printf(&b, "%s:%d:%d: %s: %s\n", x->file, x->line, x->col,
                      x->severity == TIR_SEV_ERROR ? "error" : "warning", x->message);
        if (x->path)   /* a node of a JSON file that did not read (frontend/parse.c) */
            ir_buf_printf(&b, "  at %s\n", x->path);
        size_t le = ls;
        const char *nl = le < end ? memchr(d->src + le, '\n', end - le) : NULL;
        le = nl ? (size_t)(nl - d->src) : end;
        render_line(&b, d->src, ls, le, x->span);
    }
    if (d->dropped_warnings)
        ir_buf_printf(&b, "%s: %zu more warnings not shown\n", d->file, d->dropped_warnings);
    return ir_buf_finish(&b, d->arena);
}
