/*
 * schema_livetail.c: the livetail component's schema steps on sqlite —
 * Live Tail's session book of livetail_store.h (see struct lv_migration in
 * store_int.h). Versions start at 1 and have no gap; a released step is
 * never edited.
 *
 * livetail_sessions: one row per open session, keyed by its id; indexed
 * by (account, region, expires_ms) for admit's count.
 */
#include "store/sqlite/sqlite_int.h"

const struct lv_migration lv_sqlite_migrations_livetail[] = {
    { "livetail", 1,
      "CREATE TABLE livetail_sessions ("
      " id TEXT PRIMARY KEY,"
      " account TEXT NOT NULL,"
      " region TEXT NOT NULL,"
      " node TEXT NOT NULL,"
      " started_ms INTEGER NOT NULL,"
      " expires_ms INTEGER NOT NULL);"
      "CREATE INDEX livetail_sessions_scope"
      " ON livetail_sessions (account, region, expires_ms);" },
    LV_MIGRATION_END,
};
