/*
** parse.c — fe_parse: feeds the lexer's tokens to the Lemon parser, whose
** actions build the program in the arena. Running out of arena memory
** unwinds here with longjmp (as Lua does), so constructors need no
** failure paths.
*/
#include "fe.h"
#include "grammar.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Statements have no terminator; a name followed by '=' starts one unless
** it is an argument name (":name =") or a source argument ("(name =",
** ", name ="). Telling the grammar so (token TARGET) lets error recovery
** resume exactly at the next statement. */
static int fe_classify(int prev, int tok, int next)
{
    /* `nullable` ends a parameter declaration; followed by ':' it names the next item */
    if (tok == FE_T_NULLABLE && next == FE_T_COLON)
        return FE_T_IDENT;
    if (next != FE_T_EQ || (tok != FE_T_IDENT && fe_lemonFallback(tok) != FE_T_IDENT))
        return tok;
    if (prev == FE_T_COLON || prev == FE_T_LP || prev == FE_T_COMMA || prev == FE_T_DOT)
        return tok;
    return FE_T_TARGET;
}

/* Keeps the stack of open '{', '[' and '(' for fe_syntax_error: a closer
** pops its own opener only (a stray one is the parser's to report). */
static void note_delimiter(fe_ctx *cx, int tok)
{
    if (tok == FE_T_LBRACE || tok == FE_T_LBRACKET || tok == FE_T_LP) {
        if (cx->nopen < 64)
            cx->open[cx->nopen] = cx->tok;
        cx->nopen++;
        return;
    }
    char want = tok == FE_T_RBRACE ? '{' : tok == FE_T_RBRACKET ? '[' : tok == FE_T_RP ? '(' : 0;
    if (want && cx->nopen > 0 && (cx->nopen > 64 || cx->src[cx->open[cx->nopen - 1].off] == want))
        cx->nopen--;
}

/* ------------------------------------------------------------- include
**
** `include "f.tir"` stands for the items of f. The first pass (gather)
** lexes each file without reporting, reads every file it includes, depth
** first, and lays their texts one after another in the program's source
** (each followed by a NUL, the lexer's sentinel); the second pass feeds
** the tokens of that source to the parser, entering an included file's
** text where its include was. Tokens never leave their file, so a span
** names one file (diag.h). */

#define FE_MAX_INCLUDE_DEPTH 16
#define FE_MAX_FILES 256

typedef struct fe_inc {
    uint32_t at;              /* the path's span offset */
    int file;                 /* its index in files, -1: it could not be read */
} fe_inc;

typedef struct fe_gather {
    ir_arena *a;
    ir_diags *d;
    const ir_loader *ld;
    ir_srcfile files[FE_MAX_FILES];
    const char *texts[FE_MAX_FILES];
    uint32_t nfiles;
    size_t total;             /* bytes of the source laid out so far */
    fe_inc *incs;             /* in the order the second pass meets them */
    int nincs, capincs;
    int stack[FE_MAX_INCLUDE_DEPTH + 1];   /* the files being read, outermost first */
    bool nomem;
} fe_gather;

static const char *skip_bom(const char *s, size_t len)
{
    return len >= 3 && !memcmp(s, "\xEF\xBB\xBF", 3) ? s + 3 : s;
}

/* path, relative to the directory of the file that includes it, with its
** "." and "dir/.." steps taken, so that one file has one name. */
static char *resolve(ir_arena *a, const char *from, const char *path, size_t plen)
{
    const char *slash = strrchr(from, '/');
    size_t dlen = path[0] == '/' || !slash ? 0 : (size_t)(slash - from) + 1;
    char *full = ir_alloc(a, dlen + plen + 1);
    if (!full)
        return NULL;
    memcpy(full, from, dlen);
    memcpy(full + dlen, path, plen);
    full[dlen + plen] = 0;
    /* w: the normalized prefix, r: the next step to read */
    char *w = full + (full[0] == '/'), *r = w;
    char *start = w;
    for (bool last = !*r; !last;) {
        size_t n = strcspn(r, "/");
        last = !r[n];   /* before the step is copied: its '/' may land on r[n] */
        bool up = n == 2 && r[0] == '.' && r[1] == '.';
        char *prev = w > start ? w - 1 : NULL;   /* the '/' ending the last step kept */
        while (prev && prev > start && prev[-1] != '/')
            prev--;
        if ((n == 1 && r[0] == '.') || n == 0) {
            /* nothing to keep */
        } else if (up && prev && !(w - prev == 3 && prev[0] == '.' && prev[1] == '.')) {
            w = prev;
        } else {
            memmove(w, r, n);
            w += n;
            *w++ = '/';
        }
        r += n + !last;
    }
    if (w > start)
        w--;
    *w = 0;
    return full;
}

