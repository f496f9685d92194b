/*
** import.h — tirrun's table subcommands: `tirrun import` (a CSV file into
** a native table) and `tirrun describe` (a native table as text).
*/
#ifndef TIRRUN_IMPORT_H
#define TIRRUN_IMPORT_H

#include <stdbool.h>

/* argv[0] is the subcommand name. Return the exit status: 0 ok, 1 data,
** I/O or runtime error, 2 usage error. */
int import_main(int argc, char **argv);
/* A byte count with an optional K, M or G suffix (tirrun.c). */
bool tirrun_parse_size(const char *s, unsigned long long *out);
int import_describe_main(int argc, char **argv);

#endif
