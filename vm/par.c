/*
** par.c — vm_par_run (par.h).
*/
#include <pthread.h>

#include "par.h"
#include "vm.h"

typedef struct par_job {
    void (*fn)(void *arg, int t);
    void *arg;
    int t;
} par_job;

static void *par_main(void *p)
{
    par_job *j = p;
    j->fn(j->arg, j->t);
    return NULL;
}

void vm_par_run(int n, void (*fn)(void *arg, int t), void *arg)
{
    if (n > VM_MAX_WORKERS)
        n = VM_MAX_WORKERS;
    par_job jobs[VM_MAX_WORKERS];
    pthread_t tid[VM_MAX_WORKERS];
    bool started[VM_MAX_WORKERS] = {false};
    for (int t = 0; t < n; t++)
        jobs[t] = (par_job){fn, arg, t};
    for (int t = 1; t < n; t++)
        started[t] = pthread_create(&tid[t], NULL, par_main, &jobs[t]) == 0;
    fn(arg, 0);
    for (int t = 1; t < n; t++)
        if (started[t])
            pthread_join(tid[t], NULL);
        else
            fn(arg, t);
}
