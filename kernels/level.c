/*
** level.c — which kernels this build runs, for tir_kernels() and
** tirrun --version: chosen at run time (dispatch.h), or compiled for one
** target (-Dnative=true, or -Ddispatch=false: simde's portable paths).
*/
#include "dispatch.h"

const char *k_kernels_built(void)
{
#if defined(K_DISPATCHED)
    switch (k_cpu_level()) {
    case 4: return "x86-64-v4 (AVX-512), chosen at run time";
    case 3: return "x86-64-v3 (AVX2), chosen at run time";
    default: return "x86-64 (SSE2), chosen at run time";
    }
#elif defined(K_NATIVE)
    return "compiled for this build machine's CPU (-march=native)";
#else
    return "x86-64 (SSE2) only: SIMD dispatch off";
#endif
}
