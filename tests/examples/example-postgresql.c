/* Example: a CUnit suite that tests against a real PostgreSQL, started by libunitrun.
 *
 * The suite's setup loads the shipped unit file units/postgresql.service (UNITS_DIR names
 * the directory) and starts it: ur_context_start_all() returns once postgres itself has
 * sent READY=1. The tests talk to it with libpq through the unix socket directory
 * %t/postgresql, %t being the run's private runtime directory. The teardown stops it, and
 * ur_context_free() removes its cgroup and the runtime directory with the database in it.
 * Exits 77 (skip) when PostgreSQL 15 is not installed. */
#include <CUnit/Basic.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "unitrun.h"

#define POSTGRES "/usr/lib/postgresql/15/bin/postgres"

static ur_context *ctx;
static PGconn *db;

static void show_problem(const char *file, unsigned line, bool error, const char *message, void *userdata)
{
        fprintf(stderr, "%s:%u: %s\n", file, line, message);
}

static int suite_teardown(void)
{
        int r = 0;

        PQfinish(db);
        db = NULL;
        if (ctx)
                r = ur_context_stop_all(ctx); /* UR_STOP_FAILED if postgres did not stop cleanly */
        ctx = ur_context_free(ctx);
        return r == UR_OK ? 0 : -1;
}

static int suite_setup(void)
{
        char unit[4096], socket_dir[4096];
        char *units[] = { unit, NULL };
        const char *keys[] = { "host", "user", "dbname", NULL };
        const char *values[] = { socket_dir, "postgres", "postgres", NULL };
        ur_executor **executors = NULL;
        size_t n = 0;

        snprintf(unit, sizeof(unit), "%s/postgresql.service", getenv("UNITS_DIR"));
        if (ur_context_new(&ctx) < 0)
                goto fail;
        if (ur_context_load_units(ctx, units, 0, show_problem, NULL, &executors, &n) < 0)
                goto fail;
        if (ur_context_start_all(ctx) != UR_OK) {
                fprintf(stderr, "%s: %s\n", unit, ur_executor_get_error(executors[0]));
                free(executors);
                goto fail;
        }
        free(executors);

        snprintf(socket_dir, sizeof(socket_dir), "%s/postgresql", ur_context_get_runtime_dir(ctx));
        db = PQconnectdbParams(keys, values, 0);
        if (PQstatus(db) != CONNECTION_OK) {
                fprintf(stderr, "connecting to %s: %s", socket_dir, PQerrorMessage(db));
                goto fail;
        }
        return 0;

fail:
        /* CUnit does not call the cleanup of a suite whose setup failed. */
        suite_teardown();
        return -1;
}

/* Runs one statement and checks that it returned tuples or succeeded. */
static PGresult *query(const char *sql)
{
        PGresult *res = PQexec(db, sql);
        ExecStatusType status = PQresultStatus(res);

        if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK)
                fprintf(stderr, "%s: %s", sql, PQerrorMessage(db));
        CU_ASSERT(status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK);
        return res;
}

static void test_select(void)
{
        PGresult *res = query("SELECT 6 * 7, current_user");

        CU_ASSERT_EQUAL(PQntuples(res), 1);
        CU_ASSERT_STRING_EQUAL(PQgetvalue(res, 0, 0), "42");
        CU_ASSERT_STRING_EQUAL(PQgetvalue(res, 0, 1), "postgres");
        PQclear(res);
}

static void test_rows_read_back(void)
{
        PGresult *res;

        PQclear(query("CREATE TABLE fruit (name text PRIMARY KEY)"));
        PQclear(query("INSERT INTO fruit VALUES ('apple'), ('pear')"));
        res = query("SELECT string_agg(name, ',' ORDER BY name) FROM fruit");
        CU_ASSERT_STRING_EQUAL(PQgetvalue(res, 0, 0), "apple,pear");
        PQclear(res);
}

int main(void)
{
        CU_TestInfo tests[] = {
                { "select answers", test_select },
                { "rows written are read back", test_rows_read_back },
                CU_TEST_INFO_NULL,
        };
        /* Designated initializers: CUnit 2.1-3 added fields to CU_SuiteInfo. */
        CU_SuiteInfo suites[] = {
                {
                        .pName = "postgresql",
                        .pInitFunc = suite_setup,
                        .pCleanupFunc = suite_teardown,
                        .pTests = tests,
                },
                CU_SUITE_INFO_NULL,
        };
        unsigned failures;

        if (access(POSTGRES, X_OK) < 0) {
                printf("SKIP: %s is not installed (Debian package postgresql-15)\n", POSTGRES);
                return 77;
        }
        if (!getenv("UNITS_DIR")) {
                fprintf(stderr, "UNITS_DIR must name the directory of postgresql.service\n");
                return 99;
        }
        if (CU_initialize_registry() != CUE_SUCCESS || CU_register_suites(suites) != CUE_SUCCESS)
                return 99;
        CU_basic_set_mode(CU_BRM_VERBOSE);
        CU_basic_run_tests();
        /* Failure records, not failed assertions only: a setup or teardown that failed
         * counts too. */
        failures = CU_get_number_of_failure_records();
        CU_cleanup_registry();
        return failures > 0 ? 1 : 0;
}
