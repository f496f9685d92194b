/*
** repl.c — tirrun's interactive session.
**
** The engine compiles whole programs, so the session is kept here, as text:
** every table and pipeline declaration accepted so far (a later one with the
** same name replaces the earlier one). Each input is compiled together with
** those declarations; if it has errors they are shown under the typed line
** and the input is dropped, otherwise its declarations join the session and
** its outputs (`output p.v`, or a bare `p.v`) are run and printed. Tables
** stay loaded in the engine between runs, so re-running is cheap.
**
** Line editing and history come from libedit. A history entry is a whole
** input, however many lines it has, so recalling it brings all of it back
** and a long paste is one entry of the 1000 kept, not a thousand. Ctrl-C
** is a SIGINT handler
** that cancels the running program (the engine stops at the next batch
** boundary) or, at the prompt, abandons the line: libedit reads through our
** own read function, which gives up when read() is interrupted.
*/
#include <errno.h>
#include <histedit.h>
#include <locale.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "input.h"
#include "repl.h"

#define PROMPT      "tir> "
#define PROMPT_MORE "...> "
#define HISTORY_FILE ".tirrun_history"
#define HISTORY_SIZE 1000    /* entries, each a whole input */
#define DEFAULT_MAXROWS 40

/* Process state the signal handlers need; tirrun runs one session. */
static volatile sig_atomic_t got_sigint, got_sigwinch;
static tir_program *volatile running_program;

static void on_sigwinch(int sig)
{
    (void)sig;
    got_sigwinch = 1;
}

static void on_sigint(int sig)
{
    tir_program *p = running_program;
    (void)sig;
    got_sigint = 1;
    if (p != NULL)   /* this run only: a late Ctrl-C must not cancel the next line */
        tir_program_cancel(p);
}

/* ---- memory and text -------------------------------------------------- */

/* tirrun is a client: running out of memory here ends it. */
static void *xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (p == NULL) {
        fputs("tirrun: out of memory\n", stderr);
        exit(1);
    }
    return p;
}

