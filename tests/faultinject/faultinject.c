/*
** faultinject.c — an LD_PRELOAD shim for tests (never linked into tir):
** makes the N-th file-changing system call on matching paths fail, so a
** test can check that every failure of a table write or delete is
** reported and harmless (tests/faults.sh).
**
** Counted calls, on paths containing FI_MATCH (for fd calls: descriptors
** opened on such paths): open/openat/creat that create, write or open a
** directory; write, pwrite; fsync, fdatasync; ftruncate; close of a
** descriptor opened for writing; rename (either name); unlink, unlinkat;
** flock. Read-only opens, reads and mmap are left alone.
**
** Environment:
**   FI_MATCH  substring of the paths concerned; without it nothing is counted
**   FI_FAIL   N: the N-th counted call fails (1-based); unset or 0: count only
**   FI_ERRNO  EIO (default), ENOSPC, EDQUOT, EROFS, EACCES, or "short": the
**             N-th call, if a write, writes half its bytes and returns that
**             (then every later write fails with ENOSPC, as on a full disk)
**   FI_OPS    comma-separated kinds to count (default all): open write sync
**             truncate close rename unlink flock
**   FI_LOG    a file each counted call is appended to as "N kind path",
**             the failed one as "FAIL N kind path"
**   FI_SLOW   "SUBSTR:MS[:K]": sleep MS milliseconds before every open (or
**             only the K-th) of a path containing SUBSTR, after logging
**             "slow K path" (so a test knows a race window is open)
**   FI_SHORT_ALL  if set, every write on a matching descriptor writes only
**             half its bytes (at least one) without failing: callers must loop
*/
#define _GNU_SOURCE
/* Plain and 64-bit names are both defined here: no redirection of one to the other. */
#undef _FILE_OFFSET_BITS
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

enum { MAXFD = 4096 };
enum { FD_MATCH = 1, FD_WRITE = 2 };

static unsigned char fds[MAXFD];
static long counter;
static int disk_full;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;

#define REAL(name, ret, ...)                                                                       \
    static ret (*real_##name)(__VA_ARGS__);                                                       \
    if (!real_##name)                                                                              \
        real_##name = (ret(*)(__VA_ARGS__))dlsym(RTLD_NEXT, #name)

static const char *env(const char *k)
{
    const char *v = getenv(k);
    return v && *v ? v : NULL;
}

static int matches(const char *path)
{
    const char *m = env("FI_MATCH");
    return m && path && strstr(path, m);
}

/* The path a descriptor names (for unlinkat relative to a directory). */
static int fd_path(int fd, char *buf, size_t cap)
{
    char link[64];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, buf, cap - 1);
    if (n < 0)
        return 0;
    buf[n] = 0;
    return 1;
}

static int kind_counted(const char *kind)
{
    const char *ops = env("FI_OPS");
    if (!ops)
        return 1;
    size_t k = strlen(kind);
    for (const char *p = ops; *p;) {
        size_t n = strcspn(p, ",");
        if (n == k && !strncmp(p, kind, k))
            return 1;
        p += n + (p[n] == ',');
    }
    return 0;
}

static void log_line(const char *fmt, ...)
{
    const char *file = env("FI_LOG");
    if (!file)
        return;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n >= sizeof buf)
        n = sizeof buf - 1;
    REAL(open, int, const char *, int, ...);
    REAL(write, ssize_t, int, const void *, size_t);
    REAL(close, int, int);
    int fd = real_open(file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0)
        return;
    real_write(fd, buf, (size_t)n);
    real_close(fd);
}

static int fail_errno(void)
{
    const char *e = env("FI_ERRNO");
    if (!e || !strcmp(e, "EIO"))
        return EIO;
    if (!strcmp(e, "ENOSPC") || !strcmp(e, "short"))
        return ENOSPC;
    if (!strcmp(e, "EDQUOT"))
        return EDQUOT;
    if (!strcmp(e, "EROFS"))
        return EROFS;
    if (!strcmp(e, "EACCES"))
        return EACCES;
    return EIO;
}

/* Counts a call; returns 1 when this one must fail. */
static int count(const char *kind, const char *path)
{
    if (!kind_counted(kind))
        return 0;
    pthread_mutex_lock(&mu);
    long n = ++counter;
    pthread_mutex_unlock(&mu);
    const char *f = env("FI_FAIL");
    long target = f ? atol(f) : 0;
    int hit = target > 0 && n == target;
    log_line("%s%ld %s %s\n", hit ? "FAIL " : "", n, kind, path ? path : "?");
    return hit;
}

