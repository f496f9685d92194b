/*
** ast.h — the .tir program as a tree. The parser (frontend/) builds the
** syntax part of every node; the type checker (typecheck/) fills in the
** fields marked "tc:" and rewrites name nodes into resolved references.
** Lowering (vm/lower.c) reads only checked programs.
**
** Operator arguments stay generic in the tree (`:name = value` pairs whose
** values are expressions, lists or maps) so that new operators and a JSON
** form of the IR need no grammar change; the checker interprets them.
*/
#ifndef IR_AST_H
#define IR_AST_H

#include <stdbool.h>
#include <stdint.h>
#include "tir.h"
#include "arena.h"
#include "diag.h"

typedef struct ir_name {
    const char *s;            /* NUL-terminated, arena-owned */
    ir_span span;
} ir_name;

/* The type of an interval literal (interval "1 month"). */
#define IR_INTERVAL TIR_INTERVAL

/* Properties of a vector (or of one column / tuple field). */
typedef enum ir_order { IR_ORDER_NONE = 0, IR_ORDER_ASC, IR_ORDER_DESC } ir_order;
typedef struct ir_coltype {
    tir_type type;
    bool nullable;
    bool unique;
    ir_order order;
    uint8_t prec, scale;      /* TIR_DECIMAL: digits in all (1..18) and after the point */
} ir_coltype;


/* ---------------------------------------------------------------- exprs */

typedef enum ir_expr_kind {
    IR_E_LIT,      /* literal (possibly null) */
    IR_E_COL,      /* $in.x or $ht.x; tc: also what a resolved v2.x becomes */
    IR_E_PATH,     /* bare dotted identifiers a / a.b / a.c.d (parser only; tc rewrites) */
    IR_E_REF,      /* tc: a scalar of another pipeline's tuple, e.g. pipeline1.minmax.min */
    IR_E_UNARY,    /* op in IR_NEG, IR_NOT */
    IR_E_BINARY,   /* arithmetic, comparison, && || */
    IR_E_LIKE,
    IR_E_IN,
    IR_E_ISNULL,
    IR_E_CASE,
    IR_E_CAST,
    IR_E_CALL,     /* scalar functions (functions.h; extract(year from x) is year(x)), aggregate calls in :aggregates */
    IR_E_STAR,     /* `*`, only as the argument of count(*) */
    IR_E_PARAM     /* $name: a parameter of the program, bound before each run */
} ir_expr_kind;

typedef enum ir_op {
    IR_ADD, IR_SUB, IR_MUL, IR_DIV, IR_MOD,
    IR_EQ, IR_NE, IR_LT, IR_LE, IR_GT, IR_GE,
    IR_AND, IR_OR,
    IR_NEG, IR_NOT
} ir_op;

typedef struct ir_lit {
    tir_type type;            /* for a null literal: tc sets the type it was used at */
    bool is_null;
    int64_t i;                /* bool, i32, i64, date (days), decimal (scaled by 10^scale), timestamp
                                 (microseconds since 1970), interval (its microseconds) */
    int32_t months, days;     /* interval */
    uint8_t prec, scale;      /* decimal (tc: a float literal used with a decimal) */
    double f;
    const char *s;            /* string bytes (arena, NUL-terminated), escapes decoded */
    uint32_t slen;
} ir_lit;

typedef struct ir_stmt ir_stmt;
typedef struct ir_expr ir_expr;

