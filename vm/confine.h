/*
** confine.h — which files an engine may touch: the directories of
** tir_config.allowed_dirs and tir_config.read_only, for embedders running
** plans they do not fully trust.
*/
#ifndef VM_CONFINE_H
#define VM_CONFINE_H

#include <stdbool.h>
#include <stddef.h>

typedef struct vm_confine {
    char **dirs;              /* canonical directories, owned; NULL: any path */
    int ndirs;                /* 0 with dirs != NULL: no file at all */
    bool read_only;
} vm_confine;

/* Copies and canonicalizes the NULL-terminated list dirs (NULL: no
** confinement). false when out of memory (errno ENOMEM) or a directory
** does not exist (err says which). */
bool vm_confine_init(vm_confine *c, const char *const *dirs, bool read_only, char *err, size_t errlen);
void vm_confine_free(vm_confine *c);
/* Whether path may be read (write = false) or written. Symlinks and ".."
** are resolved first (the parent directory, for a file not yet there), so
** neither lets a path out of the allowed directories. errno is ENOMEM
** when it failed for lack of memory (the path may well be allowed), else 0. */
bool vm_confine_check(const vm_confine *c, const char *path, bool write, char *err, size_t errlen);

#endif
