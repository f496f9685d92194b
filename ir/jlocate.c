/*
** jlocate.c — ir_jlocate: where a node of a JSON program lies in its text.
** jansson keeps no positions, and keeping one per node while reading would
** cost memory for every plan; a diagnostic only needs the few nodes it
** names. So the text is walked again, lexically, along the node's JSON
** path: members and elements before the one wanted are skipped whole
** (strings, numbers, nested values), and the value at the end of the path
** is the node's text. Linear in the text's length, once per diagnostic
** rendered (as ir_linecol is). The text is the one jansson accepted, so it
** is well-formed; the walk still stops short, at the deepest node it
** found, rather than read past the end of anything.
*/
#include "diag.h"

#include <string.h>

static size_t skip_ws(const char *s, size_t n, size_t i)
{
    while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
        i++;
    return i;
}

/* i at an opening quote: the index past the closing one. */
static size_t skip_string(const char *s, size_t n, size_t i)
{
    for (i++; i < n && s[i] != '"'; i++)
        if (s[i] == '\\')
            i++;
    return i < n ? i + 1 : n;
}

/* i at a value's first byte: the index past its last. Nested arrays and
** objects by a depth count, not recursion: a plan may nest 2000 deep. */
static size_t skip_value(const char *s, size_t n, size_t i)
{
    if (i >= n)
        return n;
    if (s[i] == '"')
        return skip_string(s, n, i);
    if (s[i] != '[' && s[i] != '{') {
        while (i < n && !strchr(",]} \t\r\n", s[i]))
            i++;
        return i;
    }
    size_t depth = 0;
    while (i < n) {
        char c = s[i];
        if (c == '"') {
            i = skip_string(s, n, i);
            continue;
        }
        i++;
        if (c == '[' || c == '{')
            depth++;
        else if ((c == ']' || c == '}') && --depth == 0)
            break;
    }
    return i;
}

static int hex4(const char *s)
{
    int v = 0;
    for (int k = 0; k < 4; k++) {
        char c = s[k];
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
        if (d < 0)
            return -1;
        v = v * 16 + d;
    }
    return v;
}

/* The string token [i, end) (quotes included) decoded equals key: keys
** come from jansson decoded, escapes (\u00e9, surrogate pairs) included. */
static bool key_is(const char *s, size_t i, size_t end, const char *key)
{
    size_t k = 0;
    end = end > i + 1 ? end - 1 : i + 1;   /* before the closing quote */
    for (i++; i < end;) {
        if (s[i] != '\\') {
            if (key[k++] != s[i++])
                return false;
            continue;
        }
        if (i + 1 >= end)
            return false;
        char c = s[i + 1];
        const char *plain = strchr("\"\\/bfnrt", c);
        if (plain && c) {
            static const char decoded[] = "\"\\/\b\f\n\r\t";
            if (key[k++] != decoded[plain - "\"\\/bfnrt"])
                return false;
            i += 2;
            continue;
        }
        if (c != 'u' || i + 6 > end)
            return false;
        long cp = hex4(s + i + 2);
        i += 6;
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 <= end && s[i] == '\\' && s[i + 1] == 'u') {
            long lo = hex4(s + i + 2);
            if (lo >= 0xDC00 && lo <= 0xDFFF) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                i += 6;
            }
        }
        if (cp < 0)
            return false;
        unsigned char u[4];
        int len = cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
        if (len == 1) {
            u[0] = (unsigned char)cp;
        } else {
            for (int b = len - 1; b > 0; b--, cp >>= 6)
                u[b] = (unsigned char)(0x80 | (cp & 0x3F));
            u[0] = (unsigned char)((len == 2 ? 0xC0 : len == 3 ? 0xE0 : 0xF0) | cp);
        }
        for (int b = 0; b < len; b++)
            if ((unsigned char)key[k++] != u[b])
                return false;
    }
    return key[k] == 0;
}

/* i at the value of a step's parent: the index of the step's value, or n
** when the text has no such member or element. */
static size_t step(const char *s, size_t n, size_t i, const ir_jnode *j)
{
    if (j->index >= 0) {
        if (i >= n || s[i] != '[')
            return n;
        i = skip_ws(s, n, i + 1);
        for (int32_t k = 0; k < j->index; k++) {
            i = skip_ws(s, n, skip_value(s, n, i));
            if (i >= n || s[i] != ',')
                return n;
            i = skip_ws(s, n, i + 1);
        }
        return i < n && s[i] != ']' ? i : n;
    }
    if (i >= n || s[i] != '{' || !j->key)
        return n;
    for (i = skip_ws(s, n, i + 1); i < n && s[i] == '"'; i = skip_ws(s, n, i + 1)) {
        size_t end = skip_string(s, n, i);
        bool found = key_is(s, i, end, j->key);
        i = skip_ws(s, n, end);
        if (i >= n || s[i] != ':')
            return n;
        i = skip_ws(s, n, i + 1);
        if (found)
            return i;
        i = skip_ws(s, n, skip_value(s, n, i));
        if (i >= n || s[i] != ',')
            return n;
    }
    return n;
}

/* Steps of the path kept on the stack; a deeper node's ancestor at each
** depth is found by walking up from it (no allocation that could fail and
** change a message: a plan nests at most 2048 deep, jansson's limit). */
#define CHAIN 256

/* The ancestor of node (depth steps below the root) at depth d. */
static uint32_t ancestor(const ir_jpaths *paths, uint32_t node, uint32_t depth, uint32_t d)
{
    for (; depth > d; depth--)
        node = paths->v[node].parent;
    return node;
}

bool ir_jlocate(const char *json, size_t len, const ir_jpaths *paths, uint32_t node, ir_span *at)
{
    if (!json || !paths || node >= paths->n || len >= UINT32_MAX)
        return false;
    uint32_t depth = 0;   /* parents have smaller numbers: the walk ends at the root, 0 */
    for (uint32_t k = node; k != 0; k = paths->v[k].parent)
        depth++;
    uint32_t chain[CHAIN];
    if (depth <= CHAIN) {
        uint32_t d = depth;
        for (uint32_t k = node; k != 0; k = paths->v[k].parent)
            chain[--d] = k;
    }
    size_t i = len >= 3 && !memcmp(json, "\xEF\xBB\xBF", 3) ? 3 : 0;
    i = skip_ws(json, len, i);
    for (uint32_t d = 0; d < depth && i < len; d++) {
        uint32_t k = depth <= CHAIN ? chain[d] : ancestor(paths, node, depth, d + 1);
        size_t next = step(json, len, i, &paths->v[k]);
        if (next >= len)
            break;   /* the deepest node the text has */
        i = next;
    }
    if (i >= len)
        return false;
    size_t end = skip_value(json, len, i);
    *at = (ir_span){(uint32_t)i, (uint32_t)(end > i ? end - i : 1)};
    return true;
}