struct ir_expr {
    ir_expr_kind kind;
    ir_span span;
    ir_coltype ty;            /* tc: result type and properties */
    union {
        ir_lit lit;
        struct {
            ir_name qual;     /* "$in" / "$ht" as written, or a statement name */
            ir_name name;
            int side;         /* tc: 0 = the operator's input, 1 = the hash table ($ht) or merge_join's right side ($right) */
            int index;        /* tc: column index in that side's schema */
        } col;
        struct {
            ir_name parts[3];
            int nparts;
        } path;
        struct {
            ir_stmt *stmt;    /* tc: the producing statement (a tuple) */
            int field;        /* tc: field index in its schema */
        } ref;
        struct {
            ir_op op;
            ir_expr *a, *b;   /* unary: only a */
        } op;
        struct {
            ir_expr *a;
            ir_expr *pattern; /* a string expression */
            ir_expr *escape;  /* ESCAPE: a string literal of one character, or NULL */
            bool negated;
            bool ci;          /* ilike: lower(a) like lower(pattern) */
        } like;
        struct {
            ir_expr *a;
            ir_expr **items;
            int nitems;
            bool negated;
        } in;
        struct {
            ir_expr *a;
            bool negated;     /* is not null */
        } isnull;
        struct {
            ir_expr **whens, **thens;
            int n;
            ir_expr *els;     /* may be NULL (= null) */
        } cas;
        struct {
            ir_expr *a;
            tir_type to;
            uint8_t to_prec, to_scale;   /* to == TIR_DECIMAL */
            ir_span to_span;
        } cast;
        struct {
            ir_name fn;
            ir_expr **args;
            int nargs;
            int fid;          /* tc: its ir_fn (ir/functions.h); aggregates: unused */
            int part;         /* tc: date_trunc's and date_diff's ir_datepart; regexp_*: IR_RX_* flags, or the group */
            bool distinct;    /* count(distinct x): an aggregate over x's distinct values */
        } call;
        struct {
            ir_name name;     /* without the '$' */
            int index;        /* tc: into the program's params; ty may be wider than the
                                 declared type (widened in place, like a literal) */
        } param;
    } u;
};

/* ------------------------------------------------------ operator arguments */

/* A window frame bound: `unbounded preceding`, `n preceding`, `current row`,
** `n following`, `unbounded following`. */
typedef enum ir_boundkind {
    IR_B_UNBOUNDED_PRECEDING = 0, IR_B_PRECEDING, IR_B_CURRENT, IR_B_FOLLOWING, IR_B_UNBOUNDED_FOLLOWING
} ir_boundkind;
typedef struct ir_bound {
    ir_boundkind kind;
    int64_t n;                /* rows, for IR_B_PRECEDING / IR_B_FOLLOWING */
    ir_span span;
} ir_bound;
/* `rows between lo and hi` or `range between lo and hi` after a window
** function call (`rows lo` alone means `rows between lo and current row`). */
typedef struct ir_frame {
    bool range;               /* range: bounds count peer groups; rows: rows */
    ir_bound lo, hi;
    ir_span span;
} ir_frame;

/* Where NULLs go in a sort: written `nulls first` / `nulls last`, else the default (last). */
typedef enum ir_nulls { IR_NULLS_DEFAULT = 0, IR_NULLS_FIRST, IR_NULLS_LAST } ir_nulls;

typedef enum ir_val_kind { IR_V_EXPR, IR_V_LIST, IR_V_MAP } ir_val_kind;
typedef struct ir_val ir_val;
typedef struct ir_mapent {
    ir_name key;              /* written as "string" or identifier */
    ir_val *val;
} ir_mapent;
struct ir_val {
    ir_val_kind kind;
    ir_span span;
    ir_expr *expr;            /* IR_V_EXPR */
    ir_val **items;           /* IR_V_LIST */
    ir_mapent *ents;          /* IR_V_MAP */
    int n;                    /* items or ents */
    /* Written after an IR_V_EXPR; only sort keys and window functions take them: */
    ir_order dir;             /* `asc` / `desc`; IR_ORDER_NONE when not written */
    ir_nulls nulls;           /* `nulls first` / `nulls last` */
    ir_span ord_span;         /* the ordering words (len 0 when none) */
    ir_frame *frame;          /* a window frame */
};

typedef struct ir_arg {
    ir_name name;             /* :name — for source-function args, s == NULL when positional */
    ir_val *val;
} ir_arg;

/* ---------------------------------------------------------------- schema */

typedef struct ir_column {
    ir_name name;
    ir_coltype ty;
    ir_span span;
} ir_column;

/* One key of the order a relation's rows are known to be in. */
typedef struct ir_sortkey {
    int col;                  /* column index */
    bool desc;
    bool nulls_first;
} ir_sortkey;

/* Columns, and for a relation the keys its rows are known to be sorted by
** (lexicographically; empty when unknown). A column's own `asc`/`desc`
** says only that its non-NULL values are in that order. */
typedef struct ir_schema {
    ir_column *cols;
    int n;
    ir_sortkey *order;
    int norder;
} ir_schema;

/* ------------------------------------------------------------ statements */