static void fd_set_flags(int fd, unsigned char flags)
{
    if (fd >= 0 && fd < MAXFD)
        __atomic_store_n(&fds[fd], flags, __ATOMIC_RELAXED);
}

static unsigned char fd_flags(int fd)
{
    return fd >= 0 && fd < MAXFD ? __atomic_load_n(&fds[fd], __ATOMIC_RELAXED) : 0;
}

static void fd_desc(int fd, char *buf, size_t cap)
{
    if (!fd_path(fd, buf, cap))
        snprintf(buf, cap, "fd %d", fd);
}

/* FI_SLOW: "SUBSTR:MS" or "SUBSTR:MS:K" (only the K-th such open). */
static void maybe_slow(const char *path)
{
    static long seen;
    const char *s = env("FI_SLOW");
    if (!s || !path)
        return;
    char sub[256];
    size_t n = strcspn(s, ":");
    if (n >= sizeof sub || !s[n])
        return;
    memcpy(sub, s, n);
    sub[n] = 0;
    if (!strstr(path, sub))
        return;
    char *end;
    long ms = strtol(s + n + 1, &end, 10);
    long k = *end == ':' ? atol(end + 1) : 0;
    long now = __atomic_add_fetch(&seen, 1, __ATOMIC_RELAXED);
    if (k && now != k)
        return;
    log_line("slow %ld %s\n", now, path);
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    nanosleep(&ts, NULL);
}

/* ---- opens ---------------------------------------------------------------- */
static int open_common(int dirfd, const char *path, int flags, mode_t mode, int at)
{
    REAL(openat, int, int, const char *, int, ...);
    int writes = (flags & (O_WRONLY | O_RDWR | O_CREAT | O_TRUNC)) != 0;
    int m = matches(path);
    if (m && (writes || (flags & O_DIRECTORY)) && count("open", path)) {
        errno = fail_errno();
        return -1;
    }
    maybe_slow(path);
    int fd = real_openat(at ? dirfd : AT_FDCWD, path, flags, mode);
    if (fd >= 0)
        fd_set_flags(fd, m ? (unsigned char)(FD_MATCH | ((flags & (O_WRONLY | O_RDWR)) ? FD_WRITE : 0)) : 0);
    return fd;
}

#define MODE_ARG(flags)                                                                            \
    mode_t mode = 0;                                                                               \
    if (((flags) & O_CREAT) || ((flags) & O_TMPFILE) == O_TMPFILE) {                                                       \
        va_list ap;                                                                                \
        va_start(ap, flags);                                                                       \
        mode = (mode_t)va_arg(ap, int);                                                            \
        va_end(ap);                                                                                \
    }

int open(const char *path, int flags, ...)
{
    MODE_ARG(flags);
    return open_common(AT_FDCWD, path, flags, mode, 0);
}

int open64(const char *path, int flags, ...)
{
    MODE_ARG(flags);
    return open_common(AT_FDCWD, path, flags, mode, 0);
}

int openat(int dirfd, const char *path, int flags, ...)
{
    MODE_ARG(flags);
    return open_common(dirfd, path, flags, mode, 1);
}

int openat64(int dirfd, const char *path, int flags, ...)
{
    MODE_ARG(flags);
    return open_common(dirfd, path, flags, mode, 1);
}

int __open_2(const char *path, int flags)
{
    return open_common(AT_FDCWD, path, flags, 0, 0);
}

int __open64_2(const char *path, int flags)
{
    return open_common(AT_FDCWD, path, flags, 0, 0);
}

int creat(const char *path, mode_t mode)
{
    return open_common(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode, 0);
}

int creat64(const char *path, mode_t mode)
{
    return open_common(AT_FDCWD, path, O_CREAT | O_WRONLY | O_TRUNC, mode, 0);
}

/* ---- descriptor calls ------------------------------------------------------ */

/* Whether a write of len bytes on fd fails (-1), or how many bytes to write. */
static ssize_t write_plan(int fd, size_t len)
{
    if (!(fd_flags(fd) & FD_MATCH) || !len)
        return (ssize_t)len;
    char p[512];
    fd_desc(fd, p, sizeof p);
    if (count("write", p)) {
        const char *e = env("FI_ERRNO");
        if (e && !strcmp(e, "short") && len > 1) {
            disk_full = 1;
            return (ssize_t)(len / 2);
        }
        errno = fail_errno();
        return -1;
    }
    if (disk_full) {
        errno = ENOSPC;
        return -1;
    }
    if (env("FI_SHORT_ALL") && len > 1)
        return (ssize_t)(len / 2);
    return (ssize_t)len;
}

