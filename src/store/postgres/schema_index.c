/*
 * schema_index.c: the index component's schema steps in PostgreSQL's
 * dialect (the tables of sqlite/schema_index.c): field index policies and
 * per-chunk field indexes (logs/fidx.h). Versions start at 1 and have no
 * gap; a released step is never edited.
 */
#include "store/postgres/pg_int.h"

const struct lv_migration lv_pg_migrations_index[] = {
    { "index", 1,
      "CREATE TABLE logs_index_policies ("
      " group_id BIGINT PRIMARY KEY"
      "  REFERENCES logs_groups (id) ON DELETE CASCADE,"
      " document TEXT NOT NULL,"
      " updated_ms BIGINT NOT NULL);"
      "CREATE TABLE logs_chunk_indexes ("
      " chunk_id BIGINT PRIMARY KEY"
      "  REFERENCES logs_chunks (id) ON DELETE CASCADE,"
      " group_id BIGINT NOT NULL"
      "  REFERENCES logs_groups (id) ON DELETE CASCADE,"
      " scan_ms BIGINT NOT NULL,"
      " blob BYTEA NOT NULL);"
      "CREATE INDEX logs_chunk_indexes_group ON logs_chunk_indexes"
      " (group_id, chunk_id);" },
    LV_MIGRATION_END,
};
