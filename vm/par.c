/*
** par.c — the engine's worker threads (par.h). A call to vm_par_run is a
** job of n shares in the pool's queue; workers and the caller claim shares
** under the pool's lock, and the caller waits only for shares a worker has
** claimed and is running.
*/
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "par.h"
#include "vm.h"

typedef struct par_job {
    void (*fn)(void *arg, int t);
    void *arg;
    int n;
    int next;                 /* the next share to claim */
    int running;              /* shares claimed by workers and not finished */
    struct par_job *qnext;    /* in the queue while it has shares to claim */
} par_job;

struct vm_pool {
    pthread_mutex_t mu;
    pthread_cond_t work;      /* a job was queued, or the pool is closing */
    pthread_cond_t done;      /* a worker finished a share, or a lent thread left */
    par_job *queue;           /* jobs with unclaimed shares, oldest first */
    bool closing;
    bool external;            /* the embedder's threads, lent: none started here */
    int nworkers, started;
    int lent;                 /* lent threads still in the pool */
    pthread_t tid[VM_MAX_WORKERS];
};

vm_pool *vm_pool_new(int nworkers, bool external)
{
    vm_pool *p = calloc(1, sizeof *p);
    if (!p)
        return NULL;
    if (pthread_mutex_init(&p->mu, NULL)) {
        free(p);
        return NULL;
    }
    if (pthread_cond_init(&p->work, NULL)) {
        pthread_mutex_destroy(&p->mu);
        free(p);
        return NULL;
    }
    if (pthread_cond_init(&p->done, NULL)) {
        pthread_cond_destroy(&p->work);
        pthread_mutex_destroy(&p->mu);
        free(p);
        return NULL;
    }
    p->nworkers = nworkers < 0 ? 0 : nworkers > VM_MAX_WORKERS ? VM_MAX_WORKERS : nworkers;
    p->external = external;
    return p;
}

/* A share of the oldest job, claimed; NULL when none. Lock held. */
static par_job *claim(vm_pool *p, int *t)
{
    par_job *j = p->queue;
    if (!j)
        return NULL;
    *t = j->next++;
    if (j->next == j->n)
        p->queue = j->qnext;
    return j;
}

/* A worker's life: shares as they come, until the pool closes. Lock held. */
static void work(vm_pool *p)
{
    for (;;) {
        int t;
        par_job *j = claim(p, &t);
        if (!j) {
            if (p->closing)
                break;
            pthread_cond_wait(&p->work, &p->mu);
            continue;
        }
        j->running++;
        pthread_mutex_unlock(&p->mu);
        j->fn(j->arg, t);
        pthread_mutex_lock(&p->mu);
        j->running--;
        pthread_cond_broadcast(&p->done);
    }
}

static void *worker_main(void *arg)
{
    vm_pool *p = arg;
    pthread_mutex_lock(&p->mu);
    work(p);
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

void vm_pool_lend(vm_pool *p)
{
    pthread_mutex_lock(&p->mu);
    p->lent++;
    work(p);
    p->lent--;
    pthread_cond_broadcast(&p->done);
    pthread_mutex_unlock(&p->mu);
}

int vm_pool_lent(vm_pool *p)
{
    pthread_mutex_lock(&p->mu);
    int n = p->lent;
    pthread_mutex_unlock(&p->mu);
    return n;
}

void vm_pool_free(vm_pool *p)
{
    if (!p)
        return;
    pthread_mutex_lock(&p->mu);
    p->closing = true;
    pthread_cond_broadcast(&p->work);
    while (p->lent)
        pthread_cond_wait(&p->done, &p->mu);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->started; i++)
        pthread_join(p->tid[i], NULL);
    pthread_cond_destroy(&p->done);
    pthread_cond_destroy(&p->work);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

/* Without a pool: a thread per share for this call. */
typedef struct solo_job {
    void (*fn)(void *arg, int t);
    void *arg;
    int t;
} solo_job;

static void *solo_main(void *p)
{
    solo_job *j = p;
    j->fn(j->arg, j->t);
    return NULL;
}

static void run_solo(int n, void (*fn)(void *arg, int t), void *arg)
{
    solo_job jobs[VM_MAX_WORKERS];
    pthread_t tid[VM_MAX_WORKERS];
    bool started[VM_MAX_WORKERS] = {false};
    for (int t = 1; t < n; t++) {
        jobs[t] = (solo_job){fn, arg, t};
        started[t] = pthread_create(&tid[t], NULL, solo_main, &jobs[t]) == 0;
    }
    fn(arg, 0);
    for (int t = 1; t < n; t++)
        if (started[t])
            pthread_join(tid[t], NULL);
        else
            fn(arg, t);
}

void vm_par_run(vm_pool *pool, int n, void (*fn)(void *arg, int t), void *arg)
{
    if (n > VM_MAX_WORKERS)
        n = VM_MAX_WORKERS;
    if (n <= 1) {
        fn(arg, 0);
        return;
    }
    if (!pool) {
        run_solo(n, fn, arg);
        return;
    }
    par_job j = {fn, arg, n, 1, 0, NULL};
    pthread_mutex_lock(&pool->mu);
    /* workers start on first use, as many as this job can use */
    while (!pool->external && pool->started < pool->nworkers && pool->started < n - 1 &&
           pthread_create(&pool->tid[pool->started], NULL, worker_main, pool) == 0)
        pool->started++;
    par_job **tail = &pool->queue;
    while (*tail)
        tail = &(*tail)->qnext;
    *tail = &j;
    pthread_cond_broadcast(&pool->work);
    pthread_mutex_unlock(&pool->mu);

    fn(arg, 0);
    pthread_mutex_lock(&pool->mu);
    while (j.next < j.n) {   /* shares no worker took: ours */
        int t = j.next++;
        if (j.next == j.n) {
            par_job **link = &pool->queue;
            while (*link != &j)
                link = &(*link)->qnext;
            *link = j.qnext;
        }
        pthread_mutex_unlock(&pool->mu);
        fn(arg, t);
        pthread_mutex_lock(&pool->mu);
    }
    while (j.running)
        pthread_cond_wait(&pool->done, &pool->mu);
    pthread_mutex_unlock(&pool->mu);
}
