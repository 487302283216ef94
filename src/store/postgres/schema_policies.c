/*
 * schema_policies.c: the policies component's schema steps on PostgreSQL —
 * the log policies of policies_store.h (see struct lv_migration in
 * store_int.h). Versions start at 1 and have no gap; a released step is
 * never edited.
 *
 * log_policies: every policy ever put, a row per put; the row in force
 * has to_ms 0. Looked up by (account, region, scope, type).
 */
#include "store/postgres/pg_int.h"

const struct lv_migration lv_pg_migrations_policies[] = {
    { "policies", 1,
      "CREATE TABLE log_policies ("
      " id BIGSERIAL PRIMARY KEY,"
      " account TEXT COLLATE \"C\" NOT NULL,"
      " region TEXT COLLATE \"C\" NOT NULL,"
      " scope TEXT COLLATE \"C\" NOT NULL,"
      " type TEXT COLLATE \"C\" NOT NULL,"
      " name TEXT COLLATE \"C\" NOT NULL,"
      " document TEXT NOT NULL,"
      " selection TEXT NOT NULL,"
      " policy_scope TEXT NOT NULL,"
      " from_ms BIGINT NOT NULL,"
      " to_ms BIGINT NOT NULL);"
      "CREATE INDEX log_policies_scope"
      " ON log_policies (account, region, scope, type, to_ms);" },
    /* The generation of log_policies, as sqlite's policies step 2: one
     * row, bumped by every statement that inserts or closes policies, in
     * the writer's transaction — so every node sees a new number once the
     * write commits. */
    { "policies", 2,
      "CREATE TABLE log_policy_gen ("
      " id INTEGER PRIMARY KEY CHECK (id = 1),"
      " gen BIGINT NOT NULL);"
      "INSERT INTO log_policy_gen (id, gen) VALUES (1, 1);"
      "CREATE FUNCTION log_policies_gen_bump() RETURNS trigger"
      " LANGUAGE plpgsql AS $$ BEGIN"
      " UPDATE log_policy_gen SET gen = gen + 1; RETURN NULL; END $$;"
      "CREATE TRIGGER log_policies_gen AFTER INSERT OR UPDATE"
      " ON log_policies FOR EACH STATEMENT"
      " EXECUTE FUNCTION log_policies_gen_bump();" },
    LV_MIGRATION_END,
};
