/*
 * schema_core.c: the core component's schema steps in PostgreSQL's dialect
 * (see struct lv_migration in store_int.h), and the list of every
 * component's steps the backend applies. Append new steps at the end;
 * never edit a released one.
 *
 * schema_version itself is made by the runner (migrate.c), in portable SQL.
 */
#include "store/postgres/pg_int.h"

const struct lv_migration lv_pg_migrations_core[] = {
    { "core", 1,
      "CREATE TABLE meta ("
      " key TEXT COLLATE \"C\" PRIMARY KEY,"
      " value BYTEA);"
      /* When this store was created, RFC 3339 UTC, as text bytes (the
       * sqlite backend stores the same text). */
      "INSERT INTO meta (key, value)"
      " VALUES ('core.created', convert_to(to_char(now() AT TIME ZONE 'UTC',"
      " 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), 'UTF8'));" },
    LV_MIGRATION_END,
};

const struct lv_migration *const lv_pg_migrations[] = {
    lv_pg_migrations_core,
    lv_pg_migrations_kms,
    lv_pg_migrations_logs,
    lv_pg_migrations_events,
    lv_pg_migrations_audit,
    lv_pg_migrations_insights,
    lv_pg_migrations_lookup,
    lv_pg_migrations_policies,
    lv_pg_migrations_respol,
    lv_pg_migrations_index,
    lv_pg_migrations_delivery,
    lv_pg_migrations_sched,
    lv_pg_migrations_anomaly,
    lv_pg_migrations_livetail,
    NULL,
};
