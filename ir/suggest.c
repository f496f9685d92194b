/*
** suggest.c — the closest known name to a misspelled one (Levenshtein
** distance over bytes, case-insensitive), for "did you mean" in messages.
*/
#include "suggest.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>

enum { FAR = 3, LONGEST = 64 };

/* Edit distance of a and b, or FAR when it is FAR or more. */
static int distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > LONGEST || lb > LONGEST || (la > lb ? la - lb : lb - la) >= FAR)
        return FAR;
    int row[LONGEST + 1];
    for (size_t j = 0; j <= lb; j++)
        row[j] = (int)j;
    for (size_t i = 1; i <= la; i++) {
        int diag = row[0];
        row[0] = (int)i;
        for (size_t j = 1; j <= lb; j++) {
            int up = row[j];
            int best = diag + (tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]));
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            diag = up;
            row[j] = best;
        }
    }
    return row[lb] < FAR ? row[lb] : FAR;
}

/* a and b differ only in their trailing digits (v1, v9): siblings, not typos */
static bool numbered_siblings(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    while (la && isdigit((unsigned char)a[la - 1]))
        la--;
    while (lb && isdigit((unsigned char)b[lb - 1]))
        lb--;
    return la == lb && la < strlen(a) && lb < strlen(b) && !strncmp(a, b, la);
}

const char *ir_closest(const char *name, const char *const *cands, size_t n)
{
    const char *best = NULL;
    int bd = FAR;
    for (size_t i = 0; i < n; i++) {
        if (!cands[i] || numbered_siblings(name, cands[i]))
            continue;
        if (!strcmp(name, cands[i]))
            return NULL;
        size_t len = strlen(cands[i]);
        int d = distance(name, cands[i]);
        if (d > (len <= 4 ? 1 : 2))
            d = FAR;
        if (d == FAR && len >= 4 && !strncmp(name, cands[i], len))
            d = 2;
        if (d < bd) {
            bd = d;
            best = cands[i];
        }
    }
    return best;
}
