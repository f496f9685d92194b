/*
** test_threads.c — the scenarios of threads_scenarios.h as a Criterion
** suite: one engine shared by threads, results outliving programs, cancels
** never lost, per-program errors, cached tables replaced during a run,
** the engine's worker threads kept between runs.
*/
#include <criterion/criterion.h>

#include "threads_scenarios.h"

static sc_ctx ctx;

static void setup(void)
{
    cr_assert(sc_setup(&ctx));
}

static void teardown(void)
{
    sc_teardown(&ctx);
}

TestSuite(threads, .init = setup, .fini = teardown, .timeout = 120);

#define SCENARIO(name, call) \
    Test(threads, name) { cr_assert(call, "%s", ctx.why); }

SCENARIO(four_threads_compile_run_and_free_on_one_engine, sc_four_threads_on_one_engine(&ctx, 200))
SCENARIO(a_result_outlives_its_program, sc_result_outlives_its_program(&ctx))
SCENARIO(a_cancel_before_the_run_is_not_lost, sc_cancel_before_the_run_is_not_lost(&ctx))
SCENARIO(a_program_cancel_stops_that_program_only, sc_program_cancel_stops_that_program_only(&ctx))
SCENARIO(a_cancel_stops_every_run_in_progress, sc_cancel_stops_every_run_in_progress(&ctx))
SCENARIO(a_cached_table_replaced_while_a_run_reads_it, sc_cached_table_replaced_while_a_run_reads_it(&ctx))
SCENARIO(a_program_runs_on_one_thread_at_a_time, sc_program_runs_on_one_thread_at_a_time(&ctx))
SCENARIO(workers_start_once_and_stay, sc_workers_start_once_and_stay(&ctx))
SCENARIO(lent_threads_do_the_work, sc_lent_threads_do_the_work(&ctx))
SCENARIO(a_live_stream_beside_other_runs, sc_live_stream_beside_other_runs(&ctx))
SCENARIO(a_full_join_marks_shared_by_workers, sc_full_join_marks_shared_by_workers(&ctx))
SCENARIO(each_thread_reads_its_own_message, sc_each_thread_reads_its_own_message(&ctx))
SCENARIO(spilled_outputs_handed_over_on_two_threads, sc_spilled_outputs_handed_over(&ctx))
SCENARIO(a_big_join_table_indexed_on_two_threads, sc_big_join_table_indexed_on_two_threads(&ctx))
SCENARIO(a_big_join_directory_on_two_threads, sc_big_join_directory_on_two_threads(&ctx))
SCENARIO(tables_and_filter_made_at_once, sc_tables_and_filter_made_at_once(&ctx))
