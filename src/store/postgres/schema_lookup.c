/*
 * schema_lookup.c: the lookup component's schema steps on PostgreSQL —
 * the lookup tables of lookup_store.h (see struct lv_migration in
 * store_int.h). Versions start at 1 and have no gap; a released step is
 * never edited.
 *
 * lookup_tables: one row per table, keyed by (account, region, name) in
 * byte order (COLLATE "C"), which is also DescribeLookupTables' order.
 * body holds the sealed CSV, data_key the wrapped data key that opens it.
 */
#include "store/postgres/pg_int.h"

const struct lv_migration lv_pg_migrations_lookup[] = {
    { "lookup", 1,
      "CREATE TABLE lookup_tables ("
      " account TEXT COLLATE \"C\" NOT NULL,"
      " region TEXT COLLATE \"C\" NOT NULL,"
      " name TEXT COLLATE \"C\" NOT NULL,"
      " description TEXT NOT NULL,"
      " kms_key_arn TEXT NOT NULL,"
      " fields TEXT NOT NULL,"
      " records BIGINT NOT NULL,"
      " size_bytes BIGINT NOT NULL,"
      " created_ms BIGINT NOT NULL,"
      " updated_ms BIGINT NOT NULL,"
      " tags TEXT NOT NULL,"
      " data_key BYTEA NOT NULL,"
      " body BYTEA NOT NULL,"
      " PRIMARY KEY (account, region, name));" },
    LV_MIGRATION_END,
};
