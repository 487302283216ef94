/*
 * schema_policies.c: the policies component's schema steps — the log
 * policies of policies_store.h (see struct lv_migration in store_int.h).
 * Versions start at 1 and have no gap; a released step is never edited.
 *
 * log_policies: every policy ever put, a row per put; the row in force
 * has to_ms 0. Looked up by (account, region, scope, type).
 */
#include "store/sqlite/sqlite_int.h"

const struct lv_migration lv_sqlite_migrations_policies[] = {
    { "policies", 1,
      "CREATE TABLE log_policies ("
      " id INTEGER PRIMARY KEY AUTOINCREMENT,"
      " account TEXT NOT NULL,"
      " region TEXT NOT NULL,"
      " scope TEXT NOT NULL,"
      " type TEXT NOT NULL,"
      " name TEXT NOT NULL,"
      " document TEXT NOT NULL,"
      " selection TEXT NOT NULL,"
      " policy_scope TEXT NOT NULL,"
      " from_ms INTEGER NOT NULL,"
      " to_ms INTEGER NOT NULL);"
      "CREATE INDEX log_policies_scope"
      " ON log_policies (account, region, scope, type, to_ms);" },
    /* The generation of log_policies (policies_store.h): one row, bumped
     * by every insert and close, so that a reader can tell a cached copy
     * of the policies from a stale one by reading one number. */
    { "policies", 2,
      "CREATE TABLE log_policy_gen ("
      " id INTEGER PRIMARY KEY CHECK (id = 1),"
      " gen INTEGER NOT NULL);"
      "INSERT INTO log_policy_gen (id, gen) VALUES (1, 1);"
      "CREATE TRIGGER log_policies_gen_insert AFTER INSERT ON log_policies"
      " BEGIN UPDATE log_policy_gen SET gen = gen + 1; END;"
      "CREATE TRIGGER log_policies_gen_update AFTER UPDATE ON log_policies"
      " BEGIN UPDATE log_policy_gen SET gen = gen + 1; END;" },
    LV_MIGRATION_END,
};
