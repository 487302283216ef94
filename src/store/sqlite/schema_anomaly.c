/*
 * schema_anomaly.c: the anomaly component's schema steps on sqlite — the
 * anomaly detectors and anomalies of anomaly_store.h (see struct
 * lv_migration in store_int.h). Versions start at 1 and have no gap; a
 * released step is never edited.
 *
 * anomaly_detectors: one row per detector, keyed by (account, region,
 * id); next_ms indexed for the evaluator. anomalies: one row per
 * (detector, pattern id).
 */
#include "store/sqlite/sqlite_int.h"

const struct lv_migration lv_sqlite_migrations_anomaly[] = {
    { "anomaly", 1,
      "CREATE TABLE anomaly_detectors ("
      " account TEXT NOT NULL,"
      " region TEXT NOT NULL,"
      " id TEXT NOT NULL,"
      " next_ms INTEGER NOT NULL,"
      " created_ms INTEGER NOT NULL,"
      " updated_ms INTEGER NOT NULL,"
      " doc TEXT NOT NULL,"
      " PRIMARY KEY (account, region, id));"
      "CREATE INDEX anomaly_detectors_next ON anomaly_detectors (next_ms);"
      "CREATE TABLE anomalies ("
      " account TEXT NOT NULL,"
      " region TEXT NOT NULL,"
      " detector TEXT NOT NULL,"
      " pattern_id TEXT NOT NULL,"
      " doc TEXT NOT NULL,"
      " PRIMARY KEY (account, region, detector, pattern_id));" },
    LV_MIGRATION_END,
};
