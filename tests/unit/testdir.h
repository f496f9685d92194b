/*
** testdir.h — a fresh directory for each test of a suite: dir holds its
** path; TestSuite(name, .init = testdir_make, .fini = testdir_remove).
*/
#ifndef TESTDIR_H
#define TESTDIR_H

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>

static char dir[256];

static void testdir_make(void)
{
    snprintf(dir, sizeof dir, "/tmp/tir_test_XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void testdir_remove(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

#endif
