/*
** diag.h — compile diagnostics as values. Spans are byte offsets into the
** source; line:col is computed only when diagnostics are rendered, in one
** pass over the source. The number kept is capped (like clang's
** -ferror-limit) so that no input costs more than linear work to report.
*/
#ifndef IR_DIAG_H
#define IR_DIAG_H

#include <stdint.h>
#include <stddef.h>
#include <stdbool.h>
#include "tir.h"
#include "arena.h"
#include "buf.h"

#define IR_DEFAULT_MAX_ERRORS 20

typedef struct ir_span {
    uint32_t off, len;
} ir_span;

/* A program read from JSON has no source text to point into: the spans of
** its nodes are node numbers (off; len 1) in a table that names each node
** by its parent and its key or index, from which a message spells the
** node's JSON path ($.pipelines[1].statements[0]) only when it needs it:
** paths written out per node would cost the square of a deep plan. */
typedef struct ir_jnode {
    uint32_t parent;          /* node number; node 0 is the root, "$" */
    int32_t index;            /* an array element: its index; -1: ... */
    const char *key;          /* ... an object member: its key */
} ir_jnode;
typedef struct ir_jpaths {
    ir_jnode *v;
    uint32_t n;
} ir_jpaths;

/* A JSON program printed as text (ir_program_str): where each of its nodes
** landed, so that a span of the text names the node it was printed from.
** An included JSON plan is spliced in as that text (frontend/parse.c), and
** messages about it name JSON paths as a JSON program's do. Entries are in
** the order printed: by off, a node's entry before those of the nodes
** printed inside it, whose ranges lie within its own. */
typedef struct ir_jprinted {
    uint32_t off, end;        /* the node's text: [off, end) of the printed text */
    uint32_t up;              /* the entry of the node it was printed inside; UINT32_MAX: none */
    uint32_t node;            /* its number in paths */
} ir_jprinted;
typedef struct ir_jtext {
    const ir_jpaths *paths;
    ir_jprinted *v;
    uint32_t n;
    const char *json;         /* the JSON text it was read from (ir_jlocate), or NULL */
    size_t jsonlen;
} ir_jtext;

/* A program that includes other files: their texts follow its own in one
** source, each followed by a NUL, and spans index that whole source.
** files[0] is the program's own text. */
typedef struct ir_srcfile {
    uint32_t off, len;
    const char *name;         /* as opened: relative to the program's directory, or absolute */
    const ir_jtext *json;     /* an included JSON plan, its text printed from it; NULL: a text file */
} ir_srcfile;

/* Everything that turns a span into a place a person can find. */
typedef struct ir_srcmap {
    const char *file;         /* the program's own name */
    const char *src;
    size_t len;
    const ir_jpaths *paths;   /* a JSON program (diag.h above), or NULL */
    const ir_srcfile *files;  /* NULL or nfiles <= 1: one file, file */
    uint32_t nfiles;
} ir_srcmap;

typedef struct ir_diagnostic {
    tir_severity severity;
    ir_span span;
    const char *message;
    int line, col;            /* set by ir_diags_render (0 for a JSON node whose text is not at hand) */
    const char *path;         /* set by ir_diags_render for a JSON node (or by ir_error_at_path), else NULL */
    const char *file;         /* set by ir_diags_render: the file of the span (an included one, or d->file) */
    bool last;                /* the "too many errors" note: rendered after the others */
} ir_diagnostic;

typedef struct ir_diags {
    ir_arena *arena;          /* messages are allocated here */
    const char *file;
    const char *src;
    size_t srclen;
    const ir_jpaths *paths;   /* non-NULL: spans are JSON nodes, src is not read */
    const ir_srcfile *files;  /* set by the parser when the program includes files */
    uint32_t nfiles;
    ir_diagnostic *items;     /* malloc'd, grown by ir_diag_add */
    size_t n, cap;
    size_t nerrors;           /* every error reported, kept or not */
    size_t max_errors;        /* errors kept; later ones are counted only */
    size_t nwarnings, dropped_errors, dropped_warnings;
} ir_diags;

void ir_diags_init(ir_diags *d, ir_arena *a, const char *file, const char *src, size_t srclen);
void ir_diags_free(ir_diags *d);
void ir_error(ir_diags *d, ir_span at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void ir_warning(ir_diags *d, ir_span at, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* An error at a span of text that is a JSON node's (ir_jlocate), whose
** path (copied) the rendering names after the message, as it does for
** nodes of a program read from JSON. */
void ir_error_at_path(ir_diags *d, ir_span at, const char *path, const char *msg);
/* true once the error limit is reached: later errors are only counted, so
** a caller can skip work done only to word a message. */
bool ir_diags_full(const ir_diags *d);
/* 1-based line and column (in bytes, a leading byte-order mark not
** counted) of byte offset off. Linear in off: for one-off use. */
void ir_linecol(const char *src, size_t srclen, uint32_t off, int *line, int *col);
static inline ir_srcmap ir_diags_srcmap(const ir_diags *d)
{
    return (ir_srcmap){d->file, d->src, d->srclen, d->paths, d->files, d->nfiles};
}
/* The name of the file span at is in: an included file's, or m->file. */
const char *ir_file_of(const ir_srcmap *m, ir_span at);
/* Whether span at names a JSON node (of a JSON program, or of an included
** JSON plan's text): it has no text of its own to quote. */
bool ir_is_json(const ir_srcmap *m, ir_span at);
/* Where span at is, for "first defined at ..." in a message, into buf:
** "line:col" in the program's own text, "name:line:col" in an included
** file, the JSON path of the node in a JSON program, "name:$.path" in an
** included JSON plan. */
void ir_where(char *buf, size_t n, const ir_srcmap *m, ir_span at);
/* The same with the file always named, to begin a message:
** "file:line:col" or "file:$.path". */
void ir_locate(char *buf, size_t n, const ir_srcmap *m, ir_span at);
/* What span at is, for quoting in a message: its source text, or the JSON
** path of the node when it names one (ir_is_json; truncated to fit buf). */
void ir_span_text(char *buf, size_t n, const ir_srcmap *m, ir_span at);
/* Appends the JSON path of node to b. */
void ir_jpath_put(ir_buf *b, const ir_jpaths *paths, uint32_t node);
/* Where node's value lies in json, the text it was read from (jlocate.c):
** *at its bytes, or those of its deepest ancestor the text has. false
** when json is NULL or nothing of the path is found. */
bool ir_jlocate(const char *json, size_t len, const ir_jpaths *paths, uint32_t node, ir_span *at);
/* Sorts by position, sets every diagnostic's line and col, and renders
** them: "file:line:col: error: msg\n", then the source line (a window of
** it when long) and a caret line ("^~~~" under the span); for a node of
** a JSON program or of an included JSON plan "file:$.path: error: msg\n"
** alone, its path and file set. Arena string. */
char *ir_diags_render(ir_diags *d);

static inline ir_span ir_span_join(ir_span a, ir_span b)
{
    uint32_t lo = a.off < b.off ? a.off : b.off;
    uint32_t hi = a.off + a.len > b.off + b.len ? a.off + a.len : b.off + b.len;
    return (ir_span){lo, hi - lo};
}

#endif
