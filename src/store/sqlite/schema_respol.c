/*
 * schema_respol.c: the respol component's schema steps — the CloudWatch
 * Logs resource policies of logs_store.h (see struct lv_migration in
 * store_int.h). A component of its own so that its steps never collide
 * with the logs component's. Versions start at 1 and have no gap; a
 * released step is never edited.
 *
 * logs_respol: one row per policy, keyed by (account, region,
 * resource_arn, name); resource_arn is '' for an account-scoped policy.
 * Rows of a deleted log group stay until deleted (AWS documents nothing
 * else); they only matter again if a group of that ARN is made.
 */
#include "store/sqlite/sqlite_int.h"

const struct lv_migration lv_sqlite_migrations_respol[] = {
    { "respol", 1,
      "CREATE TABLE logs_respol ("
      " account TEXT NOT NULL,"
      " region TEXT NOT NULL,"
      " resource_arn TEXT NOT NULL,"
      " name TEXT NOT NULL,"
      " revision_id TEXT NOT NULL,"
      " document TEXT NOT NULL,"
      " updated_ms INTEGER NOT NULL,"
      " PRIMARY KEY (account, region, resource_arn, name)) WITHOUT ROWID;" },
    LV_MIGRATION_END,
};
