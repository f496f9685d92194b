/*
** version.c — tir_version(): the version the library was built as, which a
** program may compare with the TIR_VERSION it was compiled against.
*/
#include "tir.h"

const char *tir_version(void)
{
    return TIR_VERSION;
}
