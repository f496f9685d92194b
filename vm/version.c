/*
** version.c — tir_version(): the version the library was built as, which a
** program may compare with the TIR_VERSION it was compiled against, and
** tir_kernels(): the SIMD kernels it runs.
*/
#include "tir.h"
#include "dispatch.h"

const char *tir_version(void)
{
    return TIR_VERSION;
}

const char *tir_kernels(void)
{
    return k_kernels_built();
}
