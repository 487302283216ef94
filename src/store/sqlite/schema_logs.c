/*
 * schema_logs.c: the logs component's schema steps (see struct lv_migration
 * in store_int.h). Applied after core and kms, so a step may reference
 * their tables.
 *
 * Logs engineers: append your steps here, in order, before the terminator:
 *     { "logs", 1, "CREATE TABLE logs_groups (…); CREATE INDEX …;" },
 *     { "logs", 2, "ALTER TABLE …;" },
 * Versions start at 1 and have no gap. Each step runs in its own
 * transaction with its version bump. Never edit a step once released: a
 * change is a new step. Tables are prefixed logs_.
 *
 * Times are epoch milliseconds (INTEGER). Text columns are NOT NULL: ""
 * stands for "none", as in struct lv_log_group (logs_store.h). Names
 * compare with SQLite's BINARY collation, which is the byte order AWS
 * sorts names in ("ASCII-sorted").
 */
#include "store/sqlite/sqlite_int.h"

const struct lv_migration lv_sqlite_migrations_logs[] = {
    { "logs", 1,
      /* One row per log group, in every scope. */
      "CREATE TABLE logs_groups ("
      " id INTEGER PRIMARY KEY,"
      " account TEXT NOT NULL,"
      " region TEXT NOT NULL,"
      " name TEXT NOT NULL,"
      " creation_time INTEGER NOT NULL,"
      " retention_days INTEGER NOT NULL DEFAULT 0,"
      " kms_key_arn TEXT NOT NULL DEFAULT '',"
      " log_group_class TEXT NOT NULL DEFAULT 'STANDARD',"
      " deletion_protection INTEGER NOT NULL DEFAULT 0,"
      " stored_bytes INTEGER NOT NULL DEFAULT 0,"
      " UNIQUE (account, region, name));"
      /* The retention task's work list. */
      "CREATE INDEX logs_groups_retained ON logs_groups (retention_days)"
      " WHERE retention_days > 0;"
      "CREATE TABLE logs_streams ("
      " id INTEGER PRIMARY KEY,"
      " group_id INTEGER NOT NULL"
      "  REFERENCES logs_groups (id) ON DELETE CASCADE,"
      " name TEXT NOT NULL,"
      " creation_time INTEGER NOT NULL,"
      " first_event_ts INTEGER NOT NULL DEFAULT 0,"
      " last_event_ts INTEGER NOT NULL DEFAULT 0,"
      " last_ingestion_time INTEGER NOT NULL DEFAULT 0,"
      " stored_bytes INTEGER NOT NULL DEFAULT 0,"
      " next_seq INTEGER NOT NULL DEFAULT 0,"
      " UNIQUE (group_id, name));"
      /* DescribeLogStreams orderBy LastEventTime. */
      "CREATE INDEX logs_streams_time ON logs_streams"
      " (group_id, last_event_ts, name);"
      "CREATE TABLE logs_tags ("
      " group_id INTEGER NOT NULL"
      "  REFERENCES logs_groups (id) ON DELETE CASCADE,"
      " key TEXT NOT NULL,"
      " value TEXT NOT NULL,"
      " PRIMARY KEY (group_id, key)) WITHOUT ROWID;" },
    /* Ids that are never reused (issue 10 §6): without AUTOINCREMENT,
     * SQLite hands the highest rowid out again once its row is deleted,
     * and a group deleted and created again got its old id — so caches
     * keyed by it (the data key cache) took the new group for the old.
     * Rebuilding logs_groups with AUTOINCREMENT would cascade-delete every
     * child row, so ids come from this counter instead; it starts after
     * the highest id in use. (An id freed before this step may be handed
     * out once more: the caches live in memory, so none can remember it
     * across the restart that runs the step.) */
    { "logs", 2,
      "CREATE TABLE logs_id_seq ("
      " name TEXT PRIMARY KEY,"
      " last INTEGER NOT NULL) WITHOUT ROWID;"
      "INSERT INTO logs_id_seq (name, last) VALUES"
      " ('group', (SELECT coalesce(max(id), 0) FROM logs_groups)),"
      " ('stream', (SELECT coalesce(max(id), 0) FROM logs_streams));" },
    /* Log transformers (PutTransformer): the config as given, NULL when
     * none, with its creation and last modification times (epoch ms). On
     * the group's row, so that reading a group tells ingest whether it has
     * one without another statement. */
    { "logs", 3,
      "ALTER TABLE logs_groups ADD COLUMN transformer TEXT;"
      "ALTER TABLE logs_groups ADD COLUMN transformer_created"
      " INTEGER NOT NULL DEFAULT 0;"
      "ALTER TABLE logs_groups ADD COLUMN transformer_modified"
      " INTEGER NOT NULL DEFAULT 0;" },
    /* The version of a group's transformer: bumped by every put or
     * delete, read with the group, so that a compiled transformer can be
     * cached by (group id, version) (logs_store.h). */
    { "logs", 4,
      "ALTER TABLE logs_groups ADD COLUMN transformer_version"
      " INTEGER NOT NULL DEFAULT 0;" },
    LV_MIGRATION_END,
};