static void add_inc(fe_gather *g, uint32_t at, int file)
{
    if (g->nincs == g->capincs) {
        int cap = g->capincs ? g->capincs * 2 : 8;
        fe_inc *v = ir_alloc(g->a, (size_t)cap * sizeof *v);
        if (!v) {
            g->nomem = true;
            return;
        }
        if (g->nincs)
            memcpy(v, g->incs, (size_t)g->nincs * sizeof *v);
        g->incs = v;
        g->capincs = cap;
    }
    g->incs[g->nincs++] = (fe_inc){at, file};
}

static void gather(fe_gather *g, int file, int depth);

static bool is_json(const char *path)
{
    size_t n = strlen(path);
    return n >= 5 && !strcmp(path + n - 5, ".json");
}

/* An included plan in its JSON form stands for the same items as text:
** it is parsed and printed as .tir, *printed noting where each node landed
** in that text (and keeping the JSON, where the nodes' lines are), so that
** messages about its items name their JSON paths, lines and columns. NULL
** when it does not parse, its diagnostics in d, or when out of memory. */
static const char *json_as_text(fe_gather *g, ir_diags *d, const char *path, const char *json, size_t *len,
                                const ir_jtext **printed)
{
    ir_program *prog = NULL;
    ir_jtext *at = IR_NEW(g->a, ir_jtext);
    const char *text = NULL;
    if (at && fe_parse_json(g->a, d, path, json, *len, &prog) && prog)
        text = ir_program_str(g->a, prog, at);
    if (text) {
        at->json = json;
        at->jsonlen = *len;
        *len = strlen(text);
    }
    *printed = at;
    return g->a->nomem ? NULL : text;
}

/* The diagnostics d of a JSON plan that does not read, every one of them
** (not the first alone: a plan built by a program often has one mistake
** many times over), reported in its text laid out at base: a node's at
** its value, with its JSON path; malformed JSON where jansson stopped. */
static void json_errors(fe_gather *g, const ir_diags *d, const char *json, size_t len, uint32_t base)
{
    for (size_t i = 0; i < d->n; i++) {
        const ir_diagnostic *x = &d->items[i];
        if (x->last)   /* "too many errors": g->d says it for itself */
            continue;
        ir_span at = x->span;
        const char *path = NULL;
        ir_buf b = {0};
        if (d->paths) {
            if (!ir_jlocate(json, len, d->paths, x->span.off, &at))
                at = (ir_span){0, 1};
            ir_jpath_put(&b, d->paths, x->span.off);
            if (b.nomem)
                g->a->nomem = true;   /* the message would lose its path: not a mere compile error */
            path = b.nomem ? "$" : b.p;
        }
        ir_error_at_path(g->d, (ir_span){base + at.off, at.len}, path, x->message);
        free(b.p);
    }
}

/* The include whose path is the string token s of file `from`. */
static void include_file(fe_gather *g, int from, int depth, ir_span s, const char *text)
{
    const char *q = text + 1;
    size_t plen = s.len >= 2 ? s.len - 2 : 0;
    int got = -1;
    if (!g->ld) {
        ir_error(g->d, s, "include is not available here: the program is not read from a file system");
    } else if (plen == 0 || memchr(q, '\\', plen) || memchr(q, 0, plen)) {
        ir_error(g->d, s, "an include names a file, written without escapes: include \"tables.tir\"");
    } else if (depth >= FE_MAX_INCLUDE_DEPTH) {
        ir_error(g->d, s, "includes nested more than %d deep", FE_MAX_INCLUDE_DEPTH);
    } else if (g->nfiles == FE_MAX_FILES) {
        ir_error(g->d, s, "more than %d included files", FE_MAX_FILES - 1);
    } else {
        char *path = resolve(g->a, g->files[from].name, q, plen);
        char err[512] = "";
        for (int k = 0; path && k <= depth; k++)
            if (!strcmp(g->files[g->stack[k]].name, path)) {
                ir_error(g->d, s, "%s includes itself%s%s", path, k < depth ? " through " : "",
                         k < depth ? g->files[g->stack[depth]].name : "");
                add_inc(g, s.off, -1);
                return;
            }
        /* a file included twice (two files both include the tables) is read once */
        for (uint32_t f = 0; path && f < g->nfiles; f++)
            if (!strcmp(g->files[f].name, path)) {
                add_inc(g, s.off, -1);
                return;
            }
        size_t len = 0;
        const ir_jtext *json = NULL;
        const char *t = path ? g->ld->load(g->ld->ctx, g->a, path, &len, err, sizeof err) : NULL;
        const char *bad = NULL;   /* a JSON plan that does not read: its text, where its errors are */
        ir_diags jd;
        ir_diags_init(&jd, g->a, path, t, len);
        if (t && is_json(path)) {
            size_t jlen = len;
            const char *as_text = json_as_text(g, &jd, path, t, &len, &json);
            if (!as_text && jd.nerrors && !g->a->nomem) {
                bad = t;
                len = jlen;
            }
            t = as_text;
        }
        if (!path || (!t && !bad && !err[0])) {
            g->nomem = true;
        } else if (!t && !bad) {
            ir_error(g->d, s, "cannot include %s: %s", path, err);
        } else if (g->total + len + 1 >= UINT32_MAX) {
            ir_error(g->d, s, "program too large with %s included", path);
        } else if (bad) {
            /* laid out as a file of the program, which the parser does not
            ** enter, so that its errors show its lines */
            uint32_t f = g->nfiles++;
            g->files[f] = (ir_srcfile){(uint32_t)g->total, (uint32_t)len, path, NULL};
            g->texts[f] = bad;
            g->total += len + 1;
            ir_error(g->d, s, "cannot include %s: %zu error%s in it (below)", path, jd.nerrors,
                     jd.nerrors == 1 ? "" : "s");
            json_errors(g, &jd, bad, len, g->files[f].off);
        } else {
            got = (int)g->nfiles++;
            g->files[got] = (ir_srcfile){(uint32_t)g->total, (uint32_t)len, path, json};
            g->texts[got] = t;
            g->total += len + 1;
        }
        ir_diags_free(&jd);
    }
    add_inc(g, s.off, got);
    if (got >= 0)
        gather(g, got, depth + 1);
}

