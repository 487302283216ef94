/*
 * schema_livetail.c: the livetail component's schema steps on postgres —
 * Live Tail's session book of livetail_store.h (see struct lv_migration in
 * store_int.h). Versions start at 1 and have no gap; a released step is
 * never edited.
 *
 * livetail_sessions: one row per open session, keyed by its id; indexed
 * by (account, region, expires_ms) for admit's count.
 */
#include "store/postgres/pg_int.h"

const struct lv_migration lv_pg_migrations_livetail[] = {
    { "livetail", 1,
      "CREATE TABLE livetail_sessions ("
      " id TEXT COLLATE \"C\" PRIMARY KEY,"
      " account TEXT COLLATE \"C\" NOT NULL,"
      " region TEXT COLLATE \"C\" NOT NULL,"
      " node TEXT COLLATE \"C\" NOT NULL,"
      " started_ms BIGINT NOT NULL,"
      " expires_ms BIGINT NOT NULL);"
      "CREATE INDEX livetail_sessions_scope"
      " ON livetail_sessions (account, region, expires_ms);" },
    LV_MIGRATION_END,
};
