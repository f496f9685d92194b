/*
** format.c — prints a tir_result in one of four shapes:
**   table     a Unicode box per output, for people (in the REPL: cut to
**             the terminal, head and tail of long results, colour);
**   csv       RFC 4180 fields, for scripts and the golden tests;
**   json      one object per output (an array of them when there are several);
**   markdown  a pipe table per output, for pasting into documents.
** Cells are rendered straight from the batches the API hands out, so a
** result is never copied; the table makes two passes (widths, then rows).
** Output goes through a private buffer rather than stdio calls per cell:
** results can have millions of rows.
*/
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "utf8.h"

/* Buffered writer over a FILE; a failed write is remembered, not retried. */
typedef struct obuf {
    FILE *f;
    size_t len;
    bool failed;
    int err;
    char buf[1 << 16];
} obuf;

/* The columns of the batch being printed. */
typedef struct colview {
    tir_type type;
    int prec, scale;         /* decimals: their values are the number times 10^scale */
    const void *data;
    const uint64_t *valid;   /* NULL: every row is valid */
} colview;

/* One rendered value. Text that came from string data (is_str) may hold
** any bytes and gets escaped per format; everything else is plain ASCII. */
typedef struct cell {
    bool null;
    bool is_str;
    const char *text;
    size_t len;
    char buf[80];   /* an interval's text is the longest */
} cell;

bool fmt_parse_kind(const char *name, fmt_kind *out)
{
    static const struct { const char *name; fmt_kind kind; } kinds[] = {
        { "table", FMT_TABLE }, { "csv", FMT_CSV }, { "json", FMT_JSON },
        { "markdown", FMT_MARKDOWN },
    };
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++) {
        if (strcmp(name, kinds[i].name) == 0) {
            *out = kinds[i].kind;
            return true;
        }
    }
    return false;
}

/* ---- output buffer ---------------------------------------------------- */

static void ob_flush(obuf *o)
{
    if (o->len > 0 && !o->failed && fwrite(o->buf, 1, o->len, o->f) != o->len) {
        o->failed = true;
        o->err = errno;
    }
    o->len = 0;
}

static void ob_write(obuf *o, const void *p, size_t n)
{
    const char *s = p;
    while (n > 0) {
        size_t room = sizeof o->buf - o->len, k = n < room ? n : room;
        memcpy(o->buf + o->len, s, k);
        o->len += k;
        s += k;
        n -= k;
        if (o->len == sizeof o->buf)
            ob_flush(o);
    }
}

static void ob_str(obuf *o, const char *s)
{
    ob_write(o, s, strlen(s));
}

static void ob_char(obuf *o, char c)
{
    if (o->len == sizeof o->buf)
        ob_flush(o);
    o->buf[o->len++] = c;
}

static void ob_repeat(obuf *o, const char *s, size_t n)
{
    size_t len = strlen(s);
    while (n--)
        ob_write(o, s, len);
}

/* prefix, then v as digits hex digits taken from hex (upper or lower case). */
static void ob_hex(obuf *o, const char *prefix, unsigned v, int digits, const char *hex)
{
    ob_str(o, prefix);
    while (digits-- > 0)
        ob_char(o, hex[(v >> (4 * digits)) & 15]);
}

/* ---- values ----------------------------------------------------------- */

/* Decimal digits of v at the end of buf[0..24); returns where they start. */
static char *u64_digits(uint64_t v, char *end)
{
    do
        *--end = (char)('0' + v % 10);
    while (v /= 10);
    return end;
}

static size_t format_i64(int64_t v, char *buf)
{
    char tmp[24], *p = u64_digits(v < 0 ? 0 - (uint64_t)v : (uint64_t)v, tmp + sizeof tmp);
    size_t n = (size_t)(tmp + sizeof tmp - p);
    if (v < 0)
        *buf++ = '-';
    memcpy(buf, p, n);
    return n + (v < 0);
}