static void gather(fe_gather *g, int file, int depth)
{
    g->stack[depth] = file;
    const char *text = g->texts[file];
    size_t len = g->files[file].len;
    fe_lexer lx = {.src = text, .cur = skip_bom(text, len), .lim = text + len, .base = g->files[file].off};
    ir_span s;
    int tok = fe_lex(&lx, &s);
    while (tok && !g->nomem) {
        int next = fe_lex(&lx, &s);
        if (tok == FE_T_INCLUDE && next == FE_T_STRING) {
            include_file(g, file, depth, s, text + (s.off - g->files[file].off));
            next = fe_lex(&lx, &s);
        }
        tok = next;
    }
}

/* The second pass's token stream: the files' lexers, the innermost last. */
typedef struct fe_stream {
    fe_lexer lx[FE_MAX_INCLUDE_DEPTH + 1];
    int depth;
    const ir_srcfile *files;
    const fe_inc *incs;
    int nincs, nextinc;
} fe_stream;

static void enter(fe_stream *st, fe_ctx *cx, const ir_srcfile *f, int depth)
{
    const char *text = cx->src + f->off;
    st->lx[depth] = (fe_lexer){.src = cx->src, .cur = skip_bom(text, f->len), .lim = text + f->len, .d = cx->d};
    st->depth = depth;
}

/* The next token of the program, includes entered; 0 at its end. */
static int pull(fe_stream *st, ir_span *sp)
{
    for (;;) {
        fe_lexer *lx = &st->lx[st->depth];
        int tok = fe_lex(lx, sp);
        if (tok == FE_T_INCLUDE && st->nextinc < st->nincs) {
            /* the include the first pass met here, if this is one */
            const char *save = lx->cur;
            ir_span s2;
            fe_lexer peek = *lx;
            peek.d = NULL;
            if (fe_lex(&peek, &s2) == FE_T_STRING && s2.off == st->incs[st->nextinc].at) {
                lx->cur = peek.cur;
                int f = st->incs[st->nextinc++].file;
                if (f >= 0) {
                    const char *src = lx->src;
                    st->depth++;
                    st->lx[st->depth] = (fe_lexer){.src = src, .cur = skip_bom(src + st->files[f].off, st->files[f].len),
                                                   .lim = src + st->files[f].off + st->files[f].len, .d = lx->d};
                }
                continue;
            }
            lx->cur = save;
        }
        if (tok == 0 && st->depth > 0) {
            st->depth--;
            continue;
        }
        return tok;
    }
}

/* Feeds every token to the parser; false when the arena ran out. */
static bool fe_feed(fe_ctx *cx, void *parser, fe_stream *st)
{
    jmp_buf nomem;
    cx->nomem = &nomem;
    if (setjmp(nomem))
        return false;
    ir_span next_span;
    int prev = 0, tok = pull(st, &cx->tok);
    for (;;) {
        int next = tok ? pull(st, &next_span) : 0;
        cx->next = next;
        fe_lemon(parser, fe_classify(prev, tok, next), cx->tok, cx);
        if (tok == 0 || cx->overflow)
            return true;
        note_delimiter(cx, tok);
        prev = tok;
        cx->prev = cx->tok;
        tok = next;
        cx->tok = next_span;
    }
}

