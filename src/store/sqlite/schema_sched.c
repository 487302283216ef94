/*
 * schema_sched.c: the sched component's schema steps on sqlite — the
 * scheduled queries of sched_store.h (see struct lv_migration in
 * store_int.h). Versions start at 1 and have no gap; a released step is
 * never edited.
 *
 * sched_queries: one row per scheduled query, keyed by (account, region,
 * name), ListScheduledQueries' order; next_ms indexed for the scheduler.
 * sched_runs: one row per run, keyed by the query and the run's query id.
 */
#include "store/sqlite/sqlite_int.h"

const struct lv_migration lv_sqlite_migrations_sched[] = {
    { "sched", 1,
      "CREATE TABLE sched_queries ("
      " account TEXT NOT NULL,"
      " region TEXT NOT NULL,"
      " name TEXT NOT NULL,"
      " next_ms INTEGER NOT NULL,"
      " created_ms INTEGER NOT NULL,"
      " updated_ms INTEGER NOT NULL,"
      " doc TEXT NOT NULL,"
      " PRIMARY KEY (account, region, name));"
      "CREATE INDEX sched_queries_next ON sched_queries (next_ms);"
      "CREATE TABLE sched_runs ("
      " account TEXT NOT NULL,"
      " region TEXT NOT NULL,"
      " name TEXT NOT NULL,"
      " query_id TEXT NOT NULL,"
      " status TEXT NOT NULL,"
      " triggered_ms INTEGER NOT NULL,"
      " doc TEXT NOT NULL,"
      " PRIMARY KEY (account, region, name, query_id));"
      "CREATE INDEX sched_runs_status ON sched_runs (status);" },
    LV_MIGRATION_END,
};
