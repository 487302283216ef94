/*
 * schema_lookup.c: the lookup component's schema steps — the lookup
 * tables of lookup_store.h (see struct lv_migration in store_int.h).
 * Versions start at 1 and have no gap; a released step is never edited.
 *
 * lookup_tables: one row per table, keyed by (account, region, name),
 * which is also DescribeLookupTables' order. body holds the sealed CSV,
 * data_key the wrapped data key that opens it.
 */
#include "store/sqlite/sqlite_int.h"

const struct lv_migration lv_sqlite_migrations_lookup[] = {
    { "lookup", 1,
      "CREATE TABLE lookup_tables ("
      " account TEXT NOT NULL,"
      " region TEXT NOT NULL,"
      " name TEXT NOT NULL,"
      " description TEXT NOT NULL,"
      " kms_key_arn TEXT NOT NULL,"
      " fields TEXT NOT NULL,"
      " records INTEGER NOT NULL,"
      " size_bytes INTEGER NOT NULL,"
      " created_ms INTEGER NOT NULL,"
      " updated_ms INTEGER NOT NULL,"
      " tags TEXT NOT NULL,"
      " data_key BLOB NOT NULL,"
      " body BLOB NOT NULL,"
      " PRIMARY KEY (account, region, name));" },
    LV_MIGRATION_END,
};