typedef enum ir_opkind {
    IR_OP_UNKNOWN = 0,
    IR_OP_SCAN,        /* table_scan   :table :columns [:minmaxes] */
    IR_OP_FILTER,      /* filter       :input :expr [:projection] */
    IR_OP_PROJECT,     /* project      :input :columns {name: expr} */
    IR_OP_AGGREGATE,   /* aggregate    :input :aggregates {name: fn(expr)} -> Tuple */
    IR_OP_BUILD_HASH,  /* build_hash   :input :key [..] [:value [..]] -> HashTable */
    IR_OP_HASH_JOIN,   /* hash_join    :input :ht :key [..] [:kind inner|left|semi|anti|right|full] [:projection] [:condition] */
    IR_OP_GROUP_BY,    /* hash_group_by :input :group_by [..] :aggregates {..} */
    IR_OP_LIMIT,       /* limit        :input :count n [:offset n] */
    IR_OP_BUILD_BLOOM, /* build_bloom  :input :key [col] -> Bloom */
    IR_OP_DELETE,      /* delete       :input -> Tuple {deleted}: marks the input's rows deleted in its native table */
    IR_OP_WRITE_TABLE, /* write_table  :input :path "f" [:bloom [..]] -> Tuple {rows}: writes a native table */
    IR_OP_SORT,        /* sort         :input :by [key [asc|desc] [nulls first|last], ..] [:limit n] [:offset n] */
    IR_OP_MERGE_JOIN,  /* merge_join   :input :right :key [..] :right_key [..] [:kind] [:projection] */
    IR_OP_WINDOW,      /* window       :input [:partition_by [..]] [:order_by [..]] :functions {name: fn(..) [frame]} */
    IR_OP_UNION        /* union_all    :inputs [table or p.v, ..]: a source, every input's rows in turn */
} ir_opkind;

typedef enum ir_valkind { IR_VK_RELATION = 0, IR_VK_TUPLE, IR_VK_HASHTABLE, IR_VK_BLOOM } ir_valkind;
/* right and full: hash_join only; build rows no probe row matched are
** output at the end with NULL input columns. */
typedef enum ir_joinkind { IR_JOIN_INNER = 0, IR_JOIN_LEFT, IR_JOIN_SEMI, IR_JOIN_ANTI, IR_JOIN_RIGHT, IR_JOIN_FULL } ir_joinkind;
#define IR_JOIN_NKINDS 6
/* Kinds that output the input rows no pair matched, or the build rows. */
#define IR_JOIN_KEEPS_INPUT(k) ((k) == IR_JOIN_LEFT || (k) == IR_JOIN_ANTI || (k) == IR_JOIN_FULL)
#define IR_JOIN_KEEPS_BUILD(k) ((k) == IR_JOIN_RIGHT || (k) == IR_JOIN_FULL)
typedef enum ir_aggfn {
    IR_AGG_COUNT = 0, IR_AGG_COUNT_STAR, IR_AGG_SUM, IR_AGG_MIN, IR_AGG_MAX, IR_AGG_AVG,
    /* one state (count, mean, sum of squared deviations), four results */
    IR_AGG_VAR_SAMP, IR_AGG_VAR_POP, IR_AGG_STDDEV_SAMP, IR_AGG_STDDEV_POP,
    /* min and max of a bool argument read as i32 (0/1) */
    IR_AGG_BOOL_AND, IR_AGG_BOOL_OR,
    /* the valid strings in input order, joined by a constant separator */
    IR_AGG_STRING_AGG
} ir_aggfn;
#define IR_AGG_IS_VAR(f) ((f) >= IR_AGG_VAR_SAMP && (f) <= IR_AGG_STDDEV_POP)

typedef struct ir_agg {
    ir_aggfn fn;
    ir_expr *arg;             /* NULL for count(*) */
    ir_span span;
    const char *sep;          /* string_agg: the separator's bytes (arena) */
    uint32_t seplen;
} ir_agg;

typedef struct ir_minmax {
    int col;                  /* index into the scan's output schema */
    ir_expr *lo, *hi;         /* IR_E_LIT or IR_E_REF, typed as the column */
    ir_span span;
} ir_minmax;

/* :blooms = { "col": pipeline.bloom } of a table_scan: rows (and blocks)
** whose value of col cannot be in the bloom filter are dropped. */
typedef struct ir_bloomuse {
    int col;                  /* index into the scan's output schema */
    ir_stmt *bf;              /* a build_bloom statement of an earlier pipeline */
    ir_span span;
} ir_bloomuse;

/* A sort key expression over the input. */
typedef struct ir_sortspec {
    ir_expr *e;
    bool desc;
    bool nulls_first;
    ir_span span;
} ir_sortspec;

