/*
** confine.c — the allowed directories of an engine. A path is checked by
** its canonical form (realpath: symlinks and ".." resolved), so a program
** cannot step out through "../" or a link planted inside an allowed
** directory. The check happens when a program is compiled and again when
** it runs; a link swapped while a run reads the file is outside what this
** can see (use a directory nobody else can write to).
*/
#include "confine.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool vm_confine_init(vm_confine *c, const char *const *dirs, bool read_only, char *err, size_t errlen)
{
    memset(c, 0, sizeof *c);
    c->read_only = read_only;
    if (!dirs)
        return true;
    int n = 0;
    while (dirs[n])
        n++;
    c->dirs = calloc((size_t)n + 1, sizeof *c->dirs);
    if (!c->dirs) {
        snprintf(err, errlen, "out of memory");
        errno = ENOMEM;
        return false;
    }
    for (int i = 0; i < n; i++) {
        char *real = realpath(dirs[i], NULL);
        if (!real) {
            int why = errno;
            snprintf(err, errlen, "allowed directory '%s': %s", dirs[i], strerror(why));
            vm_confine_free(c);
            errno = why;
            return false;
        }
        c->dirs[c->ndirs++] = real;
    }
    return true;
}

void vm_confine_free(vm_confine *c)
{
    for (int i = 0; i < c->ndirs; i++)
        free(c->dirs[i]);
    free(c->dirs);
    memset(c, 0, sizeof *c);
}

/* The canonical form of path, or of its directory plus its last name when
** the file does not exist yet (a table about to be written). */
static char *canonical(const char *path)
{
    char *real = realpath(path, NULL);
    if (real || errno != ENOENT)
        return real;
    const char *slash = strrchr(path, '/');
    const char *base = slash ? slash + 1 : path;
    if (!*base || !strcmp(base, ".") || !strcmp(base, ".."))
        return NULL;
    char *dir = slash ? strndup(path, (size_t)(slash - path) + (slash == path)) : strdup(".");
    char *rdir = dir ? realpath(dir, NULL) : NULL;
    free(dir);
    if (!rdir)
        return NULL;
    size_t n = strlen(rdir) + strlen(base) + 2;
    char *out = malloc(n);
    if (out)
        snprintf(out, n, "%s%s%s", rdir, strcmp(rdir, "/") ? "/" : "", base);
    free(rdir);
    return out;
}

static bool under(const char *path, const char *dir)
{
    size_t n = strlen(dir);
    if (!strcmp(dir, "/"))
        return true;
    return !strncmp(path, dir, n) && path[n] == '/';
}

bool vm_confine_check(const vm_confine *c, const char *path, bool write, char *err, size_t errlen)
{
    errno = 0;
    if (write && c->read_only) {
        snprintf(err, errlen, "cannot write %s: the engine is read-only", path);
        return false;
    }
    if (!c->dirs)
        return true;
    if (!c->ndirs) {
        snprintf(err, errlen, "cannot %s %s: the engine may not use files (no allowed directory)",
                 write ? "write" : "read", path);
        return false;
    }
    char *real = canonical(path);
    int why = real ? 0 : errno;
    bool ok = false;
    for (int i = 0; real && i < c->ndirs && !ok; i++)
        ok = under(real, c->dirs[i]);
    if (!ok)
        snprintf(err, errlen, "cannot %s %s: %s", write ? "write" : "read", path,
                 real ? "it is outside the directories the engine may use"
                      : why == ENOMEM ? "out of memory" : "the path does not resolve");
    free(real);
    errno = why == ENOMEM ? ENOMEM : 0;
    return ok;
}