/* The shortest text that reads back as the same double: %.15g when that
** round-trips (%g drops trailing zeros), else 16 or 17 digits, so a value
** is never shown rounded to something it is not. snprintf is slow, so
** values that are exactly a decimal D = k / 10^s (s <= 4, |k| < 10^15; that
** is most data: money, counts, measurements) are written from k directly.
** Then D has at most 15 significant digits, d is the double nearest to D
** (the division is correctly rounded), and |d - D| is below half a unit of
** the 15th digit, so %.15g would print D too; and 1e-4 <= |D| < 1e15 is
** where %g uses fixed notation. */
static size_t format_f64(double d, char *buf, size_t size)
{
    static const double pow10[] = { 1, 10, 100, 1000, 10000 };

    if (isnan(d))
        return (size_t)snprintf(buf, size, "NaN");
    if (isinf(d))
        return (size_t)snprintf(buf, size, d < 0 ? "-inf" : "inf");
    if (d == 0)
        return (size_t)snprintf(buf, size, signbit(d) ? "-0" : "0");
    for (int s = 0; s < 5 && fabs(d) < 1e15 / pow10[s]; s++) {
        double m = nearbyint(d * pow10[s]);
        if (m / pow10[s] == d && m != 0) {
            char tmp[24], *p = u64_digits((uint64_t)fabs(m), tmp + sizeof tmp);
            size_t n = (size_t)(tmp + sizeof tmp - p), len = 0;
            if (d < 0)
                buf[len++] = '-';
            if (n <= (size_t)s) {                /* 0.00ddd */
                buf[len++] = '0';
                buf[len++] = '.';
                memset(buf + len, '0', (size_t)s - n);
                len += (size_t)s - n;
            } else {
                memcpy(buf + len, p, n - (size_t)s);
                len += n - (size_t)s;
                p += n - (size_t)s;
                n = (size_t)s;
                if (n > 0)
                    buf[len++] = '.';
            }
            memcpy(buf + len, p, n);
            len += n;
            return len;
        }
    }
    /* the fewest digits (15 to 17) that read back as the same double */
    int n = 0;
    for (int prec = 15; prec <= 17; prec++) {
        n = snprintf(buf, size, "%.*g", prec, d);
        if (strtod(buf, NULL) == d)
            break;
    }
    return (size_t)n;
}

static bool is_valid(const colview *c, uint32_t row)
{
    return c->valid == NULL || (c->valid[row >> 6] >> (row & 63)) & 1;
}

static void cell_get(const colview *c, uint32_t row, cell *out)
{
    out->null = !is_valid(c, row);
    out->is_str = false;
    out->text = out->buf;
    out->len = 0;
    if (out->null)
        return;
    switch (c->type) {
    case TIR_BOOL:
        out->text = ((const uint8_t *)c->data)[row] ? "true" : "false";
        out->len = strlen(out->text);
        break;
    case TIR_I32:
        out->len = format_i64(((const int32_t *)c->data)[row], out->buf);
        break;
    case TIR_I64:
        out->len = format_i64(((const int64_t *)c->data)[row], out->buf);
        break;
    case TIR_F64:
        out->len = format_f64(((const double *)c->data)[row], out->buf, sizeof out->buf);
        break;
    case TIR_DATE:
        out->len = (size_t)tir_date_text(((const int32_t *)c->data)[row], out->buf);
        break;
    case TIR_TIMESTAMP:
        out->len = (size_t)tir_timestamp_text(((const int64_t *)c->data)[row], out->buf);
        break;
    case TIR_DECIMAL:   /* exactly scale digits after the point, as DuckDB prints them */
        out->len = (size_t)tir_decimal_format(((const int64_t *)c->data)[row], c->scale, out->buf);
        break;
    case TIR_DECIMAL128:
        out->len = (size_t)tir_decimal128_format(((const tir_dec128 *)c->data)[row], c->scale, out->buf);
        break;
    case TIR_INTERVAL:   /* as DuckDB prints it: 1 year 2 months 3 days 04:05:06.5 */
        out->len = (size_t)tir_interval_format(((const tir_interval *)c->data)[row], out->buf);
        break;
    case TIR_STRING: {
        const tir_str *s = &((const tir_str *)c->data)[row];
        out->is_str = true;
        out->text = tir_str_ptr(s);
        out->len = s->len;
        break;
    }
    default:
        out->text = "?";
        out->len = 1;
        break;
    }
}

static bool right_aligned(tir_type t)
{
    return t == TIR_I32 || t == TIR_I64 || t == TIR_F64 || t == TIR_DECIMAL || t == TIR_DECIMAL128;
}

