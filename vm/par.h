/*
** par.h — running one function on several threads at once, for the parts
** of a pipeline's end that split (a group-by merge, a sort, window
** functions): fn(arg, t) for t = 0..n-1, t = 0 on the calling thread. A
** thread that cannot be started runs its share on the caller afterwards,
** so the work is always done.
*/
#ifndef VM_PAR_H
#define VM_PAR_H

void vm_par_run(int n, void (*fn)(void *arg, int t), void *arg);

#endif
