/*
** test_repl.c — the interactive session of tirrun, driven through a
** pseudo-terminal the way a person uses it: keys in, screen text out.
** Each test works in its own temporary directory, which is also HOME (so
** the history file lands there), and writes the small data it needs.
** Timeouts are generous; nothing depends on how fast the machine is.
*/
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

/* repl_input_complete is tested here too: tests/meson.build links
** tirrun/input.c into this suite. */
#include "../../tirrun/input.h"

#ifndef TIRRUN_PATH
#error "TIRRUN_PATH must name the tirrun binary (set by tests/meson.build)"
#endif

#define TIMEOUT 30.0

typedef struct term {
    pid_t pid;
    int fd;
    char *buf;               /* everything the screen received */
    size_t len, cap;
    size_t mark;             /* expect() searches from here */
} term;

static char dir[64];

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void write_file(const char *name, const char *text)
{
    char path[256];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "w");
    cr_assert_not_null(f, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

static char *read_whole(const char *name)
{
    char path[256];
    static char text[1 << 16];
    FILE *f;
    size_t n;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "r");
    if (f == NULL)
        return NULL;
    n = fread(text, 1, sizeof text - 1, f);
    text[n] = '\0';
    fclose(f);
    return text;
}

static void setup(void)
{
    strcpy(dir, "/tmp/tirrepl.XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    write_file("t.csv", "id,name,x\n1,a,1.5\n2,,2.5\n3,c,\n");
    write_file("defs.tir",
               "t: Table = read_csv(\"t.csv\", header = true) {\n"
               "    id: i32, name: string nullable, x: f64 nullable\n"
               "}\n"
               "p: Pipeline = {\n"
               "    v = table_scan :table = t\n"
               "    f = filter :input = v :expr = $in.id > 1\n"
               "}\n");
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
}

/* Starts tirrun with args (NULL-terminated) on a new terminal of 120x40.
** no_color: set NO_COLOR=1 in its environment. */
static void start(term *t, bool no_color, const char *arg1, const char *arg2)
{
    struct winsize ws = { .ws_row = 40, .ws_col = 120 };
    memset(t, 0, sizeof *t);
    t->pid = forkpty(&t->fd, NULL, NULL, &ws);
    cr_assert(t->pid >= 0, "forkpty: %s", strerror(errno));
    if (t->pid == 0) {
        if (chdir(dir) != 0)
            _exit(126);
        setenv("HOME", dir, 1);
        setenv("TERM", "xterm", 1);
        if (no_color)
            setenv("NO_COLOR", "1", 1);
        else
            unsetenv("NO_COLOR");
        execl(TIRRUN_PATH, "tirrun", arg1, arg2, (char *)NULL);
        _exit(127);
    }
    t->cap = 1 << 16;
    t->buf = malloc(t->cap);
    cr_assert_not_null(t->buf);
}

/* Reads what the terminal shows for up to timeout seconds; false at EOF. */
static bool pump(term *t, double timeout)
{
    struct pollfd pfd = { .fd = t->fd, .events = POLLIN };
    int ms = (int)(timeout * 1000);
    ssize_t n;

    if (poll(&pfd, 1, ms) <= 0)
        return true;
    if (t->len + 4096 + 1 > t->cap) {
        t->cap *= 2;
        t->buf = realloc(t->buf, t->cap);
        cr_assert_not_null(t->buf);
    }
    n = read(t->fd, t->buf + t->len, 4096);
    if (n <= 0)                  /* EIO once the child has gone */
        return false;
    t->len += (size_t)n;
    t->buf[t->len] = '\0';
    return true;
}

static const char *find_from(term *t, const char *needle)
{
    return t->len > t->mark ? strstr(t->buf + t->mark, needle) : NULL;
}

/* Waits until needle appears after the mark, then moves the mark past it. */
static void expect(term *t, const char *needle)
{
    double end = now() + TIMEOUT;
    const char *at;
    bool alive = true;

    if (t->buf)
        t->buf[t->len] = '\0';
    while ((at = find_from(t, needle)) == NULL && now() < end && alive)
        alive = pump(t, 0.2);
    cr_assert_not_null(at, "the screen never showed \"%s\"; after the mark it shows:\n%s",
                       needle, t->len > t->mark ? t->buf + t->mark : "");
    t->mark = (size_t)(at - t->buf) + strlen(needle);
}

/* Reads for a while and reports whether needle turned up after the mark. */
static bool shows_within(term *t, const char *needle, double seconds)
{
    double end = now() + seconds;
    while (find_from(t, needle) == NULL && now() < end)
        if (!pump(t, 0.05))
            break;
    return find_from(t, needle) != NULL;
}

static void send(term *t, const char *keys)
{
    size_t n = strlen(keys);
    cr_assert_eq(write(t->fd, keys, n), (ssize_t)n);
}

/* Waits until the terminal is in canonical mode (tirrun is working) or
** not (libedit is reading keys). Keys typed before libedit has taken the
** terminal would be echoed and line-edited by the kernel, and Ctrl-C
** flushes keys not yet read, so the tests wait for the right mode. */
static void wait_mode(term *t, bool canonical)
{
    double end = now() + TIMEOUT;
    struct termios tio;
    while (now() < end) {
        cr_assert_eq(tcgetattr(t->fd, &tio), 0);
        if (((tio.c_lflag & ICANON) != 0) == canonical)
            return;
        pump(t, 0.01);
    }
    cr_assert_fail("the terminal never went %s", canonical ? "canonical" : "raw");
}

/* Types a line at the prompt. */
static void type(term *t, const char *line)
{
    wait_mode(t, false);
    send(t, line);
    send(t, "\r");
}

/* Ctrl-D at the prompt. */
static void ctrl_d(term *t)
{
    wait_mode(t, false);
    send(t, "\004");
}

/* Waits for tirrun to exit; returns its exit status (-1 if it was killed). */
static int finish(term *t)
{
    double end = now() + TIMEOUT;
    int status = 0;
    pid_t got = 0;

    while (now() < end && (got = waitpid(t->pid, &status, WNOHANG)) == 0)
        pump(t, 0.05);
    if (got == 0) {
        kill(t->pid, SIGKILL);
        waitpid(t->pid, &status, 0);
    }
    for (int i = 0; i < 10 && pump(t, 0.05); i++)   /* what is left on the screen */
        ;
    close(t->fd);
    free(t->buf);
    t->buf = NULL;
    cr_assert(got != 0, "tirrun did not exit");
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TestSuite(repl, .init = setup, .fini = teardown, .timeout = 120);

/* ---- repl_input_complete, without a terminal ------------------------- */

/* s[0..n) copied to a buffer of exactly n bytes, so that reading past the
** end is caught by ASan (and nothing after it can end a scan). */
static bool complete_n(const char *s, size_t n)
{
    char *copy = malloc(n ? n : 1);
    bool r;
    cr_assert_not_null(copy);
    memcpy(copy, s, n);
    r = repl_input_complete(copy, n);
    free(copy);
    return r;
}

static bool complete(const char *s)
{
    return complete_n(s, strlen(s));
}

Test(repl_input, brackets_balance_outside_strings_and_comments)
{
    cr_assert(complete(""));
    cr_assert(complete("p.f"));
    cr_assert(complete("p: Pipeline = { v = table_scan :table = t }"));
    cr_assert(complete("t: Table = read_csv(\"t.csv\") {\n  id: i32\n}\noutput p.v"));
    cr_assert_not(complete("p: Pipeline = {"));
    cr_assert_not(complete("p: Pipeline = {\n  v = table_scan :table = t\n"));
    cr_assert_not(complete("x = f([1, 2]"));
    cr_assert(complete("x = \"{[(\""));                 /* brackets in a string */
    cr_assert(complete("x = \"a\\\"{\""));               /* an escaped quote */
    cr_assert(complete("x = 1 // {"));                   /* in a line comment */
    cr_assert(complete("x = 1 /* { */"));
    cr_assert_not(complete("x = 1 /* } still open"));
    cr_assert(complete("x = \"unterminated {\ny = 2"));  /* a string stops at the line's end */
    cr_assert(complete("x = 1 }"));                      /* too many closed: the compiler says so */
}

Test(repl_input, an_input_ending_in_an_operator_needs_more)
{
    cr_assert_not(complete("v = "));
    cr_assert_not(complete("f = filter :"));
    cr_assert_not(complete("f = filter :input = v :expr = $in.a > 1 &&"));
    cr_assert_not(complete("f = filter :input = v :expr = $in.a > 1 ||\n"));
    cr_assert_not(complete("x = [1,"));
    cr_assert_not(complete("x = 1 :  // a comment after the colon"));
    cr_assert(complete("x = 1 == 1"));
}

Test(repl_input, reads_only_the_n_bytes_it_is_given)
{
    cr_assert(complete_n("p.f{", 3));
    cr_assert_not(complete_n("p: Pipeline = {}", 15));
    cr_assert_not(complete_n("x = 1 /* */", 10));      /* the comment ends past n */
    cr_assert(complete_n("x = \"ab\"", 6));            /* an unterminated string at n */
    cr_assert(complete_n("x = 1 /", 7));
    cr_assert(complete_n("x = \"\\", 6));              /* a backslash at the very end */
}

/* A NUL byte used to be taken for punctuation (strchr finds the
** terminator), and so for an open bracket: the input never completed. */
Test(repl_input, a_nul_byte_is_not_a_bracket)
{
    cr_assert(complete_n("p.f\0", 4));
    cr_assert(complete_n("{\0}", 3));
    cr_assert(complete_n("x = 1\0\0", 7));
}

/* Linear in n: long runs of what makes scanners back up or rescan. */
Test(repl_input, long_inputs_take_linear_time, .timeout = 20)
{
    static const char *const units[] = { "/*", "\"\\", "{", "/", "a.", "*/", "//\n", ":=" };
    size_t n = (size_t)1 << 22;
    char *s = malloc(n);
    cr_assert_not_null(s);
    for (size_t u = 0; u < sizeof units / sizeof *units; u++) {
        size_t k = strlen(units[u]);
        for (size_t i = 0; i < n; i++)
            s[i] = units[u][i % k];
        (void)repl_input_complete(s, n);
    }
    memset(s, '{', n);
    cr_assert_not(repl_input_complete(s, n));
    free(s);
}

Test(repl, multiline_pipeline_then_box_table)
{
    term t;
    start(&t, true, NULL, NULL);
    expect(&t, "tir> ");
    type(&t, "t: Table = read_csv(\"t.csv\", header = true) {");
    expect(&t, "...> ");
    type(&t, "  id: i32, name: string nullable, x: f64 nullable }");
    expect(&t, "tir> ");
    type(&t, "p: Pipeline = {");
    expect(&t, "...> ");
    type(&t, "  v = table_scan :table = t");
    expect(&t, "...> ");
    type(&t, "  f = filter :input = v :expr = $in.id > 1");
    expect(&t, "...> ");
    type(&t, "}");
    expect(&t, "tir> ");
    type(&t, "output p.f");
    expect(&t, "p.f\r\n┌─────┬─────────┬──────┐");
    expect(&t, "│  id │ name    │    x │");
    expect(&t, "│   2 │ NULL    │  2.5 │");   /* numbers right, NULL shown */
    expect(&t, "│   3 │ c       │ NULL │");
    expect(&t, "└─────┴─────────┴──────┘\r\n2 rows");
    expect(&t, "tir> ");
    /* state stays: the pipeline runs again, as a bare path this time */
    type(&t, "p.v");
    expect(&t, "│   1 │ a       │  1.5 │");
    expect(&t, "3 rows");
    expect(&t, "tir> ");
    ctrl_d(&t);                      /* Ctrl-D leaves */
    cr_assert_eq(finish(&t), 0);
}

Test(repl, error_shows_caret_and_session_goes_on)
{
    term t;
    char caret[128];
    start(&t, true, "-i", "defs.tir");
    expect(&t, "tir> ");
    type(&t, "q: Pipeline = { v = table_scan :table = zz }");
    expect(&t, "error: unknown table 'zz'");
    /* the typed line, then the caret under column 41 (the 'zz') */
    snprintf(caret, sizeof caret, "  q: Pipeline = { v = table_scan :table = zz }\r\n%*s^", 2 + 40, "");
    expect(&t, caret);
    expect(&t, "tir> ");
    /* the bad input was not kept, the good ones were */
    type(&t, ".pipelines");
    expect(&t, "p: v, f\r\n");
    cr_assert_null(find_from(&t, "q:"));
    expect(&t, "tir> ");
    /* a multi-line input: the line number and that line with its caret */
    type(&t, "r: Pipeline = {");
    expect(&t, "...> ");
    type(&t, "  v = table_scan :table = t");
    expect(&t, "...> ");
    type(&t, "  w = filter :input = v :expr = $in.nope > 1 }");
    expect(&t, "line 3:");
    expect(&t, "nope");
    expect(&t, "  w = filter :input = v :expr = $in.nope > 1 }\r\n");
    expect(&t, "^");
    expect(&t, "tir> ");
    type(&t, "p.f");
    expect(&t, "2 rows");
    expect(&t, "tir> ");
    type(&t, ".quit");
    cr_assert_eq(finish(&t), 0);
}

Test(repl, history_is_saved_and_recalled)
{
    term t;
    const char *hist;

    start(&t, true, "-i", "defs.tir");
    expect(&t, "tir> ");
    type(&t, "p.f");
    expect(&t, "2 rows");
    expect(&t, "tir> ");
    type(&t, ".quit");
    cr_assert_eq(finish(&t), 0);

    hist = read_whole(".tirrun_history");
    cr_assert_not_null(hist, "no history file in HOME");
    cr_assert_not_null(strstr(hist, "p.f\n"), "history file:\n%s", hist);
    cr_assert_not_null(strstr(hist, ".quit\n"), "history file:\n%s", hist);

    /* A new session: Ctrl-P twice goes back past .quit to p.f. */
    start(&t, true, "-i", "defs.tir");
    expect(&t, "tir> ");
    wait_mode(&t, false);
    send(&t, "\020\020\r");
    expect(&t, "│   3 │ c       │ NULL │");
    expect(&t, "2 rows");
    expect(&t, "tir> ");
    ctrl_d(&t);
    cr_assert_eq(finish(&t), 0);
}

Test(repl, ctrl_c_cancels_a_long_run_and_the_prompt_comes_back)
{
    term t;
    char path[256];
    FILE *f;
    bool cancelled = false, finished = false;

    /* 3 million rows: grouping them by a unique key takes a good fraction
    ** of a second even on a fast machine; Ctrl-C is sent until it lands. */
    snprintf(path, sizeof path, "%s/big.csv", dir);
    f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs("id,k,x\n", f);
    for (long i = 0; i < 3000000; i++)
        fprintf(f, "%ld,%ld,%ld.5\n", i, i % 1000, i % 97);
    fclose(f);
    write_file("big.tir",
               "b: Table = read_csv(\"big.csv\", header = true) { id: i64, k: i32, x: f64 }\n"
               "bp: Pipeline = { v = table_scan :table = b\n"
               "  g = hash_group_by :input = v :group_by = [\"id\"]\n"
               "      :aggregates = {\"s\": sum($in.x), \"m\": max($in.k)} }\n"
               "bq: Pipeline = { v = table_scan :table = bp.g\n"
               "  a = aggregate :input = v :aggregates = {\"n\": count(*)} }\n");

    start(&t, true, "-i", "defs.tir");
    expect(&t, "tir> ");
    type(&t, ".read big.tir");
    expect(&t, "tir> ");
    type(&t, "bq.a");
    wait_mode(&t, true);                   /* the line is taken: it runs */
    for (int i = 0; i < 200 && !cancelled && !finished; i++) {
        send(&t, "\003");
        cancelled = shows_within(&t, "cancelled", 0.1);
        finished = find_from(&t, "3000000") != NULL;
    }
    cr_assert(cancelled, "the run was not cancelled; the screen shows:\n%s", t.buf + t.mark);
    cr_assert(!finished, "the result was printed after all");
    expect(&t, "cancelled");
    expect(&t, "tir> ");
    /* the session is still there, with its declarations */
    type(&t, "p.f");
    expect(&t, "2 rows");
    expect(&t, "tir> ");
    ctrl_d(&t);
    cr_assert_eq(finish(&t), 0);
}

Test(repl, ctrl_c_abandons_a_half_typed_input)
{
    term t;
    start(&t, true, "-i", "defs.tir");
    expect(&t, "tir> ");
    type(&t, "p2: Pipeline = {");
    expect(&t, "...> ");
    wait_mode(&t, false);
    send(&t, "\003");
    expect(&t, "^C");
    expect(&t, "tir> ");
    type(&t, ".pipelines");
    expect(&t, "p: v, f\r\n");
    expect(&t, "tir> ");
    cr_assert_null(find_from(&t, "p2"));
    ctrl_d(&t);
    cr_assert_eq(finish(&t), 0);
}

Test(repl, dot_commands)
{
    term t;
    const char *out;

    write_file("more.tir",
               "u: Table = read_csv(\"t.csv\") { id: i32, name: string nullable, x: f64 nullable }\n"
               "pu: Pipeline = { v = table_scan :table = u\n"
               "  n = aggregate :input = v :aggregates = {\"rows\": count(*)} }\n"
               "output pu.n as counted\n");
    start(&t, true, "-i", "defs.tir");
    expect(&t, "tir> ");

    type(&t, ".help");
    expect(&t, ".maxrows N");
    expect(&t, "tir> ");
    type(&t, ".tables");
    expect(&t, "\r\nt\r\n");
    expect(&t, "tir> ");
    type(&t, ".schema t");
    expect(&t, "t: Table = read_csv(\"t.csv\", header = true) {");
    expect(&t, "tir> ");
    type(&t, ".schema nosuch");
    expect(&t, "error: no table 'nosuch'");
    expect(&t, "tir> ");
    type(&t, ".pipelines");
    expect(&t, "p: v, f");
    expect(&t, "tir> ");
    type(&t, ".explain p");
    expect(&t, "p: Pipeline (step 1)");
    expect(&t, "bytecode of p:");
    expect(&t, "SCAN");
    expect(&t, "tir> ");

    type(&t, ".timer on");
    expect(&t, "tir> ");
    type(&t, "p.f");
    expect(&t, "2 rows");
    expect(&t, "Run Time: ");
    expect(&t, "tir> ");
    type(&t, ".timer off");
    expect(&t, "tir> ");
    type(&t, "p.f");
    expect(&t, "2 rows");
    expect(&t, "tir> ");
    cr_assert_null(strstr(t.buf + t.mark - 60, "Run Time"));

    type(&t, ".format csv");
    expect(&t, "tir> ");
    type(&t, "p.f");
    expect(&t, "id,name,x\r\n2,,2.5\r\n3,c,\r\n");
    expect(&t, "tir> ");
    type(&t, ".format json");
    expect(&t, "tir> ");
    type(&t, "p.f");
    expect(&t, "\"rows\": [");
    expect(&t, "[2, null, 2.5]");
    expect(&t, "tir> ");
    type(&t, ".format markdown");
    expect(&t, "tir> ");
    type(&t, "p.f");
    expect(&t, "| id | name | x |\r\n| ---: | --- | ---: |\r\n| 2 | NULL | 2.5 |");
    expect(&t, "tir> ");
    type(&t, ".format yaml");
    expect(&t, "usage: .format table|csv|json|markdown");
    expect(&t, "tir> ");
    type(&t, ".format table");
    expect(&t, "tir> ");

    type(&t, ".read more.tir");
    expect(&t, "counted");
    expect(&t, "│    3 │");
    expect(&t, "tir> ");
    type(&t, ".tables");
    expect(&t, "t\r\nu\r\n");
    expect(&t, "tir> ");

    type(&t, ".output res.txt");
    expect(&t, "tir> ");
    type(&t, "p.f");
    expect(&t, "tir> ");
    type(&t, ".output");
    expect(&t, "tir> ");
    out = read_whole("res.txt");
    cr_assert_not_null(out);
    cr_assert_not_null(strstr(out, "│   3 │ c       │ NULL │\n"), "res.txt:\n%s", out);
    cr_assert_not_null(strstr(out, "2 rows\n"), "res.txt:\n%s", out);
    cr_assert_null(strstr(out, "\033["), "colour in a file");
    type(&t, "p.f");
    expect(&t, "2 rows");                   /* back on the terminal */
    expect(&t, "tir> ");

    type(&t, ".profile maybe");
    expect(&t, "usage: .profile on|off");
    expect(&t, "tir> ");
    type(&t, ".profile on");
    expect(&t, "tir> ");
    type(&t, "p.f");
    expect(&t, "rows read from its source");
    expect(&t, "tir> ");
    type(&t, ".profile off");
    expect(&t, "tir> ");
    type(&t, ".frobnicate");
    expect(&t, "unknown command '.frobnicate'");
    expect(&t, "tir> ");
    type(&t, ".quit");
    cr_assert_eq(finish(&t), 0);
}

Test(repl, maxrows_shows_head_and_tail)
{
    term t;
    char csv[512] = "n\n";
    for (int i = 1; i <= 30; i++)
        sprintf(csv + strlen(csv), "%d\n", i);
    write_file("n.csv", csv);
    start(&t, true, NULL, NULL);
    expect(&t, "tir> ");
    type(&t, "n: Table = read_csv(\"n.csv\") { n: i64 }");
    expect(&t, "tir> ");
    type(&t, "pn: Pipeline = { v = table_scan :table = n }");
    expect(&t, "tir> ");
    type(&t, ".maxrows 4");
    expect(&t, "tir> ");
    type(&t, "pn.v");
    expect(&t, "│   1 │\r\n│   2 │\r\n│   … │\r\n│  29 │\r\n│  30 │\r\n");
    expect(&t, "30 rows (4 shown)");
    expect(&t, "tir> ");
    type(&t, ".maxrows 0");
    expect(&t, "tir> ");
    type(&t, "pn.v");
    expect(&t, "│  15 │");
    expect(&t, "30 rows\r\n");
    expect(&t, "tir> ");
    ctrl_d(&t);
    cr_assert_eq(finish(&t), 0);
}

Test(repl, colour_only_without_no_color)
{
    term t;

    start(&t, false, "-i", "defs.tir");
    expect(&t, "tir> ");
    type(&t, "p.f");
    expect(&t, "\033[1mid\033[0m");          /* bold header */
    expect(&t, "\033[2mNULL\033[0m");        /* NULL dimmed */
    expect(&t, "tir> ");
    ctrl_d(&t);
    cr_assert_eq(finish(&t), 0);

    start(&t, true, "-i", "defs.tir");
    expect(&t, "tir> ");
    type(&t, "p.f");
    expect(&t, "│   2 │ NULL    │  2.5 │");
    expect(&t, "2 rows");
    expect(&t, "tir> ");
    cr_assert_null(strstr(t.buf, "\033[1m"), "bold with NO_COLOR set");
    cr_assert_null(strstr(t.buf, "\033[2m"), "dim with NO_COLOR set");
    ctrl_d(&t);
    cr_assert_eq(finish(&t), 0);
}

Test(repl, script_on_stdin_without_a_terminal)
{
    char cmd[512];
    FILE *p;
    char out[4096];
    size_t n;
    int status;

    snprintf(cmd, sizeof cmd,
             "cd '%s' && printf '.format csv\\np.f\\nbad input\\n' | NO_COLOR= '%s' -i defs.tir 2>&1",
             dir, TIRRUN_PATH);
    p = popen(cmd, "r");
    cr_assert_not_null(p);
    n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    status = pclose(p);
    cr_assert_not_null(strstr(out, "id,name,x\n2,,2.5\n3,c,\n"), "%s", out);
    cr_assert_null(strstr(out, "tir> "), "a prompt without a terminal:\n%s", out);
    cr_assert_not_null(strstr(out, "error: "), "%s", out);
    cr_assert(WIFEXITED(status) && WEXITSTATUS(status) == 1, "status %d", status);
}

/* -i and .read take a program's JSON form too: it joins the session as
** its text; a broken one is reported at the node's line:col and JSON path
** and the session goes on. */
Test(repl, json_programs_are_read_as_their_text)
{
    char cmd[1024];
    FILE *p;
    char out[4096];
    size_t n;

    snprintf(cmd, sizeof cmd,
             "cd '%s' && '%s' --emit-json defs.tir > defs.json && "
             "printf '{\"outputs\": [{\"ref\": 5}]}' > bad.json && "
             "printf '.format csv\\np.f\\n.read bad.json\\np.f\\n' | NO_COLOR= '%s' -i defs.json 2>&1",
             dir, TIRRUN_PATH, TIRRUN_PATH);
    p = popen(cmd, "r");
    cr_assert_not_null(p);
    n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    pclose(p);
    const char *first = strstr(out, "id,name,x\n2,,2.5\n3,c,\n");
    cr_assert_not_null(first, "%s", out);
    const char *bad = "{\"outputs\": [{\"ref\": 5}]}";   /* as the printf above writes it */
    char want[200];
    snprintf(want, sizeof want, "bad.json:1:%d: error: expected a string, found an integer\n  at $.outputs[0].ref\n",
             (int)(strchr(bad, '5') - bad) + 1);
    cr_assert_not_null(strstr(out, want), "no %s in %s", want, out);
    cr_assert_not_null(strstr(first + 1, "id,name,x\n2,,2.5\n3,c,\n"), "the session did not go on:\n%s", out);
}

Test(repl, redeclaring_replaces_and_breaking_an_earlier_one_is_refused)
{
    term t;
    start(&t, true, "-i", "defs.tir");
    expect(&t, "tir> ");
    /* t without column id would break the kept p: refused, p named */
    type(&t, "t: Table = read_csv(\"t.csv\") { idx: i32, name: string nullable, x: f64 nullable }");
    expect(&t, "error: in p (declared earlier), line 3: no column 'id'");
    expect(&t, "    f = filter :input = v :expr = $in.id > 1\r\n");
    expect(&t, "tir> ");
    type(&t, ".schema t");
    expect(&t, "    id: i32, name: string nullable, x: f64 nullable\r\n");
    expect(&t, "tir> ");
    /* a new p replaces the old one */
    type(&t, "p: Pipeline = { v = table_scan :table = t  f = filter :input = v :expr = $in.id < 2 }");
    expect(&t, "tir> ");
    type(&t, "p.f");
    expect(&t, "│   1 │ a       │  1.5 │");
    expect(&t, "1 row\r\n");
    expect(&t, "tir> ");
    type(&t, ".pipelines");
    expect(&t, "p: v, f\r\n");
    expect(&t, "tir> ");
    cr_assert_null(strstr(t.buf + t.mark, "p: v, f"), "p listed twice");
    ctrl_d(&t);
    cr_assert_eq(finish(&t), 0);
}

Test(repl, wide_tables_are_narrowed_to_the_terminal)
{
    term t;
    char csv[1024] = "id,s\n1,";
    for (int i = 0; i < 300; i++)
        strcat(csv, i % 10 == 9 ? "|" : "w");
    strcat(csv, "\n2,short\n");
    write_file("w.csv", csv);
    start(&t, true, NULL, NULL);
    expect(&t, "tir> ");
    type(&t, "w: Table = read_csv(\"w.csv\") { id: i32, s: string }");
    expect(&t, "tir> ");
    type(&t, "pw: Pipeline = { v = table_scan :table = w }");
    expect(&t, "tir> ");
    type(&t, "pw.v");
    /* 120 columns: "│ " id " │ " s " │" leaves 120 - 3 - 6 - 4 = 107 for s */
    expect(&t, "│  id │ s ");
    expect(&t, "│   1 │ wwwwwwwww|");
    expect(&t, "w…");
    expect(&t, " │\r\n│   2 │ short ");
    expect(&t, "2 rows");
    expect(&t, "tir> ");
    /* the row fits exactly: count its code points up to the line end */
    const char *l = strstr(t.buf, "│   1 │");
    size_t cps = 0;
    cr_assert_not_null(l);
    for (const char *c = l; *c && *c != '\r'; c++)
        cps += ((unsigned char)*c & 0xC0) != 0x80;
    cr_assert_eq(cps, 120, "the row is %zu columns wide", cps);
    ctrl_d(&t);
    cr_assert_eq(finish(&t), 0);
}

/* Issue 6: Ctrl-D at the `...>` prompt used to end the input and then the
** session; it submits the input (its error is shown) and the session goes
** on. Ctrl-D at an empty `tir>` prompt still leaves. */
Test(repl, ctrl_d_in_a_multiline_input_submits_it_and_the_session_goes_on)
{
    term t;
    char shown[256];
    start(&t, true, "-i", "defs.tir");
    expect(&t, "tir> ");
    type(&t, "q: Pipeline = {");
    expect(&t, "...> ");
    type(&t, "  v = table_scan :table = t");
    expect(&t, "...> ");
    ctrl_d(&t);
    /* what it lacks is the brace's close: shown at the brace */
    snprintf(shown, sizeof shown, "error: line 1: this '{' is never closed: the program ends first\r\n"
             "  q: Pipeline = {\r\n%*s^\r\n", 2 + 14, "");
    expect(&t, shown);
    expect(&t, "tir> ");
    type(&t, "p.f");
    expect(&t, "2 rows");
    expect(&t, "tir> ");
    type(&t, ".pipelines");
    expect(&t, "p: v, f\r\n");
    expect(&t, "tir> ");
    cr_assert_null(find_from(&t, "q:"), "the incomplete input was kept");
    ctrl_d(&t);
    cr_assert_eq(finish(&t), 0);
}

/* Issue 9: history entries are inputs, not lines. A multi-line input is
** one entry: Ctrl-P brings all of it back, in this session and, through
** the history file, in the next. */
Test(repl, a_multiline_input_is_one_history_entry)
{
    term t;
    const char *hist;

    start(&t, true, "-i", "defs.tir");
    expect(&t, "tir> ");
    type(&t, "q: Pipeline = {");
    expect(&t, "...> ");
    type(&t, "  v = table_scan :table = t");
    expect(&t, "...> ");
    type(&t, "  n = aggregate :input = v :aggregates = {\"rows\": count(*)} } output q.n");
    expect(&t, "│    3 │");
    expect(&t, "tir> ");
    type(&t, "p.f");
    expect(&t, "2 rows");
    expect(&t, "tir> ");
    /* Ctrl-P twice: past p.f to the whole three-line input, run again */
    wait_mode(&t, false);
    send(&t, "\020\020\r");
    expect(&t, "│    3 │");
    expect(&t, "tir> ");
    type(&t, ".quit");
    cr_assert_eq(finish(&t), 0);

    hist = read_whole(".tirrun_history");
    cr_assert_not_null(hist, "no history file in HOME");
    cr_assert_null(strstr(hist, "\n\\040\\040v\\040=\\040table_scan"),
                   "a line of the input saved as an entry of its own:\n%s", hist);

    /* a new session reads the entry back whole: Ctrl-P twice, past .quit */
    start(&t, true, "-i", "defs.tir");
    expect(&t, "tir> ");
    wait_mode(&t, false);
    send(&t, "\020\020\r");
    expect(&t, "│    3 │");
    expect(&t, "tir> ");
    ctrl_d(&t);
    cr_assert_eq(finish(&t), 0);
}

/* Issue 9: history is capped at 1000 entries; a 1,200-line input is one
** of them and does not push out what came before it. */
Test(repl, a_long_input_does_not_evict_earlier_history)
{
    term t;
    const char *hist;
    char line[64];

    start(&t, true, "-i", "defs.tir");
    expect(&t, "tir> ");
    type(&t, "p.f");
    expect(&t, "2 rows");
    expect(&t, "tir> ");
    type(&t, "big: Pipeline = {");
    for (int i = 1; i < 1199; i++) {
        expect(&t, "...> ");
        snprintf(line, sizeof line, "  // line %d of a long input", i + 1);
        type(&t, line);
    }
    expect(&t, "...> ");
    type(&t, "  v = table_scan :table = t }");
    expect(&t, "tir> ");
    type(&t, ".pipelines");
    expect(&t, "big: v\r\n");
    expect(&t, "tir> ");
    type(&t, ".quit");
    cr_assert_eq(finish(&t), 0);

    hist = read_whole(".tirrun_history");
    cr_assert_not_null(hist, "no history file in HOME");
    cr_assert_not_null(strstr(hist, "\np.f\n"), "p.f is gone from the history file");

    /* Ctrl-P four times: past .quit, .pipelines and the long input to p.f */
    start(&t, true, "-i", "defs.tir");
    expect(&t, "tir> ");
    wait_mode(&t, false);
    send(&t, "\020\020\020\020\r");
    expect(&t, "│   3 │ c       │ NULL │");
    expect(&t, "2 rows");
    expect(&t, "tir> ");
    /* and the long input comes back whole: it declares big again */
    wait_mode(&t, false);
    send(&t, "\020\020\020\020\r");
    expect(&t, "tir> ");
    type(&t, ".pipelines");
    expect(&t, "big: v\r\n");
    expect(&t, "tir> ");
    ctrl_d(&t);
    cr_assert_eq(finish(&t), 0);
}