static const char *type_name(tir_type t)
{
    const char *n = t == TIR_DECIMAL128 ? "decimal" : tir_type_name(t);
    return n ? n : "?";
}

static void load_batch(const tir_result *r, size_t out, size_t b, colview *cols, size_t ncols)
{
    for (size_t c = 0; c < ncols; c++) {
        cols[c].data = tir_result_batch_data(r, out, b, c);
        cols[c].valid = tir_result_batch_validity(r, out, b, c);
    }
}

/* ---- table ------------------------------------------------------------ */

/* In a table, anything a terminal would act on (C0 and C1 controls, DEL)
** and bytes that are not UTF-8 are shown as escapes so the box stays
** intact. Returns how many bytes at s form the next unit and sets *esc
** when that unit is escaped byte by byte. */
static size_t table_unit(const unsigned char *s, size_t n, bool *esc)
{
    size_t len = ir_utf8_len(s, n);
    *esc = len == 0 || s[0] < 0x20 || s[0] == 0x7F || (s[0] == 0xC2 && s[1] < 0xA0);
    return len ? len : 1;
}

static size_t escape_width(unsigned char c)
{
    return c == '\n' || c == '\t' || c == '\r' ? 2 : 4;
}

/* Display width in code points, escapes included. */
static size_t table_width(const char *text, size_t n)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t w = 0;
    for (size_t i = 0; i < n; ) {
        bool esc;
        size_t len = table_unit(s + i, n - i, &esc);
        if (esc)
            for (size_t k = 0; k < len; k++)
                w += escape_width(s[i + k]);
        else
            w++;
        i += len;
    }
    return w;
}

/* Writes the units of text whose display width fits in limit; returns the
** width written. */
static size_t table_put(obuf *o, const char *text, size_t n, size_t limit)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t w = 0;
    for (size_t i = 0; i < n; ) {
        bool esc;
        size_t len = table_unit(s + i, n - i, &esc), uw = 0;
        if (esc)
            for (size_t k = 0; k < len; k++)
                uw += escape_width(s[i + k]);
        else
            uw = 1;
        if (w + uw > limit)
            break;
        w += uw;
        if (!esc)
            ob_write(o, s + i, len);
        else
            for (size_t k = 0; k < len; k++) {
                unsigned char c = s[i + k];
                if (c == '\n') ob_str(o, "\\n");
                else if (c == '\t') ob_str(o, "\\t");
                else if (c == '\r') ob_str(o, "\\r");
                else ob_hex(o, "\\x", c, 2, "0123456789ABCDEF");
            }
        i += len;
    }
    return w;
}

/* Writes text padded to width, with one space of margin each side. Text
** wider than width (the box was narrowed to the terminal: width >= 5) is
** cut and ends in "…". sgr, when not NULL, is the ANSI colour of the text. */
static void table_cell(obuf *o, const char *text, size_t len, bool escape,
                       size_t width, bool right, const char *sgr)
{
    size_t w = escape ? table_width(text, len) : len;
    size_t pad = width > w ? width - w : 0;
    ob_char(o, ' ');
    if (right)
        ob_repeat(o, " ", pad);
    if (sgr)
        ob_str(o, sgr);
    if (w > width) {
        pad = width - 1 - table_put(o, text, len, width - 1);
        ob_str(o, "…");
    } else if (escape)
        table_put(o, text, len, (size_t)-1);
    else
        ob_write(o, text, len);
    if (sgr)
        ob_str(o, "\033[0m");
    if (!right || w > width)
        ob_repeat(o, " ", pad);
    ob_char(o, ' ');
}

static void table_rule(obuf *o, const size_t *width, size_t ncols,
                       const char *left, const char *mid, const char *right)
{
    ob_str(o, left);
    for (size_t c = 0; c < ncols; c++) {
        if (c > 0)
            ob_str(o, mid);
        ob_repeat(o, "─", width[c] + 2);
    }
    ob_str(o, right);
    ob_char(o, '\n');
}

