/*
 * schema_respol.c: the respol component's schema steps on PostgreSQL —
 * the CloudWatch Logs resource policies of logs_store.h (see struct
 * lv_migration in store_int.h). A component of its own so that its steps
 * never collide with the logs component's. Versions start at 1 and have
 * no gap; a released step is never edited.
 *
 * logs_respol: one row per policy, keyed by (account, region,
 * resource_arn, name) in byte order (COLLATE "C", DescribeResourcePolicies'
 * order, as the sqlite backend's); resource_arn is '' for an
 * account-scoped policy.
 */
#include "store/postgres/pg_int.h"

const struct lv_migration lv_pg_migrations_respol[] = {
    { "respol", 1,
      "CREATE TABLE logs_respol ("
      " account TEXT COLLATE \"C\" NOT NULL,"
      " region TEXT COLLATE \"C\" NOT NULL,"
      " resource_arn TEXT COLLATE \"C\" NOT NULL,"
      " name TEXT COLLATE \"C\" NOT NULL,"
      " revision_id TEXT NOT NULL,"
      " document TEXT NOT NULL,"
      " updated_ms BIGINT NOT NULL,"
      " PRIMARY KEY (account, region, resource_arn, name));" },
    LV_MIGRATION_END,
};
