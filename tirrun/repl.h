/*
** repl.h — the interactive session of tirrun: `tirrun` without a FILE, or
** `tirrun -i [FILE]`. The engine compiles whole programs, so the session
** keeps the text of every declaration entered and recompiles them together
** with each new input.
*/
#ifndef TIRRUN_REPL_H
#define TIRRUN_REPL_H

#include "tir.h"
#include "format.h"

typedef struct repl_options {
    fmt_kind format;
    bool timer;
    const char *file;        /* read like .read before the first prompt; may be NULL */
} repl_options;

/* Runs the session on stdin until end of input or .quit. Line editing and
** history only when stdin is a terminal; otherwise lines are read as they
** come (for scripts), without prompts. Returns the exit status: 0, or 1
** when input read from a script failed. */
int repl_main(tir_engine *e, const repl_options *o);

/* Whether file holds a program's JSON form: its name ends in ".json". */
bool tirrun_is_json(const char *file);

#endif
