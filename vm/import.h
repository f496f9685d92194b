/*
** import.h — what the import and describe commands (import.c) need from
** the engine (engine.c).
*/
#ifndef VM_IMPORT_H
#define VM_IMPORT_H

#include "tir.h"
#include "par.h"

/* Sets the message tir_engine_errmsg() returns. */
void vm_engine_set_error(tir_engine *e, const char *msg);
/* Threads the engine may use (tir_config.threads, resolved). */
int vm_engine_threads(const tir_engine *e);
vm_pool *vm_engine_pool(const tir_engine *e);
/* Whether the engine may read (write = false) or write path
** (tir_config.allowed_dirs, read_only); err says why not. */
bool vm_engine_may(const tir_engine *e, const char *path, bool write, char *err, size_t errlen);
/* The engine's memory limit in bytes (0: none). */
uint64_t vm_engine_memory_limit(const tir_engine *e);

#endif
