/*
** allocfail.h — allocation-failure injection for tests/allocfail/sweep.c.
**
** The harness is linked with -Wl,--wrap=malloc,... (tests/allocfail/
** meson.build), so every allocation the library makes goes through
** allocfail.c: counted while armed, the N-th (and with "persistent" every
** later one) fails as a real one would, the others go to the real
** allocator, so AddressSanitizer and LeakSanitizer still see them. The
** library itself is compiled exactly as it ships.
**
** Counted: malloc calloc realloc strdup strndup posix_memalign
** aligned_alloc realpath opendir newlocale (all ENOMEM), mmap mmap64
** mremap (MAP_FAILED, ENOMEM), mprotect (-1, ENOMEM: making reserved
** pages writable charges them) and pthread_create (EAGAIN). Mappings are
** also tracked so a leaked one is found (LeakSanitizer ignores mmap).
*/
#ifndef ALLOCFAIL_H
#define ALLOCFAIL_H

#include <stdbool.h>

/* Starts counting; fail_at 0 = count only. */
void af_arm(long fail_at, bool persistent);
void af_disarm(void);
/* Allocations counted since af_arm, and how many of them were failed. */
long af_count(void);
long af_failed(void);
/* Mappings made through the wrappers and not unmapped (any time). */
long af_live_maps(void);

#endif
