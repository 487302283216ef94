/*
 * schema_insights.c: the insights component's schema steps in
 * PostgreSQL's dialect (the tables of sqlite/schema_insights.c) — Logs
 * Insights' query state of insights_store.h (see struct lv_migration in
 * store_int.h). Versions start at 1 and have no gap; a released step is
 * never edited. Tables are prefixed insights_.
 *
 * insights_queries: one row per query (StartQuery), its id unique across
 * every scope (the runner's calls name a query by id alone). The indexes
 * follow the calls: DescribeQueries walks a scope newest first
 * (create_time_ms, id), whole or by log group or by status — the status
 * index also counts the scope's active queries; the sweeper finds live
 * queries by heartbeat (status, heartbeat_ms), expiry finished ones by
 * finish_time_ms. results holds sealed bytes (NULL until the runner's
 * end), statistics QueryStatistics' JSON.
 *
 * insights_defs: the saved query definitions, keyed by (account, region,
 * id), listed by (name, id).
 */
#include "store/postgres/pg_int.h"

const struct lv_migration lv_pg_migrations_insights[] = {
    { "insights", 1,
      "CREATE TABLE insights_queries ("
      " id TEXT COLLATE \"C\" PRIMARY KEY,"
      " account TEXT COLLATE \"C\" NOT NULL,"
      " region TEXT COLLATE \"C\" NOT NULL,"
      " status TEXT COLLATE \"C\" NOT NULL,"
      " language TEXT COLLATE \"C\" NOT NULL,"
      " query_string TEXT NOT NULL,"
      " group_arns TEXT NOT NULL,"
      " log_group_name TEXT COLLATE \"C\" NOT NULL,"
      " create_time_ms BIGINT NOT NULL,"
      " start_time_s BIGINT NOT NULL,"
      " end_time_s BIGINT NOT NULL,"
      " result_limit BIGINT NOT NULL,"
      " node TEXT COLLATE \"C\" NOT NULL,"
      " heartbeat_ms BIGINT NOT NULL,"
      " finish_time_ms BIGINT NOT NULL,"
      " statistics TEXT,"
      " results BYTEA,"
      " error TEXT);"
      "CREATE INDEX insights_queries_time ON insights_queries"
      " (account, region, create_time_ms, id);"
      "CREATE INDEX insights_queries_group ON insights_queries"
      " (account, region, log_group_name, create_time_ms, id);"
      "CREATE INDEX insights_queries_status ON insights_queries"
      " (account, region, status, create_time_ms, id);"
      "CREATE INDEX insights_queries_live ON insights_queries"
      " (status, heartbeat_ms);"
      "CREATE INDEX insights_queries_finish ON insights_queries"
      " (finish_time_ms);"
      "CREATE TABLE insights_defs ("
      " account TEXT COLLATE \"C\" NOT NULL,"
      " region TEXT COLLATE \"C\" NOT NULL,"
      " id TEXT COLLATE \"C\" NOT NULL,"
      " name TEXT COLLATE \"C\" NOT NULL,"
      " language TEXT COLLATE \"C\" NOT NULL,"
      " query_string TEXT NOT NULL,"
      " log_group_names TEXT NOT NULL,"
      " last_modified_ms BIGINT NOT NULL,"
      " PRIMARY KEY (account, region, id));"
      "CREATE INDEX insights_defs_name ON insights_defs"
      " (account, region, name, id);" },
    LV_MIGRATION_END,
};