static char *xstrndup(const char *s, size_t n)
{
    char *d = xrealloc(NULL, n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

typedef struct sbuf {
    char *p;
    size_t len, cap;
} sbuf;

static void sb_add(sbuf *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->p = xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->len, s, n);
    b->len += n;
    b->p[b->len] = '\0';
}

static void sb_str(sbuf *b, const char *s)
{
    sb_add(b, s, strlen(s));
}

static int count_lines(const char *s, size_t n)
{
    int k = 0;
    for (size_t i = 0; i < n; i++)
        k += s[i] == '\n';
    return k;
}

/* ---- splitting inputs ------------------------------------------------ */

/* Top-level items of an input: declarations `name: Kind = ...` and
** `output ...` lines. An item runs to where the next one starts. */
typedef struct item {
    bool is_output;
    bool is_table;
    size_t start, end;
    size_t name_start, name_end;
} item;

static size_t split_items(const char *s, size_t n, item **out)
{
    repl_scanner sc = repl_scan(s, n);
    item *items = NULL;
    size_t nitems = 0;
    long depth = 0;
    repl_tok t;

    while ((t = repl_next_tok(&sc)).kind != REPL_TK_END) {
        if (t.kind == REPL_TK_PUNCT && strchr("([{", s[t.start]))
            depth++;
        else if (t.kind == REPL_TK_PUNCT && strchr(")]}", s[t.start]))
            depth--;
        if (depth != 0 || t.kind != REPL_TK_IDENT)
            continue;
        repl_scanner ahead = sc;
        repl_tok colon = repl_next_tok(&ahead), kind = repl_next_tok(&ahead);
        item it = { .start = t.start, .name_start = t.start, .name_end = t.end };
        if (repl_tok_is(s, t, "output"))
            it.is_output = true;
        else if (repl_punct_is(s, colon, ':'))
            it.is_table = kind.kind == REPL_TK_IDENT && repl_tok_is(s, kind, "Table");
        else
            continue;
        items = xrealloc(items, (nitems + 1) * sizeof *items);
        if (nitems > 0)
            items[nitems - 1].end = t.start;
        items[nitems++] = it;
    }
    if (nitems > 0)
        items[nitems - 1].end = n;
    *out = items;
    return nitems;
}

/* `p.v` alone on the line means `output p.v`. */
static bool is_bare_path(const char *s, size_t n)
{
    repl_scanner sc = repl_scan(s, n);
    repl_tok t;
    int parts = 0;
    for (;;) {
        t = repl_next_tok(&sc);
        if (t.kind != REPL_TK_IDENT || repl_tok_is(s, t, "output"))
            return false;
        parts++;
        t = repl_next_tok(&sc);
        if (t.kind == REPL_TK_END)
            return parts >= 2;
        if (!repl_punct_is(s, t, '.'))
            return false;
    }
}

/* ---- the session ------------------------------------------------------ */

typedef struct decl {
    char *name;
    bool is_table;
    char *text;
    int line;                /* first line in the program being compiled */
    bool needed;             /* for a run: read by the outputs, maybe indirectly */
} decl;

typedef struct session {
    tir_engine *e;
    decl *decls;
    size_t ndecls;
    fmt_kind format;
    bool timer;
    bool profile;
    uint64_t maxrows;
    FILE *out;               /* stdout, or the file of .output */
    bool interactive;
    int failures;            /* inputs that failed (the exit status of scripts) */
    const char *prompt;
    EditLine *el;
    History *hist;
    char *hist_path;
} session;

static bool colour_allowed(FILE *f)
{
    const char *nc = getenv("NO_COLOR"), *term = getenv("TERM");
    return isatty(fileno(f)) && !(nc && *nc) && !(term && strcmp(term, "dumb") == 0);
}

static unsigned terminal_width(FILE *f)
{
    struct winsize ws;
    if (isatty(fileno(f)) && ioctl(fileno(f), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
        return ws.ws_col;
    return 0;
}

static decl *find_decl(session *s, const char *name, size_t len)
{
    for (size_t i = 0; i < s->ndecls; i++)
        if (strlen(s->decls[i].name) == len && memcmp(s->decls[i].name, name, len) == 0)
            return &s->decls[i];
    return NULL;
}

static bool replaced_by(const decl *d, const char *src, const item *items, size_t nitems)
{
    for (size_t i = 0; i < nitems; i++)
        if (!items[i].is_output && items[i].name_end - items[i].name_start == strlen(d->name) &&
            memcmp(src + items[i].name_start, d->name, strlen(d->name)) == 0)
            return true;
    return false;
}

/* Marks the declarations whose names text mentions, and theirs in turn.
** A name that only looks like a reference (a column called like a table)
** pulls in one declaration too many, which costs a little time, no more. */
static void mark_needed(session *s, const char *text, size_t n)
{
    repl_scanner sc = repl_scan(text, n);
    repl_tok t;
    while ((t = repl_next_tok(&sc)).kind != REPL_TK_END) {
        decl *d;
        if (t.kind != REPL_TK_IDENT ||
            (d = find_decl(s, text + t.start, t.end - t.start)) == NULL ||
            d->needed)
            continue;
        d->needed = true;
        mark_needed(s, d->text, strlen(d->text));
    }
}

/* The session's declarations (minus those the input replaces; only the
** needed ones when only_needed), then the input. Returns the line of the
** combined text where the input starts. */
static int build_program(session *s, sbuf *prog, const char *in, size_t n,
                         const item *items, size_t nitems, bool only_needed)
{
    int line = 1;
    for (size_t i = 0; i < s->ndecls; i++) {
        decl *d = &s->decls[i];
        if (replaced_by(d, in, items, nitems) || (only_needed && !d->needed)) {
            d->line = 0;
            continue;
        }
        d->line = line;
        sb_str(prog, d->text);
        sb_add(prog, "\n", 1);
        line += count_lines(d->text, strlen(d->text)) + 1;
    }
    sb_add(prog, in, n);
    sb_add(prog, "\n", 1);
    return line;
}

/* Line k (1-based) of text, without its newline. */
static const char *nth_line(const char *text, int k, size_t *len)
{
    const char *p = text;
    while (--k > 0 && (p = strchr(p, '\n')) != NULL)
        p++;
    if (p == NULL) {
        *len = 0;
        return "";
    }
    *len = strcspn(p, "\n");
    return p;
}

/* The offending line and a caret under column col (1-based, in bytes:
** tabs are kept so the caret lines up, UTF-8 continuation bytes take no
** column). */
static void show_caret(const char *line, size_t len, int col)
{
    fprintf(stderr, "  %.*s\n  ", (int)len, line);
    for (size_t i = 0; col > 1 && i < (size_t)(col - 1) && i < len; i++)
        if (((unsigned char)line[i] & 0xC0) != 0x80)
            fputc(line[i] == '\t' ? '\t' : ' ', stderr);
    fputs("^\n", stderr);
}

/* in is the input as typed; shift is how many bytes were put in front of
** its first line before compiling (`output ` before a bare path). */
static void show_diag(session *s, const tir_diag *d, const char *in, int shift, int in_line,
                      int in_lines, const char *origin)
{
    int col = d->col;
    bool colour = colour_allowed(stderr);
    const char *sev = d->severity == TIR_SEV_ERROR ? "error" : "warning";
    const char *on = colour ? (d->severity == TIR_SEV_ERROR ? "\033[1;31m" : "\033[1;35m") : "";
    const char *off = colour ? "\033[0m" : "";
    const decl *owner = NULL;
    const char *text = in;
    int k = d->line - in_line + 1;
    size_t len;
    const char *line;

    if (d->line < in_line) {            /* in a declaration accepted earlier */
        for (size_t i = 0; i < s->ndecls; i++)
            if (s->decls[i].line > 0 && s->decls[i].line <= d->line &&
                (owner == NULL || s->decls[i].line > owner->line))
                owner = &s->decls[i];
        if (owner == NULL) {
            fprintf(stderr, "%s%s:%s %s\n", on, sev, off, d->message);
            return;
        }
        text = owner->text;
        k = d->line - owner->line + 1;
    } else if (k > in_lines) {
        /* past the input ("unexpected end of input": the compiler's end is
        ** the newline put after it): just after its last line with text */
        for (k = in_lines; k > 1; k--) {
            line = nth_line(text, k, &len);
            if (strspn(line, " \t\r") < len)
                break;
        }
        nth_line(text, k, &len);
        col = (int)len + 1;
    } else if (k == 1 && col > shift)
        col -= shift;
    if (owner != NULL)
        fprintf(stderr, "%s%s:%s in %s (declared earlier), line %d: %s\n", on, sev, off,
                owner->name, k, d->message);
    else if (origin != NULL)
        fprintf(stderr, "%s:%d:%d: %s%s:%s %s\n", origin, k, col, on, sev, off, d->message);
    else if (in_lines > 1)
        fprintf(stderr, "%s%s:%s line %d: %s\n", on, sev, off, k, d->message);
    else
        fprintf(stderr, "%s%s:%s %s\n", on, sev, off, d->message);
    line = nth_line(text, k, &len);
    show_caret(line, len, col);
}

/* ---- running ---------------------------------------------------------- */

/* The progress bar: a thread polls tir_engine_progress() and draws on
** stderr once a run has taken a second. */
typedef struct progress {
    tir_engine *e;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    bool done;
} progress;

static void draw_progress(uint64_t done, uint64_t total)
{
    unsigned cols = terminal_width(stderr);
    int barw = cols > 70 ? 40 : cols > 40 ? (int)cols - 30 : 10;
    int fill = (int)((double)done / (double)total * barw);
    fprintf(stderr, "\r[");
    for (int i = 0; i < barw; i++)
        fputc(i < fill ? '#' : '.', stderr);
    fprintf(stderr, "] %3d%% %.1fM/%.1fM rows\033[K", (int)(100.0 * (double)done / (double)total),
            (double)done / 1e6, (double)total / 1e6);
    fflush(stderr);
}

static void *progress_main(void *arg)
{
    progress *pg = arg;
    struct timespec at;
    bool drawn = false;

    clock_gettime(CLOCK_REALTIME, &at);
    at.tv_sec += 1;
    pthread_mutex_lock(&pg->mu);
    while (!pg->done) {
        if (pthread_cond_timedwait(&pg->cv, &pg->mu, &at) != ETIMEDOUT)
            continue;
        uint64_t done, total;
        tir_engine_progress(pg->e, &done, &total);
        if (total > 0) {
            draw_progress(done, total);
            drawn = true;
        }
        at.tv_nsec += 100 * 1000 * 1000;
        if (at.tv_nsec >= 1000 * 1000 * 1000) {
            at.tv_nsec -= 1000 * 1000 * 1000;
            at.tv_sec++;
        }
    }
    pthread_mutex_unlock(&pg->mu);
    if (drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
    return NULL;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static bool run_program(session *s, tir_program *p)
{
    progress pg = { .e = s->e, .done = false };
    pthread_t thread;
    bool on_tty = isatty(STDERR_FILENO), with_bar = false;
    tir_result *res = NULL;
    tir_status st;
    double elapsed;
    bool ok = true;

    if (on_tty) {
        sigset_t block, old;
        pthread_mutex_init(&pg.mu, NULL);
        pthread_cond_init(&pg.cv, NULL);
        /* Ctrl-C belongs to the main thread. */
        sigemptyset(&block);
        sigaddset(&block, SIGINT);
        pthread_sigmask(SIG_BLOCK, &block, &old);
        with_bar = pthread_create(&thread, NULL, progress_main, &pg) == 0;
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
    got_sigint = 0;
    running_program = p;
    elapsed = now_seconds();
    st = tir_run(p, &res);
    running_program = NULL;
    elapsed = now_seconds() - elapsed;
    if (with_bar) {
        pthread_mutex_lock(&pg.mu);
        pg.done = true;
        pthread_cond_signal(&pg.cv);
        pthread_mutex_unlock(&pg.mu);
        pthread_join(thread, NULL);
    }
    if (on_tty) {
        pthread_mutex_destroy(&pg.mu);
        pthread_cond_destroy(&pg.cv);
    }

    if (st == TIR_ERR_CANCELLED) {
        fprintf(stderr, "cancelled\n");
        ok = false;
    } else if (st != TIR_OK) {
        fprintf(stderr, "error: %s\n", tir_program_errmsg(p));
        ok = false;
    } else {
        fmt_opts fo = {
            .kind = s->format,
            .maxrows = s->maxrows,
            .colour = colour_allowed(s->out),
            .width = terminal_width(s->out),
        };
        if (!fmt_result_opts(s->out, res, &fo)) {
            /* Ctrl-C while printing lands here too (EINTR) */
            fprintf(stderr, "error: writing output: %s\n", strerror(errno));
            clearerr(s->out);
            ok = false;
        }
    }
    if (s->profile && res)
        fputs(tir_result_profile(res), stderr);
    if (s->timer)
        fprintf(stderr, "Run Time: %.3f s%s", elapsed, res ? "" : "\n");
    if (s->timer && res)
        fprintf(stderr, ", peak memory %.1f MiB\n",
                (double)tir_result_peak_bytes(res) / (1024.0 * 1024.0));
    tir_result_free(res);
    return ok;
}

/* Compiles the session plus one input; on success the input's
** declarations join the session and its outputs run. origin names a file
** for messages (NULL for typed input). Returns false on any failure. */
static bool process_input(session *s, const char *text, size_t n, const char *origin)
{
    sbuf prog = { 0 }, rewritten = { 0 };
    item *items = NULL;
    size_t nitems;
    bool has_output = false, only_outputs = true, ok = true;
    tir_program *p = NULL;
    tir_status st;
    const char *typed = text;
    int in_line, shift = 0;

    if (is_bare_path(text, n)) {
        shift = 7;
        sb_str(&rewritten, "output ");
        sb_add(&rewritten, text, n);
        text = rewritten.p;
        n = rewritten.len;
    }
    nitems = split_items(text, n, &items);
    for (size_t i = 0; i < nitems; i++) {
        has_output |= items[i].is_output;
        only_outputs &= items[i].is_output;
    }
    /* tir_run runs every pipeline of a program: a run of outputs alone
    ** gets only the declarations they read. */
    for (size_t i = 0; i < s->ndecls; i++)
        s->decls[i].needed = false;
    if (has_output && only_outputs)
        mark_needed(s, text, n);
    in_line = build_program(s, &prog, text, n, items, nitems, has_output && only_outputs);

    fflush(s->out);
    st = tir_compile(s->e, "<repl>", prog.p, prog.len, &p);
    if (st == TIR_ERR_COMPILE && has_output && only_outputs) {
        /* messages list what exists ("pipelines: ..."): recompile with all */
        tir_program_free(p);
        p = NULL;
        prog.len = 0;
        in_line = build_program(s, &prog, text, n, items, nitems, false);
        st = tir_compile(s->e, "<repl>", prog.p, prog.len, &p);
    }
    for (size_t i = 0; p != NULL && i < tir_program_ndiags(p); i++) {
        const tir_diag *d = tir_program_diag(p, i);
        /* a session between outputs has none: that is not news */
        if (!has_output && d->severity == TIR_SEV_WARNING &&
            strncmp(d->message, "the program has no output", 25) == 0)
            continue;
        /* warnings about earlier declarations were shown when they came */
        if (d->severity == TIR_SEV_WARNING && d->line < in_line)
            continue;
        show_diag(s, d, typed, shift, in_line, count_lines(text, n) + 1, origin);
    }
    if (st != TIR_OK) {
        if (st != TIR_ERR_COMPILE)
            fprintf(stderr, "error: %s\n", tir_engine_errmsg(s->e));
        ok = false;
        goto done;
    }

    for (size_t i = 0; i < nitems; i++) {
        const item *it = &items[i];
        size_t end = it->end;
        decl *d;
        if (it->is_output)
            continue;
        while (end > it->start && strchr(" \t\r\n", text[end - 1]))
            end--;
        d = find_decl(s, text + it->name_start, it->name_end - it->name_start);
        if (d == NULL) {
            s->decls = xrealloc(s->decls, (s->ndecls + 1) * sizeof *s->decls);
            d = &s->decls[s->ndecls++];
            d->name = xstrndup(text + it->name_start, it->name_end - it->name_start);
        } else
            free(d->text);
        d->is_table = it->is_table;
        d->text = xstrndup(text + it->start, end - it->start);
    }
    if (has_output)
        ok = run_program(s, p);
done:
    tir_program_free(p);
    free(items);
    free(prog.p);
    free(rewritten.p);
    if (!ok)
        s->failures++;
    return ok;
}

/* ---- dot commands ----------------------------------------------------- */

static const char help_text[] =
    "Enter table and pipeline declarations; they stay defined for the session\n"
    "(declaring a name again replaces it). `output p.v` or just `p.v` runs the\n"
    "pipelines and prints the value. Input continues until brackets balance.\n"
    "\n"
    ".help                  this text\n"
    ".tables                the tables declared\n"
    ".schema [TABLE]        the declarations of the tables (or of one)\n"
    ".pipelines             the pipelines declared and their statements\n"
    ".explain PIPELINE      typed program and bytecode of a pipeline\n"
    ".timer on|off          print the run time after each run\n"
    ".profile on|off        print rows per statement and time per pipeline after each run\n"
    ".format table|csv|json|markdown   output format\n"
    ".maxrows N             tables show the first and last rows, N in all (0: all)\n"
    ".read FILE             run a .tir file (or a .json one) as if typed\n"
    ".output [FILE]         write results to FILE (no FILE: back to the terminal)\n"
    ".quit                  leave (so does Ctrl-D)\n"
    "\n"
    "Ctrl-C cancels a running program, or the line being typed.\n";

/* The statements of a pipeline declaration: `name =` at the top level of
** its body, not preceded by `:`/`.` and not part of `==`. */
static void list_statements(FILE *f, const char *text)
{
    repl_scanner sc = repl_scan(text, strlen(text));
    repl_tok prev = { REPL_TK_END, 0, 0 }, t;
    long depth = 0;
    bool first = true;

    while ((t = repl_next_tok(&sc)).kind != REPL_TK_END) {
        if (t.kind == REPL_TK_PUNCT && strchr("([{", text[t.start]))
            depth++;
        else if (t.kind == REPL_TK_PUNCT && strchr(")]}", text[t.start]))
            depth--;
        if (depth == 1 && t.kind == REPL_TK_IDENT && !repl_punct_is(text, prev, ':') &&
            !repl_punct_is(text, prev, '.')) {
            repl_scanner ahead = sc;
            repl_tok eq = repl_next_tok(&ahead), eq2 = repl_next_tok(&ahead);
            if (repl_punct_is(text, eq, '=') &&
                !(repl_punct_is(text, eq2, '=') && eq2.start == eq.end)) {
                fprintf(f, "%s%.*s", first ? " " : ", ", (int)(t.end - t.start), text + t.start);
                first = false;
            }
        }
        prev = t;
    }
}

/* The paragraphs of the explain listing about one pipeline. */
static bool print_explain_of(FILE *f, const char *listing, const char *name)
{
    size_t nlen = strlen(name);
    bool any = false;
    const char *p = listing;

    while (*p) {
        const char *end = strstr(p, "\n\n");
        size_t len = end ? (size_t)(end - p) : strlen(p);
        bool mine = (strncmp(p, name, nlen) == 0 && strncmp(p + nlen, ": Pipeline", 10) == 0) ||
                    (strncmp(p, "bytecode of ", 12) == 0 && strncmp(p + 12, name, nlen) == 0 &&
                     p[12 + nlen] == ':');
        if (mine) {
            fprintf(f, "%s%.*s\n", any ? "\n" : "", (int)len, p);
            any = true;
        }
        p += len;
        while (*p == '\n')
            p++;
    }
    return any;
}

static bool cmd_explain(session *s, const char *name)
{
    sbuf prog = { 0 };
    tir_program *p = NULL;
    decl *d = find_decl(s, name, strlen(name));
    bool ok = false;

    if (d == NULL || d->is_table) {
        fprintf(stderr, "error: no pipeline '%s' (see .pipelines)\n", name);
        return false;
    }
    build_program(s, &prog, "", 0, NULL, 0, false);
    if (tir_compile(s->e, "<repl>", prog.p, prog.len, &p) == TIR_OK) {
        fflush(s->out);
        ok = print_explain_of(s->out, tir_program_explain(p), name);
    } else
        fprintf(stderr, "error: the session does not compile: %s\n", tir_engine_errmsg(s->e));
    tir_program_free(p);
    free(prog.p);
    return ok;
}

/* Reads a whole file; NULL with errno set on failure. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    sbuf b = { 0 };
    char chunk[65536];
    size_t got;

    if (f == NULL)
        return NULL;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        sb_add(&b, chunk, got);
    if (ferror(f)) {
        int err = errno;
        fclose(f);
        free(b.p);
        errno = err ? err : EIO;
        return NULL;
    }
    fclose(f);
    if (b.p == NULL)
        sb_add(&b, "", 0);
    *len = b.len;
    return b.p;
}

/* Data paths in a file are relative to the file; the session compiles as
** if typed in the current directory, so relative read_csv paths get the
** file's directory put in front. */
static char *rebase_paths(const char *text, size_t n, const char *file, size_t *outlen)
{
    const char *slash = strrchr(file, '/');
    repl_scanner sc = repl_scan(text, n);
    sbuf b = { 0 };
    size_t copied = 0;
    repl_tok t;

    while (slash != NULL && (t = repl_next_tok(&sc)).kind != REPL_TK_END) {
        if (t.kind != REPL_TK_IDENT || !repl_tok_is(text, t, "read_csv"))
            continue;
        repl_tok paren = repl_next_tok(&sc), str = repl_next_tok(&sc);
        if (!repl_punct_is(text, paren, '(') || str.kind != REPL_TK_STRING ||
            text[str.start + 1] == '/')
            continue;
        sb_add(&b, text + copied, str.start + 1 - copied);
        for (const char *c = file; c < slash; c++) {
            if (*c == '"' || *c == '\\')
                sb_add(&b, "\\", 1);
            sb_add(&b, c, 1);
        }
        sb_add(&b, "/", 1);
        copied = str.start + 1;
    }
    sb_add(&b, text + copied, n - copied);
    *outlen = b.len;
    return b.p;
}

/* A JSON program joins the session as its .tir text: *text replaced. */
static bool json_to_text(session *s, const char *path, char **text, size_t *len)
{
    tir_program *p = NULL;
    char *converted = NULL;
    tir_compile_json(s->e, path, *text, *len, &p);
    free(*text);
    *text = NULL;
    if (p == NULL || tir_program_to_text(p, &converted) != TIR_OK) {
        const char *msg = p ? tir_program_errmsg(p) : "out of memory";
        fprintf(stderr, "%s%s", msg, msg[0] && msg[strlen(msg) - 1] == '\n' ? "" : "\n");
        tir_program_free(p);
        return false;
    }
    tir_program_free(p);
    *text = converted;
    *len = strlen(converted);
    return true;
}

static bool cmd_read(session *s, const char *path)
{
    size_t len, rlen;
    char *text = slurp(path, &len), *rebased;
    bool ok;

    if (text == NULL) {
        fprintf(stderr, "error: cannot read '%s': %s\n", path, strerror(errno));
        s->failures++;
        return false;
    }
    if (tirrun_is_json(path) && !json_to_text(s, path, &text, &len)) {
        s->failures++;
        return false;
    }
    rebased = rebase_paths(text, len, path, &rlen);
    ok = process_input(s, rebased, rlen, path);
    free(rebased);
    free(text);
    return ok;
}

static bool parse_on_off(const char *arg, bool *out)
{
    if (strcmp(arg, "on") == 0)
        *out = true;
    else if (strcmp(arg, "off") == 0)
        *out = false;
    else
        return false;
    return true;
}

/* Returns false when the session should end. */
static bool dot_command(session *s, char *line)
{
    char *cmd, *arg, *rest, *save = NULL;
    bool ok = true;

    line[strcspn(line, "\r\n")] = '\0';
    cmd = strtok_r(line, " \t", &save);
    arg = strtok_r(NULL, " \t", &save);
    rest = strtok_r(NULL, " \t", &save);
    fflush(s->out);

    if (strcmp(cmd, ".quit") == 0 || strcmp(cmd, ".exit") == 0)
        return false;
    if (rest != NULL) {
        fprintf(stderr, "error: %s takes at most one argument\n", cmd);
        ok = false;
    } else if (strcmp(cmd, ".help") == 0) {
        fputs(help_text, s->out);
    } else if (strcmp(cmd, ".tables") == 0 || strcmp(cmd, ".pipelines") == 0) {
        bool tables = cmd[1] == 't';
        for (size_t i = 0; i < s->ndecls; i++) {
            if (s->decls[i].is_table != tables)
                continue;
            fputs(s->decls[i].name, s->out);
            if (!tables) {
                fputc(':', s->out);
                list_statements(s->out, s->decls[i].text);
            }
            fputc('\n', s->out);
        }
    } else if (strcmp(cmd, ".schema") == 0) {
        bool any = false;
        for (size_t i = 0; i < s->ndecls; i++)
            if (s->decls[i].is_table && (arg == NULL || strcmp(arg, s->decls[i].name) == 0)) {
                fprintf(s->out, "%s\n", s->decls[i].text);
                any = true;
            }
        if (!any && arg != NULL) {
            fprintf(stderr, "error: no table '%s' (see .tables)\n", arg);
            ok = false;
        }
    } else if (strcmp(cmd, ".explain") == 0) {
        if (arg == NULL) {
            fputs("usage: .explain PIPELINE\n", stderr);
            ok = false;
        } else
            ok = cmd_explain(s, arg);
    } else if (strcmp(cmd, ".timer") == 0) {
        if (arg == NULL || !parse_on_off(arg, &s->timer)) {
            fputs("usage: .timer on|off\n", stderr);
            ok = false;
        }
    } else if (strcmp(cmd, ".format") == 0) {
        if (arg == NULL || !fmt_parse_kind(arg, &s->format)) {
            fputs("usage: .format table|csv|json|markdown\n", stderr);
            ok = false;
        }
    } else if (strcmp(cmd, ".maxrows") == 0) {
        char *end;
        unsigned long long n = arg ? strtoull(arg, &end, 10) : 0;
        if (arg == NULL || *arg < '0' || *arg > '9' || *end != '\0') {
            fputs("usage: .maxrows N (0: show all rows)\n", stderr);
            ok = false;
        } else
            s->maxrows = n;
    } else if (strcmp(cmd, ".read") == 0) {
        if (arg == NULL) {
            fputs("usage: .read FILE\n", stderr);
            ok = false;
        } else {
            cmd_read(s, arg);        /* counts its own failures */
            return true;
        }
    } else if (strcmp(cmd, ".output") == 0) {
        FILE *f = stdout;
        if (arg != NULL && (f = fopen(arg, "w")) == NULL) {
            fprintf(stderr, "error: cannot open '%s': %s\n", arg, strerror(errno));
            ok = false;
        } else {
            if (s->out != stdout)
                fclose(s->out);
            s->out = f;
        }
    } else if (strcmp(cmd, ".profile") == 0) {
        if (arg == NULL || !parse_on_off(arg, &s->profile)) {
            fputs("usage: .profile on|off\n", stderr);
            ok = false;
        } else {
            tir_engine_set_profile(s->e, s->profile);
        }
    } else {
        fprintf(stderr, "error: unknown command '%s' (.help lists them)\n", cmd);
        ok = false;
    }
    if (!ok)
        s->failures++;
    return true;
}

/* ---- reading lines ---------------------------------------------------- */

/* libedit's character reader: a UTF-8 decoder over read(2) that gives up
** (returns -1) when Ctrl-C interrupts it, so el_gets() returns. */
static int read_char(EditLine *el, wchar_t *wc)
{
    unsigned char b[4];
    int need = 1, i = 0;

    for (;;) {
        ssize_t got;
        if (got_sigint)
            return -1;
        got = read(STDIN_FILENO, &b[i], 1);
        if (got == 0)
            return 0;
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        if (got_sigwinch) {              /* the terminal changed size */
            got_sigwinch = 0;
            el_resize(el);
        }
        if (i == 0) {
            need = b[0] < 0x80 ? 1 : b[0] >= 0xF0 ? 4 : b[0] >= 0xE0 ? 3 : b[0] >= 0xC0 ? 2 : 1;
        }
        if (++i == need)
            break;
    }
    if (need == 1)
        *wc = b[0];
    else {
        wchar_t v = b[0] & (0x7F >> need);
        for (int k = 1; k < need; k++)
            v = (v << 6) | (b[k] & 0x3F);
        *wc = v;
    }
    return 1;
}

static char *prompt_of(EditLine *el)
{
    session *s;
    el_get(el, EL_CLIENTDATA, &s);
    return (char *)s->prompt;
}

/* Adds an input, newlines and all, as one entry. libedit's history file
** keeps an entry on one line (newlines written as \012, see vis(3)), so
** the next session reads it back whole. */
static void history_add(session *s, const char *text, size_t n)
{
    HistEvent ev;
    char *entry;

    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == '\r'))
        n--;
    if (s->hist == NULL || n == 0)
        return;
    entry = xstrndup(text, n);
    history(s->hist, &ev, H_ENTER, entry);
    free(entry);
    if (s->hist_path != NULL)
        history(s->hist, &ev, H_SAVE, s->hist_path);
}

static void editor_open(session *s)
{
    const char *home = getenv("HOME");
    struct sigaction sa;
    HistEvent ev;

    /* SA_RESTART: a resize must not fail a write; libedit learns of it
    ** at the next key. */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigwinch;
    sa.sa_flags = SA_RESTART;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGWINCH, &sa, NULL);

    s->el = el_init("tirrun", stdin, stdout, stderr);
    s->hist = history_init();
    if (s->el == NULL || s->hist == NULL)
        return;
    history(s->hist, &ev, H_SETSIZE, HISTORY_SIZE);
    history(s->hist, &ev, H_SETUNIQUE, 1);
    if (home != NULL && *home != '\0') {
        s->hist_path = xrealloc(NULL, strlen(home) + sizeof "/" HISTORY_FILE);
        sprintf(s->hist_path, "%s/%s", home, HISTORY_FILE);
        history(s->hist, &ev, H_LOAD, s->hist_path);
    }
    el_set(s->el, EL_CLIENTDATA, s);
    el_set(s->el, EL_EDITOR, "emacs");
    el_set(s->el, EL_PROMPT, prompt_of);
    el_set(s->el, EL_GETCFN, read_char);
    el_set(s->el, EL_HIST, history, s->hist);
    el_source(s->el, NULL);
}

static void editor_close(session *s)
{
    HistEvent ev;
    signal(SIGWINCH, SIG_DFL);
    if (s->hist != NULL && s->hist_path != NULL)
        history(s->hist, &ev, H_SAVE, s->hist_path);
    if (s->el != NULL)
        el_end(s->el);
    if (s->hist != NULL)
        history_end(s->hist);
    free(s->hist_path);
}

/* Next line into *line (with its newline); false at end of input.
** *interrupted: Ctrl-C was pressed while typing. */
static bool next_line(session *s, sbuf *line, bool *interrupted)
{
    *interrupted = false;
    line->len = 0;
    if (s->el != NULL) {
        int count = 0;
        const char *l;
        got_sigint = 0;
        l = el_gets(s->el, &count);
        if (l == NULL || count <= 0) {
            /* a line that was complete stays complete, even if Ctrl-C
            ** came just after it */
            *interrupted = got_sigint != 0;
            return *interrupted;
        }
        sb_add(line, l, (size_t)count);
        return true;
    }
    for (int c; (c = getchar()) != EOF; ) {
        char ch = (char)c;
        sb_add(line, &ch, 1);
        if (ch == '\n')
            return true;
    }
    return line->len > 0;
}

/* Processes the input gathered in *in (which ends in a newline) and
** empties it. */
static void submit(session *s, sbuf *in)
{
    in->p[--in->len] = '\0';             /* the newline the input ends with */
    history_add(s, in->p, in->len);
    s->prompt = PROMPT;
    process_input(s, in->p, in->len, NULL);
    in->len = 0;
}

int repl_main(tir_engine *e, const repl_options *o)
{
    session s = {
        .e = e, .format = o->format, .timer = o->timer, .maxrows = DEFAULT_MAXROWS,
        .out = stdout, .prompt = PROMPT,
    };
    struct sigaction sa, old;
    sbuf pending = { 0 }, line = { 0 };
    bool interrupted;

    setlocale(LC_CTYPE, "");
    s.interactive = isatty(STDIN_FILENO);
    if (!s.interactive)
        s.maxrows = 0;       /* scripts get every row */
    /* No SA_RESTART: Ctrl-C must interrupt the read at the prompt. */
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_sigint;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old);

    if (s.interactive) {
        editor_open(&s);
        printf("tirrun interactive session: .help for commands, Ctrl-D to leave\n");
    }
    if (o->file != NULL)
        cmd_read(&s, o->file);

    for (;;) {
        if (!next_line(&s, &line, &interrupted)) {
            if (pending.len == 0)
                break;
            /* Ctrl-D at `...>` (or a script ending inside an input):
            ** submit the input as it is, which says what it lacks. A
            ** terminal then gets the prompt back; the next Ctrl-D leaves. */
            if (s.interactive)
                fputc('\n', stdout);
            submit(&s, &pending);
            continue;
        }
        if (interrupted) {
            history_add(&s, pending.p, pending.len);   /* Up brings it back */
            pending.len = 0;
            s.prompt = PROMPT;
            fputs("^C\n", stdout);
            continue;
        }
        if (pending.len == 0) {
            size_t lead = strspn(line.p, " \t");
            if (line.p[lead] == '.') {
                history_add(&s, line.p, line.len);
                if (!dot_command(&s, line.p + lead))
                    break;
                continue;
            }
            if (line.p[lead + strspn(line.p + lead, " \t\r\n")] == '\0')
                continue;
        }
        sb_add(&pending, line.p, line.len);
        if (pending.p[pending.len - 1] != '\n')
            sb_add(&pending, "\n", 1);
        if (!repl_input_complete(pending.p, pending.len)) {
            s.prompt = PROMPT_MORE;
            continue;
        }
        submit(&s, &pending);
    }
    if (s.interactive)
        fputc('\n', stdout);

    editor_close(&s);
    if (s.out != stdout)
        fclose(s.out);
    for (size_t i = 0; i < s.ndecls; i++) {
        free(s.decls[i].name);
        free(s.decls[i].text);
    }
    free(s.decls);
    free(pending.p);
    free(line.p);
    sigaction(SIGINT, &old, NULL);
    return !s.interactive && s.failures > 0 ? 1 : 0;
}
