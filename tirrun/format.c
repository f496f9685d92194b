/*
** format.c — prints a tir_result in one of three shapes:
**   table  a Unicode box per output, for people;
**   csv    RFC 4180 fields, for scripts and the golden tests;
**   json   one object per output (an array of them when there are several).
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
    char buf[48];
} cell;

bool fmt_parse_kind(const char *name, fmt_kind *out)
{
    static const struct { const char *name; fmt_kind kind; } kinds[] = {
        { "table", FMT_TABLE }, { "csv", FMT_CSV }, { "json", FMT_JSON },
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
        tir_date_format(((const int32_t *)c->data)[row], out->buf);
        out->len = strlen(out->buf);
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
    return t == TIR_I32 || t == TIR_I64 || t == TIR_F64;
}

static const char *type_name(tir_type t)
{
    const char *n = tir_type_name(t);
    return n ? n : "?";
}

static void load_batch(const tir_result *r, size_t out, size_t b, colview *cols, size_t ncols)
{
    for (size_t c = 0; c < ncols; c++) {
        cols[c].data = tir_result_batch_data(r, out, b, c);
        cols[c].valid = tir_result_batch_validity(r, out, b, c);
    }
}

/* Length of the well-formed UTF-8 sequence at s (at most n bytes), or 0 if
** the bytes there are not one. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
    unsigned char c = s[0];
    size_t len;
    unsigned char lo = 0x80, hi = 0xBF;   /* range of the second byte */

    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF)
        len = 2;
    else if (c >= 0xE0 && c <= 0xEF) {
        len = 3;
        if (c == 0xE0) lo = 0xA0;
        if (c == 0xED) hi = 0x9F;          /* no UTF-16 surrogates */
    } else if (c >= 0xF0 && c <= 0xF4) {
        len = 4;
        if (c == 0xF0) lo = 0x90;
        if (c == 0xF4) hi = 0x8F;          /* nothing above U+10FFFF */
    } else
        return 0;
    if (n < len || s[1] < lo || s[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if (s[i] < 0x80 || s[i] > 0xBF)
            return 0;
    return len;
}

/* ---- table ------------------------------------------------------------ */

/* In a table, anything a terminal would act on (C0 and C1 controls, DEL)
** and bytes that are not UTF-8 are shown as escapes so the box stays
** intact. Returns how many bytes at s form the next unit and sets *esc
** when that unit is escaped byte by byte. */
static size_t table_unit(const unsigned char *s, size_t n, bool *esc)
{
    size_t len = utf8_len(s, n);
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

static void table_put(obuf *o, const char *text, size_t n)
{
    const unsigned char *s = (const unsigned char *)text;
    for (size_t i = 0; i < n; ) {
        bool esc;
        size_t len = table_unit(s + i, n - i, &esc);
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
}

/* Writes text padded to width, with one space of margin each side. */
static void table_cell(obuf *o, const char *text, size_t len, bool escape,
                       size_t width, bool right)
{
    size_t w = escape ? table_width(text, len) : len;
    size_t pad = width > w ? width - w : 0;
    ob_char(o, ' ');
    if (right)
        ob_repeat(o, " ", pad);
    if (escape)
        table_put(o, text, len);
    else
        ob_write(o, text, len);
    if (!right)
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
    int n = snprintf(buf, size, "%s%s", type_name(tir_result_col_type(r, out, col)),
                     tir_result_col_nullable(r, out, col) ? "?" : "");
    return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}

static void table_output(obuf *o, const tir_result *r, size_t out, colview *cols,
                         size_t *width, size_t ncols)
{
    size_t nbatches = tir_result_nbatches(r, out);
    const char *oname = tir_result_output_name(r, out);
    uint64_t nrows = 0;
    char type[64], num[24];
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
        load_batch(r, out, b, cols, ncols);
        for (uint32_t i = 0; i < rows; i++)
            for (size_t c = 0; c < ncols; c++) {
                size_t w;
                cell_get(&cols[c], i, &v);
                w = v.null ? 4 : v.is_str ? table_width(v.text, v.len) : v.len;
                if (w > width[c])
                    width[c] = w;
            }
    }

    table_put(o, oname, strlen(oname));
    ob_char(o, '\n');
    if (ncols > 0) {
        table_rule(o, width, ncols, "┌", "┬", "┐");
        for (size_t c = 0; c < ncols; c++) {
            const char *name = tir_result_col_name(r, out, c);
            ob_str(o, "│");
            table_cell(o, name, strlen(name), true, width[c], right_aligned(cols[c].type));
        }
        ob_str(o, "│\n");
        for (size_t c = 0; c < ncols; c++) {
            size_t tw = type_label(r, out, c, type, sizeof type);
            ob_str(o, "│");
            table_cell(o, type, tw, false, width[c], right_aligned(cols[c].type));
        }
        ob_str(o, "│\n");
    }
    for (size_t b = 0; b < nbatches; b++) {
        uint32_t rows = tir_result_batch_rows(r, out, b);
        load_batch(r, out, b, cols, ncols);
        for (uint32_t i = 0; i < rows; i++) {
            if (nrows++ == 0 && ncols > 0)
                table_rule(o, width, ncols, "├", "┼", "┤");
            for (size_t c = 0; c < ncols; c++) {
                bool right = right_aligned(cols[c].type);
                cell_get(&cols[c], i, &v);
                ob_str(o, "│");
                if (v.null)
                    table_cell(o, "NULL", 4, false, width[c], right);
                else
                    table_cell(o, v.text, v.len, v.is_str, width[c], right);
            }
            if (ncols > 0)
                ob_str(o, "│\n");
        }
    }
    if (ncols > 0)
        table_rule(o, width, ncols, "└", "┴", "┘");
    ob_write(o, num, format_i64((int64_t)nrows, num));
    ob_str(o, nrows == 1 ? " row\n" : " rows\n");
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

static void csv_output(obuf *o, const tir_result *r, size_t out, colview *cols, size_t ncols)
{
    size_t nbatches = tir_result_nbatches(r, out);
    cell v;

    for (size_t c = 0; c < ncols; c++) {
        const char *name = tir_result_col_name(r, out, c);
        if (c > 0)
            ob_char(o, ',');
        csv_field(o, name, strlen(name));
    }
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
        size_t len = utf8_len(s + i, n - i);
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

static void json_output(obuf *o, const tir_result *r, size_t out, colview *cols, size_t ncols)
{
    size_t nbatches = tir_result_nbatches(r, out);
    const char *oname = tir_result_output_name(r, out);
    bool first = true;
    cell v;

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
                else if (v.is_str || cols[c].type == TIR_DATE)
                    json_string(o, v.text, v.len);
                else
                    ob_write(o, v.text, v.len);
            }
            ob_char(o, ']');
        }
    }
    ob_str(o, first ? "]\n}" : "\n  ]\n}");
}

/* ---- driver ----------------------------------------------------------- */

bool fmt_result(FILE *f, const tir_result *r, fmt_kind kind)
{
    size_t nout = tir_result_noutputs(r);
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

    if (kind == FMT_JSON && nout != 1)
        ob_char(o, '[');
    for (size_t i = 0; i < nout; i++) {
        size_t ncols = tir_result_ncols(r, i);
        for (size_t c = 0; c < ncols; c++)
            cols[c].type = tir_result_col_type(r, i, c);
        switch (kind) {
        case FMT_TABLE:
            if (i > 0)
                ob_char(o, '\n');
            table_output(o, r, i, cols, width, ncols);
            break;
        case FMT_CSV:
            if (i > 0)
                ob_char(o, '\n');
            csv_output(o, r, i, cols, ncols);
            break;
        case FMT_JSON:
            if (nout != 1)
                ob_str(o, i > 0 ? ",\n" : "\n");
            json_output(o, r, i, cols, ncols);
            break;
        }
    }
    if (kind == FMT_JSON)
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
