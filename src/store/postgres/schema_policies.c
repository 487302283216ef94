/*
 * schema_policies.c: the policies component's schema steps on PostgreSQL —
 * the log policies of policies_store.h (see struct lv_migration in
 * store_int.h). Versions start at 1 and have no gap; a released step is
 * never edited.
 *
 * log_policies: every policy ever put, a row per put; the row in force
 * has to_ms 0. Looked up by (account, region, scope, type).
 */
#include "store/postgres/pg_int.h"

const struct lv_migration lv_pg_migrations_policies[] = {
    { "policies", 1,
      "CREATE TABLE log_policies ("
      " id BIGSERIAL PRIMARY KEY,"
      " account TEXT COLLATE \"C\" NOT NULL,"
      " region TEXT COLLATE \"C\" NOT NULL,"
      " scope TEXT COLLATE \"C\" NOT NULL,"
      " type TEXT COLLATE \"C\" NOT NULL,"
      " name TEXT COLLATE \"C\" NOT NULL,"
      " document TEXT NOT NULL,"
      " selection TEXT NOT NULL,"
      " policy_scope TEXT NOT NULL,"
      " from_ms BIGINT NOT NULL,"
      " to_ms BIGINT NOT NULL);"
      "CREATE INDEX log_policies_scope"
      " ON log_policies (account, region, scope, type, to_ms);" },
    LV_MIGRATION_END,
};
