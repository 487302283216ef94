/*
 * schema_kms.c: the kms component's schema steps in PostgreSQL's dialect
 * (see struct lv_migration in store_int.h): the tables of
 * sqlite/schema_kms.c (both of its steps in one), plus kms_generation.
 * Versions start at 1 and have no gap; a released step is never edited.
 *
 * Dates are epoch seconds (DOUBLE PRECISION). Text columns are NOT NULL
 * ("" stands for "none") and compare byte-wise (COLLATE "C"), as SQLite's
 * BINARY does: lists are ordered by id, name and tag key.
 *
 * kms_generation is one row: the KMS generation every node reads for
 * lv_store_kms_generation(); every write of KMS records moves it in its
 * own transaction (lv_pg_kms_changed() in backend.c).
 */
#include "store/postgres/pg_int.h"

const struct lv_migration lv_pg_migrations_kms[] = {
    { "kms", 1,
      "CREATE TABLE kms_keys ("
      " id TEXT COLLATE \"C\" NOT NULL PRIMARY KEY,"
      " arn TEXT COLLATE \"C\" NOT NULL,"
      " account TEXT COLLATE \"C\" NOT NULL,"
      " region TEXT COLLATE \"C\" NOT NULL,"
      " description TEXT COLLATE \"C\" NOT NULL DEFAULT '',"
      " key_spec TEXT COLLATE \"C\" NOT NULL,"
      " key_usage TEXT COLLATE \"C\" NOT NULL,"
      " state TEXT COLLATE \"C\" NOT NULL,"
      " origin TEXT COLLATE \"C\" NOT NULL,"
      " creation_date DOUBLE PRECISION NOT NULL,"
      " deletion_date DOUBLE PRECISION NOT NULL DEFAULT 0,"
      " pending_window_days BIGINT NOT NULL DEFAULT 0,"
      " policy TEXT COLLATE \"C\" NOT NULL DEFAULT '',"
      " rotation_enabled BIGINT NOT NULL DEFAULT 0,"
      " rotation_period_days BIGINT NOT NULL DEFAULT 0,"
      " next_rotation_date DOUBLE PRECISION NOT NULL DEFAULT 0,"
      " current_version BIGINT NOT NULL DEFAULT 1,"
      " on_demand_rotations BIGINT NOT NULL DEFAULT 0,"
      " material_destroyed BIGINT NOT NULL DEFAULT 0,"
      /* The guard of every change of a key (kms_store.h). */
      " row_version BIGINT NOT NULL DEFAULT 0);"
      /* ListKeys: a scope's keys in id order. */
      "CREATE INDEX kms_keys_scope ON kms_keys (account, region, id);"
      /* The background task's work list (lv_store_kms_key_due). */
      "CREATE INDEX kms_keys_deletion ON kms_keys (state, deletion_date);"
      "CREATE INDEX kms_keys_rotation ON kms_keys (next_rotation_date);"
      /* Sealed key material, one row per version; never in clear. */
      "CREATE TABLE kms_material ("
      " key_id TEXT COLLATE \"C\" NOT NULL REFERENCES kms_keys (id),"
      " version BIGINT NOT NULL,"
      " created DOUBLE PRECISION NOT NULL,"
      " rotation_type TEXT COLLATE \"C\" NOT NULL DEFAULT '',"
      " sealed BYTEA NOT NULL,"
      " PRIMARY KEY (key_id, version));"
      "CREATE TABLE kms_aliases ("
      " account TEXT COLLATE \"C\" NOT NULL,"
      " region TEXT COLLATE \"C\" NOT NULL,"
      " name TEXT COLLATE \"C\" NOT NULL,"
      " key_id TEXT COLLATE \"C\" NOT NULL,"
      " creation_date DOUBLE PRECISION NOT NULL,"
      " last_updated DOUBLE PRECISION NOT NULL,"
      " PRIMARY KEY (account, region, name));"
      "CREATE INDEX kms_aliases_key ON kms_aliases (key_id);"
      "CREATE TABLE kms_grants ("
      " id TEXT COLLATE \"C\" NOT NULL PRIMARY KEY,"
      " key_id TEXT COLLATE \"C\" NOT NULL,"
      " name TEXT COLLATE \"C\" NOT NULL DEFAULT '',"
      " grantee TEXT COLLATE \"C\" NOT NULL,"
      " retiring TEXT COLLATE \"C\" NOT NULL DEFAULT '',"
      " issuing_account TEXT COLLATE \"C\" NOT NULL,"
      " operations TEXT COLLATE \"C\" NOT NULL,"
      " constraints TEXT COLLATE \"C\" NOT NULL DEFAULT '',"
      " creation_date DOUBLE PRECISION NOT NULL);"
      /* ListGrants (by key) and ListRetirableGrants (by retiring
       * principal), both in id order. */
      "CREATE INDEX kms_grants_key ON kms_grants (key_id, id);"
      "CREATE INDEX kms_grants_retiring ON kms_grants (retiring, id);"
      "CREATE TABLE kms_tags ("
      " key_id TEXT COLLATE \"C\" NOT NULL,"
      " tag_key TEXT COLLATE \"C\" NOT NULL,"
      " value TEXT COLLATE \"C\" NOT NULL,"
      " PRIMARY KEY (key_id, tag_key));"
      /* One row, ever: `one` can only be true. */
      "CREATE TABLE kms_generation ("
      " one BOOLEAN PRIMARY KEY DEFAULT true CHECK (one),"
      " gen BIGINT NOT NULL);"
      "INSERT INTO kms_generation (gen) VALUES (1);" },
    { "kms", 2,
      /* Imported key material (origin EXTERNAL): sqlite's step 3. */
      "ALTER TABLE kms_keys ADD COLUMN expiration_model TEXT COLLATE \"C\""
      " NOT NULL DEFAULT '';"
      "ALTER TABLE kms_keys"
      " ADD COLUMN valid_to DOUBLE PRECISION NOT NULL DEFAULT 0;"
      "ALTER TABLE kms_keys ADD COLUMN import_fingerprint TEXT COLLATE \"C\""
      " NOT NULL DEFAULT '';"
      "CREATE INDEX kms_keys_valid_to ON kms_keys (valid_to);" },
    { "kms", 3,
      /* Multi-Region keys: sqlite's step 4. */
      "ALTER TABLE kms_keys ADD COLUMN primary_region TEXT COLLATE \"C\""
      " NOT NULL DEFAULT '';" },
    { "kms", 4,
      /* Custom key stores: sqlite's step 5. */
      "CREATE TABLE kms_custom_key_stores ("
      " id TEXT COLLATE \"C\" NOT NULL PRIMARY KEY,"
      " account TEXT COLLATE \"C\" NOT NULL,"
      " region TEXT COLLATE \"C\" NOT NULL,"
      " name TEXT COLLATE \"C\" NOT NULL,"
      " type TEXT COLLATE \"C\" NOT NULL,"
      " cluster_id TEXT COLLATE \"C\" NOT NULL DEFAULT '',"
      " trust_anchor TEXT COLLATE \"C\" NOT NULL DEFAULT '',"
      " state TEXT COLLATE \"C\" NOT NULL,"
      " error_code TEXT COLLATE \"C\" NOT NULL DEFAULT '',"
      " creation_date DOUBLE PRECISION NOT NULL,"
      " UNIQUE (account, region, name));"
      "ALTER TABLE kms_keys ADD COLUMN custom_key_store_id TEXT COLLATE \"C\""
      " NOT NULL DEFAULT '';"
      "CREATE INDEX kms_keys_cks ON kms_keys (custom_key_store_id);" },
    { "kms", 5,
      /* AWS managed keys: sqlite's step 6. */
      "ALTER TABLE kms_keys ADD COLUMN key_manager TEXT COLLATE \"C\""
      " NOT NULL DEFAULT '';" },
    LV_MIGRATION_END,
};