typedef enum ir_winkind {
    IR_W_ROW_NUMBER = 0, IR_W_RANK, IR_W_DENSE_RANK, IR_W_PERCENT_RANK, IR_W_CUME_DIST, IR_W_NTILE,
    IR_W_LAG, IR_W_LEAD, IR_W_FIRST_VALUE, IR_W_LAST_VALUE, IR_W_NTH_VALUE,
    IR_W_COUNT, IR_W_COUNT_STAR, IR_W_SUM, IR_W_AVG, IR_W_MIN, IR_W_MAX
} ir_winkind;

/* One entry of a window's :functions. */
typedef struct ir_winfn {
    ir_winkind kind;
    ir_expr *arg;             /* NULL for the ranking functions and count(*) */
    ir_expr *def;             /* lag/lead default (typed as arg), or NULL = null */
    int64_t n;                /* lag/lead offset, ntile buckets, nth_value position */
    ir_frame frame;           /* resolved: the default frame when none was written */
    ir_span span;
} ir_winfn;

typedef struct ir_projitem {
    int side;                 /* 0 = probe input, 1 = hash table (or merge_join right side) column */
    int index;                /* column index in that side's schema */
} ir_projitem;

typedef struct ir_table ir_table;
typedef struct ir_pipeline ir_pipeline;

/* One input of union_all: a table or a relation of another pipeline, whose
** columns are the union's by position (its types may be narrower numbers). */
typedef struct ir_unionin {
    ir_table *table;          /* NULL for ... */
    ir_stmt *rel;             /* ... another pipeline's relation */
    const ir_schema *schema;  /* its columns */
    ir_span span;
} ir_unionin;

struct ir_stmt {
    ir_name target;           /* v2 in `v2 = filter ...` */
    ir_name op;               /* filter */
    ir_arg *args;
    int nargs;
    ir_span span;             /* whole statement */
    ir_pipeline *pipeline;    /* parser: the enclosing pipeline */

    /* tc: */
    ir_opkind kind;
    ir_valkind vkind;
    ir_schema out;            /* relation columns / tuple fields / HT keys then values */
    int ht_nkeys;             /* IR_VK_HASHTABLE: out.cols[0..ht_nkeys) are keys */
    ir_stmt *input;           /* same-pipeline input (NULL for a source: scan, union) */
    int index;                /* position in its pipeline */
    bool failed;              /* its output could not be typed (already reported) */
    int value;                /* vm: 1 + its index in the plan's values, 0 = not a value */
    bool used_later;          /* read by a later pipeline (keep alive) or by an output */
    /* tc, an aggregate or hash_group_by with computed entries (sum(a) /
    ** sum(b)): per out column its expression over post_raw, the row the
    ** sink computes (keys, then its raw aggregates); tc then splits it in
    ** two, the sink and a projection of its rows in a pipeline of its own */
    ir_expr **post;
    ir_schema post_raw;
    union {
        struct {
            ir_table *table;  /* NULL when scanning another pipeline's relation: */
            ir_stmt *src_stmt;/* ... that relation-valued statement */
            int *cols;        /* out column i = source column cols[i] */
            ir_minmax *mm;
            int nmm;
            ir_bloomuse *blooms;
            int nblooms;
        } scan;
        struct {
            ir_expr *pred;    /* bool; over input ($in) */
            int *proj;        /* out column i = input column proj[i] */
        } filter;
        struct {
            ir_expr **exprs;  /* out column i = exprs[i] over input */
        } project;
        struct {
            ir_agg *aggs;     /* out field i = aggs[i] */
        } aggregate;
        struct {
            ir_expr **keys;   /* out.cols[0..nkeys) */
            ir_expr **vals;   /* out.cols[nkeys..) */
            int nkeys, nvals;
            bool keep_null_keys; /* tc: a right or full join probes it, and outputs rows with a NULL key */
            bool keyless;     /* :key = []: keys[0] is a hidden constant, every probe row matches every entry */
        } build;
        struct {
            ir_stmt *ht;      /* a build_hash statement, usually in another pipeline */
            ir_joinkind jkind;
            ir_expr **keys;   /* over input, one per ht key, same types */
            ir_projitem *proj;/* out column i */
            ir_expr *cond;    /* bool over $in and $ht, a pair matches when true; or NULL */
        } join;
        struct {
            ir_expr **keys;   /* out.cols[0..nkeys) */
            ir_agg *aggs;     /* out.cols[nkeys..) */
            int nkeys, naggs;
        } group;
        struct {
            int64_t count, offset;
            ir_expr *count_param, *offset_param;   /* a parameter instead of the literal, or NULL */
        } limit;
        struct {
            ir_expr *key;     /* over input; out.cols[0] describes it */
        } bloom;
        struct {
            ir_stmt *scan;    /* the same pipeline's scan of a native table; input rows are its rows */
        } del;
        struct {
            ir_sortspec *keys;
            int nkeys;
            int64_t limit;    /* -1: a full sort; else a top-N of limit rows after offset */
            int64_t offset;
        } sort;
        struct {
            ir_table *rtable; /* the right side: a table, or ... */
            ir_stmt *rstmt;   /* ... a relation of another pipeline */
            const ir_schema *rschema;
            ir_joinkind jkind;
            int nkeys;
            ir_expr **keys;   /* input columns, in the order both sides are sorted by */
            int *rkeys;       /* right columns */
            bool *desc;       /* per key: both sides descending */
            int *rnulls;      /* per key: where the right side's NULLs are (-1 unknown, 0 last, 1 first) */
            ir_projitem *proj;/* side 1 = right column */
        } mjoin;
        struct {
            ir_sortspec *part;
            int npart;
            ir_sortspec *order;
            int norder;
            ir_winfn *fns;    /* out column input.n + i */
            int nfns;
        } window;
        struct {
            ir_unionin *in;   /* in input order; out.cols[i] is column i of each */
            int n;
        } uni;
        struct {
            const char *path; /* resolved like table paths */
            bool *bloom;      /* per input column: write block bloom filters */
        } write;
    } u;
};

