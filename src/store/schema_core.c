/*
 * schema_core.c: the core component's schema steps (see struct lv_migration
 * in store_int.h). Append new steps at the end; never edit a released one.
 */
#include "store/store_int.h"

const struct lv_migration lv_store_migrations_core[] = {
    { "core", 1,
      "CREATE TABLE meta ("
      " key TEXT PRIMARY KEY,"
      " value BLOB);"
      /* When this store was created, RFC 3339 UTC. */
      "INSERT INTO meta (key, value)"
      " VALUES ('core.created', strftime('%Y-%m-%dT%H:%M:%SZ', 'now'));" },
    LV_MIGRATION_END,
};