/* "i64", or "i64?" when the column is nullable. */
static size_t type_label(const tir_result *r, size_t out, size_t col, char *buf, size_t size)
{
    int p, s, n;
    if (tir_result_col_decimal(r, out, col, &p, &s))
        n = snprintf(buf, size, "decimal(%d,%d)%s", p, s, tir_result_col_nullable(r, out, col) ? "?" : "");
    else
        n = snprintf(buf, size, "%s%s", type_name(tir_result_col_type(r, out, col)),
                     tir_result_col_nullable(r, out, col) ? "?" : "");
    return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}

/* The rows of an output that are printed: all, or the first head and the
** last tail when maxrows cuts the middle out. */
typedef struct rowwin {
    uint64_t nrows, head, tail;
    bool cut;
} rowwin;

static rowwin row_window(const tir_result *r, size_t out, uint64_t maxrows)
{
    rowwin w = { tir_result_nrows(r, out), 0, 0, false };
    w.head = w.nrows;
    if (maxrows > 0 && w.nrows > maxrows) {
        w.cut = true;
        w.head = (maxrows + 1) / 2;
        w.tail = maxrows / 2;
    }
    return w;
}

static bool row_shown(const rowwin *w, uint64_t row)
{
    return !w->cut || row < w->head || row >= w->nrows - w->tail;
}

/* True when the batch starting at row first with n rows is all hidden. */
static bool batch_hidden(const rowwin *w, uint64_t first, uint32_t n)
{
    return w->cut && first >= w->head && first + n <= w->nrows - w->tail;
}

static void rows_footer(obuf *o, const rowwin *w)
{
    char num[24];
    ob_write(o, num, format_i64((int64_t)w->nrows, num));
    ob_str(o, w->nrows == 1 ? " row" : " rows");
    if (w->cut) {
        ob_str(o, " (");
        ob_write(o, num, format_i64((int64_t)(w->head + w->tail), num));
        ob_str(o, " shown)");
    }
    ob_char(o, '\n');
}

/* Narrows the widest string columns until the box fits in limit columns
** (each column takes its width plus 3: margins and a rule). Numbers and
** dates are never cut (a cut one reads as another value), and no column goes
** below 5, so "ab…" stays readable; a box that still does not fit wraps. */
static void fit_widths(size_t *width, const colview *cols, size_t ncols, unsigned limit)
{
    size_t total = 1;
    for (size_t c = 0; c < ncols; c++)
        total += width[c] + 3;
    while (total > limit) {
        size_t widest = ncols;
        for (size_t c = 0; c < ncols; c++)
            if (cols[c].type == TIR_STRING && width[c] > 5 &&
                (widest == ncols || width[c] > width[widest]))
                widest = c;
        if (widest == ncols)
            return;
        width[widest]--;
        total--;
    }
}

static void table_ellipsis_row(obuf *o, const colview *cols, const size_t *width, size_t ncols)
{
    for (size_t c = 0; c < ncols; c++) {
        ob_str(o, "│");
        table_cell(o, "…", strlen("…"), true, width[c], right_aligned(cols[c].type), NULL);
    }
    ob_str(o, "│\n");
}

