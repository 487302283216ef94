/*
 * schema_core.c: the core component's schema steps (see struct lv_migration
 * in store_int.h), and the list of every component's steps the backend
 * applies. Append new steps at the end; never edit a released one.
 */
#include "store/sqlite/sqlite_int.h"

const struct lv_migration lv_sqlite_migrations_core[] = {
    { "core", 1,
      "CREATE TABLE meta ("
      " key TEXT PRIMARY KEY,"
      " value BLOB);"
      /* When this store was created, RFC 3339 UTC. */
      "INSERT INTO meta (key, value)"
      " VALUES ('core.created', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));" },
    LV_MIGRATION_END,
};

const struct lv_migration *const lv_sqlite_migrations[] = {
    lv_sqlite_migrations_core,
    lv_sqlite_migrations_kms,
    lv_sqlite_migrations_logs,
    lv_sqlite_migrations_events,
    lv_sqlite_migrations_audit,
    lv_sqlite_migrations_insights,
    lv_sqlite_migrations_lookup,
    lv_sqlite_migrations_policies,
    lv_sqlite_migrations_respol,
    lv_sqlite_migrations_index,
    lv_sqlite_migrations_delivery,
    lv_sqlite_migrations_sched,
    lv_sqlite_migrations_anomaly,
    lv_sqlite_migrations_livetail,
    NULL,
};