struct ir_pipeline {
    ir_name name;
    ir_stmt **stmts;
    int n;
    ir_span span;
    /* tc: */
    ir_pipeline **deps;       /* pipelines it reads values from */
    int ndeps, capdeps;
    int index;                /* position in source order */
    int order;                /* position in topological order */
};

struct ir_table {
    ir_name name;
    ir_name source;           /* read_csv or read_table */
    ir_arg *args;             /* source-function arguments; positional ones have name.s == NULL */
    int nargs;
    ir_schema schema;
    ir_span span;
    /* tc: */
    int index;                /* position in the program's tables */
    const char *path;         /* data file, resolved relative to the program file */
    char delimiter;           /* default ',' */
    bool header;              /* default true */
    const char *null_string;  /* default "" (empty field = NULL) */
    bool native;              /* read_table: a native table file (vm/store.h) */
    void *host;               /* registered(): the engine's registered data (vm/hosttab.h) ... */
    const char *host_name;    /* ... registered under this name */
};

/* A parameter declared at program level, `$since: date [nullable]`: a typed
** value bound through the API (tir_bind_*) before each run and read where
** constants are, so one compiled program runs with many values. */
typedef struct ir_param {
    ir_name name;             /* without the '$' */
    ir_coltype ty;            /* type and nullable; never unique or ordered */
    ir_span span;             /* the declaration */
    int index;                /* position in the program's params */
    /* tc: */
    bool used;
    ir_span nonneg;           /* a use that needs a value >= 0 (limit :count); len 0 = none */
} ir_param;

typedef struct ir_output {
    ir_expr *what;            /* parser: IR_E_PATH pipeline.value */
    ir_name alias;            /* s == NULL when absent */
    ir_span span;
    /* tc: */
    ir_stmt *stmt;
    const char *name;         /* alias, else "pipeline.value" */
} ir_output;

/* Reads the schema of the native table at path into *out (arena-allocated);
** false with a message in err when the file cannot be read. */
typedef bool (*ir_schema_reader)(void *ctx, ir_arena *a, const char *path, ir_schema *out, char *err,
                                 size_t errlen);

/* Infers the columns of the CSV table t (its path and read_csv options
** set) from the file, as tirrun import does; arena-allocated. */
typedef bool (*ir_csv_schema_reader)(void *ctx, ir_arena *a, const struct ir_table *t, ir_schema *out, char *err,
                                     size_t errlen);
/* The columns of the table the host registered as name (registered("name")),
** into *out (arena-allocated), and a handle the run reads it through, which
** the program holds until it is freed; false with a message in err. */
typedef bool (*ir_host_resolver)(void *ctx, ir_arena *a, const char *name, ir_schema *out, void **handle,
                                 char *err, size_t errlen);