static void table_output(obuf *o, const tir_result *r, size_t out, colview *cols,
                         size_t *width, size_t ncols, const fmt_opts *fo)
{
    size_t nbatches = tir_result_nbatches(r, out);
    const char *oname = tir_result_output_name(r, out);
    rowwin win = row_window(r, out, fo->maxrows);
    const char *bold = fo->colour ? "\033[1m" : NULL, *dim = fo->colour ? "\033[2m" : NULL;
    uint64_t row = 0;
    bool printed = false;
    char type[64];
    cell v;

    for (size_t c = 0; c < ncols; c++) {
        const char *name = tir_result_col_name(r, out, c);
        size_t tw = type_label(r, out, c, type, sizeof type);
        width[c] = table_width(name, strlen(name));
        if (tw > width[c])
            width[c] = tw;
    }
    for (size_t b = 0; b < nbatches; b++) {
        uint32_t rows = tir_result_batch_rows(r, out, b);
        if (batch_hidden(&win, row, rows)) {
            row += rows;
            continue;
        }
        load_batch(r, out, b, cols, ncols);
        for (uint32_t i = 0; i < rows; i++, row++) {
            if (!row_shown(&win, row))
                continue;
            for (size_t c = 0; c < ncols; c++) {
                size_t w;
                cell_get(&cols[c], i, &v);
                w = v.null ? 4 : v.is_str ? table_width(v.text, v.len) : v.len;
                if (w > width[c])
                    width[c] = w;
            }
        }
    }
    if (fo->width > 0)
        fit_widths(width, cols, ncols, fo->width);

    table_put(o, oname, strlen(oname), (size_t)-1);
    ob_char(o, '\n');
    if (ncols > 0) {
        table_rule(o, width, ncols, "┌", "┬", "┐");
        for (size_t c = 0; c < ncols; c++) {
            const char *name = tir_result_col_name(r, out, c);
            ob_str(o, "│");
            table_cell(o, name, strlen(name), true, width[c], right_aligned(cols[c].type), bold);
        }
        ob_str(o, "│\n");
        for (size_t c = 0; c < ncols; c++) {
            size_t tw = type_label(r, out, c, type, sizeof type);
            ob_str(o, "│");
            table_cell(o, type, tw, false, width[c], right_aligned(cols[c].type), dim);
        }
        ob_str(o, "│\n");
    }
    row = 0;
    for (size_t b = 0; b < nbatches; b++) {
        uint32_t rows = tir_result_batch_rows(r, out, b);
        if (batch_hidden(&win, row, rows)) {
            row += rows;
            continue;
        }
        load_batch(r, out, b, cols, ncols);
        for (uint32_t i = 0; i < rows; i++, row++) {
            if (!row_shown(&win, row))
                continue;
            if (!printed && ncols > 0)
                table_rule(o, width, ncols, "├", "┼", "┤");
            printed = true;
            if (win.cut && row == win.nrows - win.tail && ncols > 0)
                table_ellipsis_row(o, cols, width, ncols);
            for (size_t c = 0; c < ncols; c++) {
                bool right = right_aligned(cols[c].type);
                cell_get(&cols[c], i, &v);
                ob_str(o, "│");
                if (v.null)
                    table_cell(o, "NULL", 4, false, width[c], right, dim);
                else
                    table_cell(o, v.text, v.len, v.is_str, width[c], right, NULL);
            }
            if (ncols > 0)
                ob_str(o, "│\n");
        }
    }
    if (win.cut && win.tail == 0 && ncols > 0)
        table_ellipsis_row(o, cols, width, ncols);
    if (ncols > 0)
        table_rule(o, width, ncols, "└", "┴", "┘");
    rows_footer(o, &win);
}

/* ---- markdown --------------------------------------------------------- */

/* A table cell: `|` escaped, control characters as in the box table. */
static void md_text(obuf *o, const char *s, size_t n)
{
    size_t from = 0;
    for (size_t i = 0; i <= n; i++)
        if (i == n || s[i] == '|') {
            table_put(o, s + from, i - from, (size_t)-1);
            if (i < n)
                ob_str(o, "\\|");
            from = i + 1;
        }
}

static void md_output(obuf *o, const tir_result *r, size_t out, colview *cols,
                      size_t ncols, const fmt_opts *fo)
{
    size_t nbatches = tir_result_nbatches(r, out);
    const char *oname = tir_result_output_name(r, out);
    rowwin win = row_window(r, out, fo->maxrows);
    uint64_t row = 0;
    cell v;

    md_text(o, oname, strlen(oname));
    ob_str(o, "\n\n|");
    for (size_t c = 0; c < ncols; c++) {
        const char *name = tir_result_col_name(r, out, c);
        ob_char(o, ' ');
        md_text(o, name, strlen(name));
        ob_str(o, " |");
    }
    ob_str(o, "\n|");
    for (size_t c = 0; c < ncols; c++)
        ob_str(o, right_aligned(cols[c].type) ? " ---: |" : " --- |");
    ob_char(o, '\n');
    for (size_t b = 0; b < nbatches; b++) {
        uint32_t rows = tir_result_batch_rows(r, out, b);
        if (batch_hidden(&win, row, rows)) {
            row += rows;
            continue;
        }
        load_batch(r, out, b, cols, ncols);
        for (uint32_t i = 0; i < rows; i++, row++) {
            if (!row_shown(&win, row))
                continue;
            if (win.cut && row == win.nrows - win.tail) {
                ob_char(o, '|');
                ob_repeat(o, " … |", ncols);
                ob_char(o, '\n');
            }
            ob_char(o, '|');
            for (size_t c = 0; c < ncols; c++) {
                cell_get(&cols[c], i, &v);
                ob_char(o, ' ');
                if (v.null)
                    ob_str(o, "NULL");
                else
                    md_text(o, v.text, v.len);
                ob_str(o, " |");
            }
            ob_char(o, '\n');
        }
    }
    if (win.cut) {
        ob_char(o, '\n');
        rows_footer(o, &win);
    }
}

