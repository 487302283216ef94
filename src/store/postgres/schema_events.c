/*
 * schema_events.c: the events component's schema steps in PostgreSQL's
 * dialect — the Logs service's event chunks, wrapped data keys and metric
 * filters: the tables of sqlite/schema_events.c (both of its steps in
 * one). Applied after logs, so it references their tables. Versions start
 * at 1 and have no gap; a released step is never edited.
 *
 * Ids are identities, never handed out again (the service caches
 * plaintext data keys by id). Chunk payloads are already compressed and
 * encrypted (src/logs/chunk.h), so they are stored EXTERNAL: out of line
 * when large, never compressed again by TOAST (it would spend CPU on
 * ciphertext to save nothing).
 */
#include "store/postgres/pg_int.h"

const struct lv_migration lv_pg_migrations_events[] = {
    { "events", 1,
      "CREATE TABLE logs_data_keys ("
      " id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
      " group_id BIGINT NOT NULL"
      "  REFERENCES logs_groups (id) ON DELETE CASCADE,"
      " kms_key_arn TEXT COLLATE \"C\" NOT NULL DEFAULT '',"
      " created_ms BIGINT NOT NULL,"
      " wrapped BYTEA NOT NULL);"
      "CREATE INDEX logs_data_keys_group ON logs_data_keys (group_id);"
      "CREATE TABLE logs_chunks ("
      " id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
      " group_id BIGINT NOT NULL"
      "  REFERENCES logs_groups (id) ON DELETE CASCADE,"
      " stream_id BIGINT NOT NULL"
      "  REFERENCES logs_streams (id) ON DELETE CASCADE,"
      " seq BIGINT NOT NULL,"
      " first_ts BIGINT NOT NULL,"
      " last_ts BIGINT NOT NULL,"
      " ingestion_time BIGINT NOT NULL,"
      " n_events BIGINT NOT NULL,"
      " raw_bytes BIGINT NOT NULL,"
      " data_key_id BIGINT NOT NULL REFERENCES logs_data_keys (id),"
      " payload BYTEA NOT NULL);"
      "ALTER TABLE logs_chunks ALTER COLUMN payload SET STORAGE EXTERNAL;"
      "CREATE INDEX logs_chunks_stream ON logs_chunks"
      " (stream_id, first_ts, seq);"
      /* GetLogEvents backwards (newest first). */
      "CREATE INDEX logs_chunks_stream_last ON logs_chunks"
      " (stream_id, last_ts, seq);"
      "CREATE INDEX logs_chunks_group ON logs_chunks (group_id, first_ts);"
      "CREATE UNIQUE INDEX logs_chunks_seq ON logs_chunks (stream_id, seq);"
      /* Deleting a data key checks its chunks through this index. */
      "CREATE INDEX logs_chunks_key ON logs_chunks (data_key_id);"
      /* Metric filters (src/logs/metric.c); see sqlite/schema_events.c. */
      "CREATE TABLE logs_metric_filters ("
      " group_id BIGINT NOT NULL"
      "  REFERENCES logs_groups (id) ON DELETE CASCADE,"
      " name TEXT COLLATE \"C\" NOT NULL,"
      " pattern TEXT COLLATE \"C\" NOT NULL,"
      " transformations TEXT COLLATE \"C\" NOT NULL,"
      " creation_time BIGINT NOT NULL,"
      " metric_name TEXT COLLATE \"C\" NOT NULL,"
      " metric_namespace TEXT COLLATE \"C\" NOT NULL,"
      " options TEXT COLLATE \"C\" NOT NULL DEFAULT '{}',"
      " PRIMARY KEY (group_id, name));"
      "CREATE INDEX logs_metric_filters_name ON logs_metric_filters (name);"
      "CREATE INDEX logs_metric_filters_metric ON logs_metric_filters"
      " (metric_namespace, metric_name);" },
    /* Live tail (src/logs/livetail.c) polls a group's chunks by
     * ingestion time. */
    { "events", 2,
      "CREATE INDEX logs_chunks_ingested ON logs_chunks"
      " (group_id, ingestion_time);" },
    LV_MIGRATION_END,
};
