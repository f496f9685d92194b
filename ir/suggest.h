/*
** suggest.h — "did you mean": the known name a misspelled one most likely
** stands for, by edit distance.
*/
#ifndef IR_SUGGEST_H
#define IR_SUGGEST_H

#include <stddef.h>

/* The candidate closest to name: at most 1 edit away for names of up to 4
** characters, 2 for longer ones, or one that name begins with (uppercase ->
** upper); NULL when none is (or name is itself a candidate). Names that
** differ only in trailing digits (v1, v9) are not suggested for each other. */
const char *ir_closest(const char *name, const char *const *cands, size_t n);

#endif
