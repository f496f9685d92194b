/*
** par.h — running one function on several threads at once: fn(arg, t) for
** t = 0..n-1, t = 0 on the calling thread, the others on the engine's
** pool of worker threads (started once, kept until the engine is freed).
** The caller takes back any share no worker has picked up yet (the pool
** may be busy with another run's shares), so the work is always done and
** a share never waits for a free thread; shares must not wait for each
** other. A NULL pool starts threads for the call (tests of internals).
** A pool made for an embedder's threads starts none: threads it lends
** (vm_pool_lend) do the workers' shares, and the caller does the rest.
*/
#ifndef VM_PAR_H
#define VM_PAR_H

typedef struct vm_pool vm_pool;

#include <stdbool.h>

/* nworkers threads besides the callers, started on first use; with
** external, none (vm_pool_lend). NULL when out of memory. */
vm_pool *vm_pool_new(int nworkers, bool external);
/* Runs shares on the calling thread until the pool is freed. */
void vm_pool_lend(vm_pool *p);
/* Threads in vm_pool_lend now. */
int vm_pool_lent(vm_pool *p);
/* After every vm_par_run on it has returned; returns the lent threads
** (waits until each has left the pool). */
void vm_pool_free(vm_pool *p);

void vm_par_run(vm_pool *pool, int n, void (*fn)(void *arg, int t), void *arg);

#endif