ssize_t write(int fd, const void *buf, size_t len)
{
    REAL(write, ssize_t, int, const void *, size_t);
    ssize_t n = write_plan(fd, len);
    return n < 0 ? -1 : real_write(fd, buf, (size_t)n);
}

ssize_t pwrite(int fd, const void *buf, size_t len, off_t off)
{
    REAL(pwrite, ssize_t, int, const void *, size_t, off_t);
    ssize_t n = write_plan(fd, len);
    return n < 0 ? -1 : real_pwrite(fd, buf, (size_t)n, off);
}

ssize_t pwrite64(int fd, const void *buf, size_t len, off_t off)
{
    REAL(pwrite64, ssize_t, int, const void *, size_t, off_t);
    ssize_t n = write_plan(fd, len);
    return n < 0 ? -1 : real_pwrite64(fd, buf, (size_t)n, off);
}

static int fd_fails(int fd, const char *kind)
{
    if (!(fd_flags(fd) & FD_MATCH))
        return 0;
    char p[512];
    fd_desc(fd, p, sizeof p);
    return count(kind, p);
}

int fsync(int fd)
{
    REAL(fsync, int, int);
    if (fd_fails(fd, "sync")) {
        errno = fail_errno();
        return -1;
    }
    return real_fsync(fd);
}

int fdatasync(int fd)
{
    REAL(fdatasync, int, int);
    if (fd_fails(fd, "sync")) {
        errno = fail_errno();
        return -1;
    }
    return real_fdatasync(fd);
}

int ftruncate(int fd, off_t len)
{
    REAL(ftruncate, int, int, off_t);
    if (fd_fails(fd, "truncate")) {
        errno = fail_errno();
        return -1;
    }
    return real_ftruncate(fd, len);
}

int ftruncate64(int fd, off_t len)
{
    REAL(ftruncate64, int, int, off_t);
    if (fd_fails(fd, "truncate")) {
        errno = fail_errno();
        return -1;
    }
    return real_ftruncate64(fd, len);
}

int flock(int fd, int op)
{
    REAL(flock, int, int, int);
    if (!(op & LOCK_UN) && fd_fails(fd, "flock")) {
        errno = fail_errno() == ENOSPC ? ENOLCK : fail_errno();
        return -1;
    }
    return real_flock(fd, op);
}

/* A failing close still closes (as on NFS, where close reports a failed write-back). */
int close(int fd)
{
    REAL(close, int, int);
    unsigned char f = fd_flags(fd);
    int hit = 0;
    if ((f & FD_MATCH) && (f & FD_WRITE))
        hit = fd_fails(fd, "close");
    fd_set_flags(fd, 0);
    int r = real_close(fd);
    if (hit) {
        errno = fail_errno();
        return -1;
    }
    return r;
}

/* ---- names ---------------------------------------------------------------- */
int rename(const char *from, const char *to)
{
    REAL(rename, int, const char *, const char *);
    if (matches(from) || matches(to)) {
        char p[1024];
        snprintf(p, sizeof p, "%s -> %s", from, to);
        if (count("rename", p)) {
            errno = fail_errno();
            return -1;
        }
    }
    return real_rename(from, to);
}

int renameat(int fd1, const char *from, int fd2, const char *to)
{
    REAL(renameat, int, int, const char *, int, const char *);
    if (matches(from) || matches(to)) {
        char p[1024];
        snprintf(p, sizeof p, "%s -> %s", from, to);
        if (count("rename", p)) {
            errno = fail_errno();
            return -1;
        }
    }
    return real_renameat(fd1, from, fd2, to);
}

int unlink(const char *path)
{
    REAL(unlink, int, const char *);
    if (matches(path) && count("unlink", path)) {
        errno = fail_errno();
        return -1;
    }
    return real_unlink(path);
}

int unlinkat(int dirfd, const char *path, int flags)
{
    REAL(unlinkat, int, int, const char *, int);
    char p[1024] = "";
    if (path[0] != '/' && dirfd != AT_FDCWD && fd_path(dirfd, p, sizeof p - 1))
        strncat(p, "/", sizeof p - strlen(p) - 1);
    strncat(p, path, sizeof p - strlen(p) - 1);
    if (matches(p) && count("unlink", p)) {
        errno = fail_errno();
        return -1;
    }
    return real_unlinkat(dirfd, path, flags);
}
