/*
 * schema_sched.c: the sched component's schema steps on postgres — the
 * scheduled queries of sched_store.h (see struct lv_migration in
 * store_int.h). Versions start at 1 and have no gap; a released step is
 * never edited.
 *
 * sched_queries: one row per scheduled query, keyed by (account, region,
 * name), ListScheduledQueries' order; next_ms indexed for the scheduler.
 * sched_runs: one row per run, keyed by the query and the run's query id.
 */
#include "store/postgres/pg_int.h"

const struct lv_migration lv_pg_migrations_sched[] = {
    { "sched", 1,
      "CREATE TABLE sched_queries ("
      " account TEXT COLLATE \"C\" NOT NULL,"
      " region TEXT COLLATE \"C\" NOT NULL,"
      " name TEXT COLLATE \"C\" NOT NULL,"
      " next_ms BIGINT NOT NULL,"
      " created_ms BIGINT NOT NULL,"
      " updated_ms BIGINT NOT NULL,"
      " doc TEXT NOT NULL,"
      " PRIMARY KEY (account, region, name));"
      "CREATE INDEX sched_queries_next ON sched_queries (next_ms);"
      "CREATE TABLE sched_runs ("
      " account TEXT COLLATE \"C\" NOT NULL,"
      " region TEXT COLLATE \"C\" NOT NULL,"
      " name TEXT COLLATE \"C\" NOT NULL,"
      " query_id TEXT COLLATE \"C\" NOT NULL,"
      " status TEXT NOT NULL,"
      " triggered_ms BIGINT NOT NULL,"
      " doc TEXT NOT NULL,"
      " PRIMARY KEY (account, region, name, query_id));"
      "CREATE INDEX sched_runs_status ON sched_runs (status);" },
    LV_MIGRATION_END,
};
