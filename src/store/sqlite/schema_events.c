/*
 * schema_events.c: the events component's schema steps — the Logs
 * service's event chunks and wrapped data keys (see struct lv_migration in
 * store_int.h). Applied after logs, so a step may reference its tables.
 * Versions start at 1 and have no gap; a released step is never edited.
 * Tables are prefixed logs_.
 *
 * logs_data_keys uses AUTOINCREMENT so that an id is never reused after
 * its group is deleted: the service caches plaintext data keys by id.
 * Chunk payloads are already compressed and encrypted (src/logs/chunk.h);
 * a chunk's (stream_id, seq) is unique, and its place is bound into its
 * ciphertext as AAD.
 */
#include "store/sqlite/sqlite_int.h"

const struct lv_migration lv_sqlite_migrations_events[] = {
    { "events", 1,
      "CREATE TABLE logs_data_keys ("
      " id INTEGER PRIMARY KEY AUTOINCREMENT,"
      " group_id INTEGER NOT NULL"
      "  REFERENCES logs_groups (id) ON DELETE CASCADE,"
      " kms_key_arn TEXT NOT NULL DEFAULT '',"
      " created_ms INTEGER NOT NULL,"
      " wrapped BLOB NOT NULL);"
      "CREATE INDEX logs_data_keys_group ON logs_data_keys (group_id);"
      "CREATE TABLE logs_chunks ("
      " id INTEGER PRIMARY KEY,"
      " group_id INTEGER NOT NULL"
      "  REFERENCES logs_groups (id) ON DELETE CASCADE,"
      " stream_id INTEGER NOT NULL"
      "  REFERENCES logs_streams (id) ON DELETE CASCADE,"
      " seq INTEGER NOT NULL,"
      " first_ts INTEGER NOT NULL,"
      " last_ts INTEGER NOT NULL,"
      " ingestion_time INTEGER NOT NULL,"
      " n_events INTEGER NOT NULL,"
      " raw_bytes INTEGER NOT NULL,"
      " data_key_id INTEGER NOT NULL REFERENCES logs_data_keys (id),"
      " payload BLOB NOT NULL);"
      "CREATE INDEX logs_chunks_stream ON logs_chunks"
      " (stream_id, first_ts, seq);"
      /* GetLogEvents backwards (newest first). */
      "CREATE INDEX logs_chunks_stream_last ON logs_chunks"
      " (stream_id, last_ts, seq);"
      "CREATE INDEX logs_chunks_group ON logs_chunks (group_id, first_ts);"
      "CREATE UNIQUE INDEX logs_chunks_seq ON logs_chunks (stream_id, seq);"
      /* Foreign keys need an index on the child column to delete a data
       * key's parent quickly. */
      "CREATE INDEX logs_chunks_key ON logs_chunks (data_key_id);" },
    /* Metric filters (src/logs/metric.c). transformations is the JSON text
     * of metricTransformations as the client sent it (one element);
     * metric_name and metric_namespace repeat its names so that
     * DescribeMetricFilters can select by them; options holds the other
     * members (applyOnTransformedLogs, fieldSelectionCriteria,
     * emitSystemFieldDimensions) as a JSON object. */
    { "events", 2,
      "CREATE TABLE logs_metric_filters ("
      " group_id INTEGER NOT NULL"
      "  REFERENCES logs_groups (id) ON DELETE CASCADE,"
      " name TEXT NOT NULL,"
      " pattern TEXT NOT NULL,"
      " transformations TEXT NOT NULL,"
      " creation_time INTEGER NOT NULL,"
      " metric_name TEXT NOT NULL,"
      " metric_namespace TEXT NOT NULL,"
      " options TEXT NOT NULL DEFAULT '{}',"
      " PRIMARY KEY (group_id, name));"
      "CREATE INDEX logs_metric_filters_name ON logs_metric_filters (name);"
      "CREATE INDEX logs_metric_filters_metric ON logs_metric_filters"
      " (metric_namespace, metric_name);" },
    /* Live tail (src/logs/livetail.c) polls a group's chunks by
     * ingestion time. */
    { "events", 3,
      "CREATE INDEX logs_chunks_ingested ON logs_chunks"
      " (group_id, ingestion_time);" },
    LV_MIGRATION_END,
};
