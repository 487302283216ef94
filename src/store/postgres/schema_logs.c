/*
 * schema_logs.c: the logs component's schema steps in PostgreSQL's dialect
 * (see struct lv_migration in store_int.h): the tables of
 * sqlite/schema_logs.c, plus logs_streams.seq_reserved. Applied after core
 * and kms. Versions start at 1 and have no gap; a released step is never
 * edited.
 *
 * Times are epoch milliseconds (BIGINT). Text columns are NOT NULL ("" is
 * "none") and compare byte-wise (COLLATE "C"), the order AWS sorts names
 * in. Ids are identities that are never handed out again (the sqlite
 * backend's logs_id_seq has no counterpart here): an insert takes its id
 * with RETURNING id.
 *
 * seq_reserved: the chunk sequence numbers of the stream reserved so far by
 * every process (lv_store_logs_seq_reserve(), postgres/events.c): a block
 * is taken by one UPDATE … SET seq_reserved = seq_reserved + BLOCK.
 * next_seq is the upload sequence token, a different thing.
 */
#include "store/postgres/pg_int.h"

const struct lv_migration lv_pg_migrations_logs[] = {
    { "logs", 1,
      "CREATE TABLE logs_groups ("
      " id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
      " account TEXT COLLATE \"C\" NOT NULL,"
      " region TEXT COLLATE \"C\" NOT NULL,"
      " name TEXT COLLATE \"C\" NOT NULL,"
      " creation_time BIGINT NOT NULL,"
      " retention_days BIGINT NOT NULL DEFAULT 0,"
      " kms_key_arn TEXT COLLATE \"C\" NOT NULL DEFAULT '',"
      " log_group_class TEXT COLLATE \"C\" NOT NULL DEFAULT 'STANDARD',"
      " deletion_protection BIGINT NOT NULL DEFAULT 0,"
      " stored_bytes BIGINT NOT NULL DEFAULT 0,"
      " UNIQUE (account, region, name));"
      /* The retention task's work list. */
      "CREATE INDEX logs_groups_retained ON logs_groups (retention_days)"
      " WHERE retention_days > 0;"
      "CREATE TABLE logs_streams ("
      " id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
      " group_id BIGINT NOT NULL"
      "  REFERENCES logs_groups (id) ON DELETE CASCADE,"
      " name TEXT COLLATE \"C\" NOT NULL,"
      " creation_time BIGINT NOT NULL,"
      " first_event_ts BIGINT NOT NULL DEFAULT 0,"
      " last_event_ts BIGINT NOT NULL DEFAULT 0,"
      " last_ingestion_time BIGINT NOT NULL DEFAULT 0,"
      " stored_bytes BIGINT NOT NULL DEFAULT 0,"
      " next_seq BIGINT NOT NULL DEFAULT 0,"
      " seq_reserved BIGINT NOT NULL DEFAULT 0,"
      " UNIQUE (group_id, name));"
      /* DescribeLogStreams orderBy LastEventTime. */
      "CREATE INDEX logs_streams_time ON logs_streams"
      " (group_id, last_event_ts, name);"
      "CREATE TABLE logs_tags ("
      " group_id BIGINT NOT NULL"
      "  REFERENCES logs_groups (id) ON DELETE CASCADE,"
      " key TEXT COLLATE \"C\" NOT NULL,"
      " value TEXT COLLATE \"C\" NOT NULL,"
      " PRIMARY KEY (group_id, key));" },
    /* Log transformers (PutTransformer), as sqlite's logs step 3. */
    { "logs", 2,
      "ALTER TABLE logs_groups ADD COLUMN transformer TEXT;"
      "ALTER TABLE logs_groups ADD COLUMN transformer_created"
      " BIGINT NOT NULL DEFAULT 0;"
      "ALTER TABLE logs_groups ADD COLUMN transformer_modified"
      " BIGINT NOT NULL DEFAULT 0;" },
    /* The version of a group's transformer, as sqlite's logs step 4. */
    { "logs", 3,
      "ALTER TABLE logs_groups ADD COLUMN transformer_version"
      " BIGINT NOT NULL DEFAULT 0;" },
    LV_MIGRATION_END,
};
