/*
** import.h — tirrun's table subcommands: `tirrun import` (a CSV file into
** a native table) and `tirrun describe` (a native table as text).
*/
#ifndef TIRRUN_IMPORT_H
#define TIRRUN_IMPORT_H

/* argv[0] is the subcommand name. Return the exit status: 0 ok, 1 data,
** I/O or runtime error, 2 usage error. */
int import_main(int argc, char **argv);
int import_describe_main(int argc, char **argv);

#endif
