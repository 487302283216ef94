/*
 * schema_index.c: the index component's schema steps — field index
 * policies and the per-chunk field indexes of logs/fidx.h (see struct
 * lv_migration in store_int.h). Applied after events and insights, so a
 * step may reference their tables. Versions start at 1 and have no gap;
 * a released step is never edited. Tables are prefixed logs_.
 *
 * logs_index_policies: one row per group that has a policy (the
 * document as the client sent it). logs_chunk_indexes: one row per chunk
 * ingested under a policy, gone with its chunk (retention) or group.
 */
#include "store/sqlite/sqlite_int.h"

const struct lv_migration lv_sqlite_migrations_index[] = {
    { "index", 1,
      "CREATE TABLE logs_index_policies ("
      " group_id INTEGER PRIMARY KEY"
      "  REFERENCES logs_groups (id) ON DELETE CASCADE,"
      " document TEXT NOT NULL,"
      " updated_ms INTEGER NOT NULL);"
      "CREATE TABLE logs_chunk_indexes ("
      " chunk_id INTEGER PRIMARY KEY"
      "  REFERENCES logs_chunks (id) ON DELETE CASCADE,"
      " group_id INTEGER NOT NULL"
      "  REFERENCES logs_groups (id) ON DELETE CASCADE,"
      " scan_ms INTEGER NOT NULL,"
      " blob BLOB NOT NULL);"
      "CREATE INDEX logs_chunk_indexes_group ON logs_chunk_indexes"
      " (group_id, chunk_id);" },
    LV_MIGRATION_END,
};