/* ---- csv -------------------------------------------------------------- */

/* Quoted when RFC 4180 requires it, and when empty so that an empty string
** stays distinct from NULL (an empty field). */
static void csv_field(obuf *o, const char *s, size_t n)
{
    bool quote = n == 0;
    for (size_t i = 0; i < n && !quote; i++)
        quote = s[i] == ',' || s[i] == '"' || s[i] == '\n' || s[i] == '\r';
    if (!quote) {
        ob_write(o, s, n);
        return;
    }
    ob_char(o, '"');
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '"')
            ob_char(o, '"');
        ob_char(o, s[i]);
    }
    ob_char(o, '"');
}

static void csv_output(obuf *o, const tir_result *r, size_t out, colview *cols, size_t ncols, bool header)
{
    size_t nbatches = tir_result_nbatches(r, out);
    cell v;

    for (size_t c = 0; c < ncols && header; c++) {
        const char *name = tir_result_col_name(r, out, c);
        if (c > 0)
            ob_char(o, ',');
        csv_field(o, name, strlen(name));
    }
    if (header)
        ob_char(o, '\n');
    for (size_t b = 0; b < nbatches; b++) {
        uint32_t rows = tir_result_batch_rows(r, out, b);
        load_batch(r, out, b, cols, ncols);
        for (uint32_t i = 0; i < rows; i++) {
            for (size_t c = 0; c < ncols; c++) {
                if (c > 0)
                    ob_char(o, ',');
                cell_get(&cols[c], i, &v);
                if (v.null)
                    continue;
                if (v.is_str)
                    csv_field(o, v.text, v.len);
                else
                    ob_write(o, v.text, v.len);
            }
            ob_char(o, '\n');
        }
    }
}

/* ---- json ------------------------------------------------------------- */

/* JSON text must be UTF-8: bytes that are not become U+FFFD. */
static void json_string(obuf *o, const char *text, size_t n)
{
    const unsigned char *s = (const unsigned char *)text;
    ob_char(o, '"');
    for (size_t i = 0; i < n; ) {
        size_t len = ir_utf8_len(s + i, n - i);
        if (len == 0) {
            ob_str(o, "\\ufffd");
            i++;
            continue;
        }
        if (s[i] == '"' || s[i] == '\\') {
            ob_char(o, '\\');
            ob_char(o, (char)s[i]);
        } else if (s[i] < 0x20)
            ob_hex(o, "\\u", s[i], 4, "0123456789abcdef");
        else
            ob_write(o, s + i, len);
        i += len;
    }
    ob_char(o, '"');
}