/* Whether the engine lets the program read (write = false) or write path. */
typedef bool (*ir_path_checker)(void *ctx, const char *path, bool write, char *err, size_t errlen);

/* Reads a file a program includes: its text in arena a with a NUL after
** it, or NULL with the reason in err. */
typedef struct ir_loader {
    char *(*load)(void *ctx, ir_arena *a, const char *path, size_t *len, char *err, size_t errlen);
    void *ctx;
} ir_loader;

typedef struct ir_program {
    const char *file;
    ir_path_checker check_path;   /* set before tc_check; NULL: any path */
    void *check_path_ctx;
    ir_schema_reader read_schema; /* set before tc_check; NULL: read_table needs declared columns */
    void *read_schema_ctx;
    ir_csv_schema_reader read_csv_schema; /* set before tc_check; NULL: read_csv needs declared columns */
    void *read_csv_schema_ctx;
    ir_host_resolver resolve_host; /* set before tc_check; NULL: registered() tables are an error */
    void *resolve_host_ctx;
    const char *src;
    size_t srclen;
    const ir_jpaths *paths;   /* read from JSON: spans are its nodes (diag.h); src is not text */
    const ir_srcfile *files;  /* with include: the files src is made of (diag.h), else NULL */
    uint32_t nfiles;
    ir_table **tables;
    int ntables;
    ir_pipeline **pipelines;  /* tc: sorted into topological order */
    int npipelines;
    ir_output *outputs;
    int noutputs;
    ir_param **params;        /* in declaration order */
    int nparams;
} ir_program;

static inline ir_srcmap ir_prog_srcmap(const ir_program *p)
{
    return (ir_srcmap){p->file, p->src, p->srclen, p->paths, p->files, p->nfiles};
}

/* frontend/: parse src into *out (arena-allocated); syntax errors go to d.
** `include "f"` reads f through ld (NULL: include is an error); the
** program's src is then its own text and the included ones (diag.h), and
** d is pointed at it. Returns false when there were syntax errors (the
** tree may be partial). */
bool fe_parse(ir_arena *a, ir_diags *d, const char *file, const char *src, size_t len, const ir_loader *ld,
              ir_program **out);

/* frontend/json.c: the same from a program's JSON form (docs/EMBEDDING.md);
** the spans of its nodes index (*out)->paths. */
bool fe_parse_json(ir_arena *a, ir_diags *d, const char *file, const char *src, size_t len, ir_program **out);

/* typecheck/: checks and annotates p in place. Returns false on errors. */
bool tc_check(ir_arena *a, ir_diags *d, ir_program *p);

/* ir/print.c: type and expression printing (used by --explain and messages) */
const char *ir_coltype_str(ir_arena *a, ir_coltype t);   /* "i32 nullable unique asc" */
/* A type's name as written: "i64", "decimal(15,2)"; into buf, returned. */
const char *ir_type_text(tir_type t, int prec, int scale, char buf[32]);
const char *ir_expr_str(ir_arena *a, const ir_expr *e);   /* source-like text */
/* Whether a float literal keeps more digits as written (lit.s, its sign in
** f) than a double or an 18-digit decimal holds. Printed as written then,
** and in JSON as {"number": "..."}. */
bool ir_lit_long_text(const ir_lit *l);
/* The shortest text that reads back as v, always recognizable as a float
** literal ("10.0", "1.0e+20"), in the C locale. */
void ir_double_text(double v, char s[48]);
const char *ir_op_str(ir_op op);
const char *ir_opkind_name(ir_opkind k);
const char *ir_aggfn_name(ir_aggfn f);
const char *ir_joinkind_name(ir_joinkind k);
/* A program as parsed (not checked: the checker rewrites names), as .tir
** text that parses back to the same tree. Arena string. printed, unless
** NULL, is set to where each node landed in the text (diag.h): for a
** program read from JSON, the nodes its spans number. */
const char *ir_program_str(ir_arena *a, const ir_program *p, ir_jtext *printed);

/* ir/json_emit.c: a program as parsed, in its JSON form; NULL with errors
** in d for what the JSON form cannot hold (a string that is not UTF-8, an
** argument or map key given twice). Arena string. */
const char *ir_program_json(ir_arena *a, ir_diags *d, const ir_program *p);

#endif
