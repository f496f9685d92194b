/*
** dispatch.h — choosing the kernels at run time. A build with the meson
** option dispatch (the default) compiles every kernel file three times,
** for x86-64 levels 1 (SSE2), 3 (AVX2) and 4 (AVX-512), each name given the
** level's suffix (krename.h, generated); kdispatch.c (generated) makes each
** kernel name an ifunc whose resolver, run once when the program is
** loaded, picks the best level the CPU has. Calls then cost what a call to
** a shared library function does, and no kernel's caller knows of it.
*/
#ifndef K_DISPATCH_H
#define K_DISPATCH_H

#include <stdbool.h>

/* Code a resolver runs is not instrumented: it runs while the program is
** being relocated, before a sanitizer's runtime has mapped its shadow. */
#define K_EARLY __attribute__((no_sanitize("address", "thread", "undefined")))

static inline K_EARLY void k_cpuid(unsigned leaf, unsigned sub, unsigned *a, unsigned *b, unsigned *c, unsigned *d)
{
    unsigned ra, rb, rc, rd;   /* registers, not memory: nothing to instrument */
    __asm__("cpuid" : "=a"(ra), "=b"(rb), "=c"(rc), "=d"(rd) : "a"(leaf), "c"(sub));
    *a = ra, *b = rb, *c = rc, *d = rd;
}

/* The x86-64 level of the CPU: 4, 3 or 1 (the levels kernels are built
** for), asked of the CPU itself (__builtin_cpu_supports reads a table
** libgcc fills in a constructor, and an instrumented build reads it
** through the sanitizer). A level counts only if the operating system
** saves its registers (XCR0). */
static inline K_EARLY int k_cpu_level(void)
{
    unsigned a, b, c, d, maxleaf, c1, b7, c81;
    k_cpuid(0, 0, &maxleaf, &b, &c, &d);
    if (maxleaf < 7)
        return 1;
    k_cpuid(1, 0, &a, &b, &c1, &d);
    k_cpuid(7, 0, &a, &b7, &c, &d);
    k_cpuid(0x80000001u, 0, &a, &b, &c81, &d);
    if (!(c1 & 1u << 27))   /* OSXSAVE: xgetbv is there */
        return 1;
    unsigned xlo, xhi;
    __asm__("xgetbv" : "=a"(xlo), "=d"(xhi) : "c"(0));
    (void)xhi;
#define K_BIT(r, n) (((r) >> (n)) & 1u)
    bool v3 = (xlo & 0x6) == 0x6 && K_BIT(c1, 12) /* fma */ && K_BIT(c1, 22) /* movbe */ && K_BIT(c1, 28) /* avx */ &&
              K_BIT(c1, 29) /* f16c */ && K_BIT(b7, 3) /* bmi */ && K_BIT(b7, 5) /* avx2 */ && K_BIT(b7, 8) /* bmi2 */ &&
              K_BIT(c81, 5) /* lzcnt */;
    bool v4 = v3 && (xlo & 0xe0) == 0xe0 && K_BIT(b7, 16) /* avx512f */ && K_BIT(b7, 17) /* dq */ &&
              K_BIT(b7, 28) /* cd */ && K_BIT(b7, 30) /* bw */ && K_BIT(b7, 31) /* vl */;
#undef K_BIT
    return v4 ? 4 : v3 ? 3 : 1;
}

/* Asked once per program: cpuid traps to the hypervisor in a virtual
** machine, and each of the 348 resolvers asking cost 1.7 ms at start. */
static inline K_EARLY int k_cpu_level_once(void)
{
    static int level;   /* 0 until asked; written while the program is relocated */
    if (!level)
        level = k_cpu_level();
    return level;
}

#define K_DISPATCH(name)                                                                                    \
    extern void name##_v1(void), name##_v3(void), name##_v4(void);                                          \
    static K_EARLY __attribute__((used)) void (*name##_resolve(void))(void)                                 \
    {                                                                                                       \
        int level = k_cpu_level_once();                                                                     \
        return level == 4 ? name##_v4 : level == 3 ? name##_v3 : name##_v1;                                 \
    }                                                                                                       \
    void name(void) __attribute__((ifunc(#name "_resolve")));

/* What runs, for tir_kernels(): "x86-64-v4 (AVX-512, chosen at run time)". */
const char *k_kernels_built(void);

#endif