/* A table declared in an included file names its data relative to that
** file. Made relative to the program's own directory here, as every later
** reader takes it (the checker, the text and JSON forms, which write the
** included items in place). */
static void rebase_paths(ir_arena *a, ir_program *p)
{
    const char *slash = strrchr(p->file, '/');
    size_t home = slash ? (size_t)(slash - p->file) + 1 : 0;   /* the program's directory, with its '/' */
    ir_srcmap m = ir_prog_srcmap(p);
    for (int i = 0; i < p->ntables; i++) {
        ir_table *t = p->tables[i];
        const char *f = ir_file_of(&m, t->span);
        const ir_val *v = t->nargs && !t->args[0].name.s ? t->args[0].val : NULL;
        const ir_expr *e = v && v->kind == IR_V_EXPR ? v->expr : NULL;
        if (f == p->file || !e || e->kind != IR_E_LIT || e->u.lit.type != TIR_STRING || e->u.lit.is_null ||
            e->u.lit.s[0] == '/' || (strcmp(t->source.s, "read_csv") && strcmp(t->source.s, "read_table")))
            continue;
        /* the included file's name, from the program's directory */
        const char *rel = !strncmp(f, p->file, home) ? f + home : f;
        char *path = resolve(a, rel, e->u.lit.s, e->u.lit.slen);
        if (!path)
            return;
        v->expr->u.lit.s = path;
        v->expr->u.lit.slen = (uint32_t)strlen(path);
    }
}

bool fe_parse(ir_arena *a, ir_diags *d, const char *file, const char *src, size_t len, const ir_loader *ld,
              ir_program **out)
{
    size_t errors = d->nerrors;
    ir_program *prog = IR_NEW(a, ir_program);
    *out = prog;
    if (!prog)
        return false;
    prog->file = file;
    prog->srclen = len;
    if (len >= UINT32_MAX) {   /* spans are 32-bit offsets */
        ir_error(d, (ir_span){0, 0}, "program too large (%zu bytes)", len);
        return false;
    }
    /* re2c needs a NUL after the input; the copy also lives as long as the tree */
    char *text = ir_strndup(a, src, len);
    fe_gather *g = IR_NEW(a, fe_gather);
    void *parser = fe_lemonAlloc(malloc);
    if (!text || !g || !parser) {
        free(parser);
        a->nomem = true;
        ir_error(d, (ir_span){0, 0}, "out of memory");
        return false;
    }
    *g = (fe_gather){.a = a, .d = d, .ld = ld, .nfiles = 1, .total = len + 1};
    g->files[0] = (ir_srcfile){0, (uint32_t)len, file, NULL};
    g->texts[0] = text;
    gather(g, 0, 0);
    if (g->nfiles > 1 && !g->nomem) {
        /* the included texts follow the program's own, each after a NUL */
        char *all = ir_alloc(a, g->total);
        if (all)
            for (uint32_t f = 0; f < g->nfiles; f++) {
                memcpy(all + g->files[f].off, g->texts[f], g->files[f].len);
                all[g->files[f].off + g->files[f].len] = 0;
            }
        text = all;
        prog->srclen = g->total - 1;
        ir_srcfile *files = IR_NEWN(a, ir_srcfile, g->nfiles);
        if (files)
            memcpy(files, g->files, g->nfiles * sizeof *g->files);
        prog->files = files;
        prog->nfiles = g->nfiles;
        d->src = text;
        d->srclen = prog->srclen;
        d->files = prog->files;
        d->nfiles = prog->nfiles;
    }
    if (!text || g->nomem || (prog->nfiles && !prog->files)) {
        fe_lemonFree(parser, free);
        a->nomem = true;
        ir_error(d, (ir_span){0, 0}, "out of memory");
        return false;
    }
    prog->src = text;
    fe_ctx cx = {.a = a, .d = d, .src = text, .len = prog->srclen, .prog = prog};
    fe_stream st = {.files = g->files, .incs = g->incs, .nincs = g->nincs};
    enter(&st, &cx, &g->files[0], 0);
    bool fed = fe_feed(&cx, parser, &st);
    fe_lemonFree(parser, free);
    if (fed && prog->nfiles > 1)
        rebase_paths(a, prog);
    if (!fed)
        ir_error(d, cx.tok, "out of memory");
    return fed && d->nerrors == errors;
}
