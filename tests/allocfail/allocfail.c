/*
** allocfail.c — the --wrap'ed allocators of allocfail.h. Only the test
** harness links this; the library is the one that ships.
*/
#define _GNU_SOURCE
#include "allocfail.h"

#include <dirent.h>
#include <errno.h>
#include <locale.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
char *__real_strndup(const char *s, size_t n);
int __real_posix_memalign(void **p, size_t align, size_t n);
void *__real_aligned_alloc(size_t align, size_t n);
char *__real_realpath(const char *path, char *resolved);
DIR *__real_opendir(const char *name);
locale_t __real_newlocale(int mask, const char *name, locale_t base);
void *__real_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off);
void *__real_mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off);
void *__real_mremap(void *old, size_t old_len, size_t new_len, int flags, ...);
int __real_munmap(void *addr, size_t len);
int __real_mprotect(void *addr, size_t len, int prot);
int __real_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg);

/* In the sanitizer runtimes; NULL without them. */
extern void __sanitizer_print_stack_trace(void) __attribute__((weak));

static atomic_bool armed;
static atomic_long counter, failed, fail_at;
static atomic_bool persistent;

void af_arm(long n, bool persist)
{
    atomic_store(&counter, 0);
    atomic_store(&failed, 0);
    atomic_store(&fail_at, n);
    atomic_store(&persistent, persist);
    atomic_store(&armed, true);
}

void af_disarm(void)
{
    atomic_store(&armed, false);
}

long af_count(void)
{
    return atomic_load(&counter);
}

long af_failed(void)
{
    return atomic_load(&failed);
}

/* Counts one allocation; true when it must fail. */
static bool fail_now(void)
{
    if (!atomic_load(&armed))
        return false;
    long n = atomic_fetch_add(&counter, 1) + 1, at = atomic_load(&fail_at);
    if (at <= 0 || (n != at && !(atomic_load(&persistent) && n > at)))
        return false;
    atomic_fetch_add(&failed, 1);
    if (getenv("AF_BACKTRACE") && __sanitizer_print_stack_trace)   /* debugging: where it failed */
        __sanitizer_print_stack_trace();
    return true;
}

#define FAIL_IF(value, err)                                                                        \
    do {                                                                                           \
        if (fail_now()) {                                                                          \
            errno = (err);                                                                         \
            return (value);                                                                        \
        }                                                                                          \
    } while (0)

void *__wrap_malloc(size_t n)
{
    FAIL_IF(NULL, ENOMEM);
    return __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
    FAIL_IF(NULL, ENOMEM);
    return __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
    FAIL_IF(NULL, ENOMEM);
    return __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
    FAIL_IF(NULL, ENOMEM);
    return __real_strdup(s);
}

char *__wrap_strndup(const char *s, size_t n)
{
    FAIL_IF(NULL, ENOMEM);
    return __real_strndup(s, n);
}

int __wrap_posix_memalign(void **p, size_t align, size_t n)
{
    FAIL_IF(ENOMEM, ENOMEM);
    return __real_posix_memalign(p, align, n);
}

void *__wrap_aligned_alloc(size_t align, size_t n)
{
    FAIL_IF(NULL, ENOMEM);
    return __real_aligned_alloc(align, n);
}

/* Only the allocating form: realpath into a caller's buffer cannot run out. */
char *__wrap_realpath(const char *path, char *resolved)
{
    if (!resolved)
        FAIL_IF(NULL, ENOMEM);
    return __real_realpath(path, resolved);
}

DIR *__wrap_opendir(const char *name)
{
    FAIL_IF(NULL, ENOMEM);
    return __real_opendir(name);
}

locale_t __wrap_newlocale(int mask, const char *name, locale_t base)
{
    FAIL_IF((locale_t)0, ENOMEM);
    return __real_newlocale(mask, name, base);
}

int __wrap_pthread_create(pthread_t *t, const pthread_attr_t *attr, void *(*fn)(void *), void *arg)
{
    FAIL_IF(EAGAIN, EAGAIN);
    return __real_pthread_create(t, attr, fn, arg);
}

/* ---- mappings: counted like allocations, and tracked ----------------------- */

enum { MAXMAPS = 4096 };
static struct { void *addr; size_t len; } maps[MAXMAPS];
static long nmaps;
static pthread_mutex_t maps_mu = PTHREAD_MUTEX_INITIALIZER;

static void map_add(void *addr, size_t len)
{
    pthread_mutex_lock(&maps_mu);
    if (nmaps < MAXMAPS)
        maps[nmaps++].addr = addr, maps[nmaps - 1].len = len;
    pthread_mutex_unlock(&maps_mu);
}

/* Forgets the mapping at addr. */
static void map_del(void *addr)
{
    pthread_mutex_lock(&maps_mu);
    for (long i = 0; i < nmaps; i++)
        if (maps[i].addr == addr) {
            maps[i] = maps[--nmaps];
            break;
        }
    pthread_mutex_unlock(&maps_mu);
}

long af_live_maps(void)
{
    pthread_mutex_lock(&maps_mu);
    long n = nmaps;
    pthread_mutex_unlock(&maps_mu);
    return n;
}

void *__wrap_mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    FAIL_IF(MAP_FAILED, ENOMEM);
    void *p = __real_mmap(addr, len, prot, flags, fd, off);
    if (p != MAP_FAILED)
        map_add(p, len);
    return p;
}

void *__wrap_mmap64(void *addr, size_t len, int prot, int flags, int fd, off_t off)
{
    FAIL_IF(MAP_FAILED, ENOMEM);
    void *p = __real_mmap64(addr, len, prot, flags, fd, off);
    if (p != MAP_FAILED)
        map_add(p, len);
    return p;
}

void *__wrap_mremap(void *old, size_t old_len, size_t new_len, int flags, ...)
{
    FAIL_IF(MAP_FAILED, ENOMEM);
    void *want = NULL;
    if (flags & MREMAP_FIXED) {
        va_list ap;
        va_start(ap, flags);
        want = va_arg(ap, void *);
        va_end(ap);
    }
    void *p = __real_mremap(old, old_len, new_len, flags, want);
    if (p != MAP_FAILED) {
        map_del(old);
        map_del(p); /* moved onto (the start of) a mapping already tracked */
        map_add(p, new_len);
    }
    return p;
}

int __wrap_mprotect(void *addr, size_t len, int prot)
{
    FAIL_IF(-1, ENOMEM);
    return __real_mprotect(addr, len, prot);
}

int __wrap_munmap(void *addr, size_t len)
{
    int r = __real_munmap(addr, len);
    if (r == 0)
        map_del(addr);
    return r;
}