/* An output's object; in pieces when its rows are printed as they come:
** head (name, columns, the rows' '['), its rows (cont: rows went out
** before, the first of these follows a comma), close (the ']' and '}'). */
static void json_output(obuf *o, const tir_result *r, size_t out, colview *cols, size_t ncols, bool head, bool cont,
                        bool close)
{
    size_t nbatches = tir_result_nbatches(r, out);
    const char *oname = tir_result_output_name(r, out);
    bool first = !cont;
    cell v;

    if (head) {
        ob_str(o, "{\n  \"name\": ");
        json_string(o, oname, strlen(oname));
        ob_str(o, ",\n  \"columns\": [");
        for (size_t c = 0; c < ncols; c++) {
            const char *name = tir_result_col_name(r, out, c);
            ob_str(o, c > 0 ? ",\n    {\"name\": " : "\n    {\"name\": ");
            json_string(o, name, strlen(name));
            ob_str(o, ", \"type\": ");
            json_string(o, type_name(cols[c].type), strlen(type_name(cols[c].type)));
            ob_str(o, tir_result_col_nullable(r, out, c) ? ", \"nullable\": true}"
                                                         : ", \"nullable\": false}");
        }
        ob_str(o, ncols > 0 ? "\n  ],\n  \"rows\": [" : "],\n  \"rows\": [");
    }
    for (size_t b = 0; b < nbatches; b++) {
        uint32_t rows = tir_result_batch_rows(r, out, b);
        load_batch(r, out, b, cols, ncols);
        for (uint32_t i = 0; i < rows; i++) {
            ob_str(o, first ? "\n    [" : ",\n    [");
            first = false;
            for (size_t c = 0; c < ncols; c++) {
                if (c > 0)
                    ob_str(o, ", ");
                cell_get(&cols[c], i, &v);
                if (v.null || (cols[c].type == TIR_F64 && !isfinite(((const double *)cols[c].data)[i])))
                    ob_str(o, "null");
                else if (v.is_str || cols[c].type == TIR_DATE || cols[c].type == TIR_TIMESTAMP ||
                         cols[c].type == TIR_INTERVAL)
                    json_string(o, v.text, v.len);
                else
                    ob_write(o, v.text, v.len);
            }
            ob_char(o, ']');
        }
    }
    if (close)
        ob_str(o, first ? "]\n}" : "\n  ]\n}");
}

/* ---- driver ----------------------------------------------------------- */

bool fmt_result(FILE *f, const tir_result *r, fmt_kind kind)
{
    fmt_opts fo = { .kind = kind };
    return fmt_result_opts(f, r, &fo);
}

bool fmt_result_opts(FILE *f, const tir_result *r, const fmt_opts *fo)
{
    fmt_kind kind = fo->kind;
    size_t nout = tir_result_noutputs(r), first;
    size_t maxcols = 1;
    colview *cols;
    size_t *width;
    obuf *o;
    bool ok;

    for (size_t i = 0; i < nout; i++)
        if (tir_result_ncols(r, i) > maxcols)
            maxcols = tir_result_ncols(r, i);
    cols = malloc(maxcols * sizeof *cols);
    width = malloc(maxcols * sizeof *width);
    o = malloc(sizeof *o);
    if (cols == NULL || width == NULL || o == NULL) {
        free(cols);
        free(width);
        free(o);
        errno = ENOMEM;
        return false;
    }
    o->f = f;
    o->len = 0;
    o->failed = false;
    o->err = 0;

    first = 0;
    if (fo->one_output) {
        first = fo->output < nout ? fo->output : nout;
        nout = first < nout ? 1 : 0;
    }
    if (kind == FMT_JSON && nout != 1 && !fo->headless)
        ob_char(o, '[');
    for (size_t k = 0; k < (fo->open_end && nout ? 1 : nout); k++) {
        bool cont = k == 0 && fo->headless;   /* its head and first rows are out */
        size_t i = first + k, ncols = tir_result_ncols(r, i);
        for (size_t c = 0; c < ncols; c++) {
            cols[c].type = tir_result_col_type(r, i, c);
            tir_result_col_decimal(r, i, c, &cols[c].prec, &cols[c].scale);
        }
        switch (kind) {
        case FMT_TABLE:
            if (k > 0)
                ob_char(o, '\n');
            table_output(o, r, i, cols, width, ncols, fo);
            break;
        case FMT_MARKDOWN:
            if (k > 0)
                ob_char(o, '\n');
            md_output(o, r, i, cols, ncols, fo);
            break;
        case FMT_CSV:
            if (k > 0)
                ob_char(o, '\n');
            csv_output(o, r, i, cols, ncols, !cont);
            break;
        case FMT_JSON:
            if (nout != 1 && !cont)
                ob_str(o, k > 0 ? ",\n" : "\n");
            json_output(o, r, i, cols, ncols, !cont, cont, !(k == 0 && fo->open_end));
            break;
        }
    }
    if (kind == FMT_JSON && !fo->open_end)
        ob_str(o, nout != 1 ? "\n]\n" : "\n");

    ob_flush(o);
    ok = !o->failed && fflush(f) == 0;
    if (o->failed)
        errno = o->err;
    free(cols);
    free(width);
    free(o);
    return ok;
}
