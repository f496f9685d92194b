/*
** fuzz_repl_input.c — libFuzzer harness for the REPL's test of whether an
** input is complete or needs more lines (tirrun/input.c). The input is
** handed over in a buffer of exactly its size, with no NUL after it, so
** AddressSanitizer sees any read past the end.
*/
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = malloc(size ? size : 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    volatile bool complete = repl_input_complete(s, size);
    (void)complete;
    free(s);
    return 0;
}
