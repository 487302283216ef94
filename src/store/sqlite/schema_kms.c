/*
 * schema_kms.c: the kms component's schema steps (see struct lv_migration
 * in store_int.h).
 *
 * KMS engineers: append your steps here, in order, before the terminator:
 *     { "kms", 1, "CREATE TABLE kms_keys (…); CREATE INDEX …;" },
 *     { "kms", 2, "ALTER TABLE …;" },
 * Versions start at 1 and have no gap. Each step runs in its own
 * transaction with its version bump. Never edit a step once released: a
 * change is a new step. Tables are prefixed kms_.
 *
 * Dates are epoch seconds (REAL). Text columns are NOT NULL: "" stands for
 * "none", as in struct lv_kms_key / lv_kms_grant (kms_store.h).
 */
#include "store/sqlite/sqlite_int.h"

const struct lv_migration lv_sqlite_migrations_kms[] = {
    { "kms", 1,
      /* One row per key, in every scope; key ids are UUIDs, unique
       * across accounts and regions. */
      "CREATE TABLE kms_keys ("
      " id TEXT NOT NULL PRIMARY KEY,"
      " arn TEXT NOT NULL,"
      " account TEXT NOT NULL,"
      " region TEXT NOT NULL,"
      " description TEXT NOT NULL DEFAULT '',"
      " key_spec TEXT NOT NULL,"
      " key_usage TEXT NOT NULL,"
      " state TEXT NOT NULL,"
      " origin TEXT NOT NULL,"
      " creation_date REAL NOT NULL,"
      " deletion_date REAL NOT NULL DEFAULT 0,"
      " pending_window_days INTEGER NOT NULL DEFAULT 0,"
      " policy TEXT NOT NULL DEFAULT '',"
      " rotation_enabled INTEGER NOT NULL DEFAULT 0,"
      " rotation_period_days INTEGER NOT NULL DEFAULT 0,"
      " next_rotation_date REAL NOT NULL DEFAULT 0,"
      " current_version INTEGER NOT NULL DEFAULT 1,"
      " on_demand_rotations INTEGER NOT NULL DEFAULT 0,"
      " material_destroyed INTEGER NOT NULL DEFAULT 0);"
      /* ListKeys: a scope's keys in id order. */
      "CREATE INDEX kms_keys_scope ON kms_keys (account, region, id);"
      /* The background task's work list (lv_store_kms_key_due). */
      "CREATE INDEX kms_keys_deletion ON kms_keys (state, deletion_date);"
      "CREATE INDEX kms_keys_rotation ON kms_keys (next_rotation_date);"
      /* Sealed key material, one row per version; never in clear. */
      "CREATE TABLE kms_material ("
      " key_id TEXT NOT NULL REFERENCES kms_keys (id),"
      " version INTEGER NOT NULL,"
      " created REAL NOT NULL,"
      " rotation_type TEXT NOT NULL DEFAULT '',"
      " sealed BLOB NOT NULL,"
      " PRIMARY KEY (key_id, version));"
      "CREATE TABLE kms_aliases ("
      " account TEXT NOT NULL,"
      " region TEXT NOT NULL,"
      " name TEXT NOT NULL,"
      " key_id TEXT NOT NULL,"
      " creation_date REAL NOT NULL,"
      " last_updated REAL NOT NULL,"
      " PRIMARY KEY (account, region, name));"
      "CREATE INDEX kms_aliases_key ON kms_aliases (key_id);"
      "CREATE TABLE kms_grants ("
      " id TEXT NOT NULL PRIMARY KEY,"
      " key_id TEXT NOT NULL,"
      " name TEXT NOT NULL DEFAULT '',"
      " grantee TEXT NOT NULL,"
      " retiring TEXT NOT NULL DEFAULT '',"
      " issuing_account TEXT NOT NULL,"
      " operations TEXT NOT NULL,"
      " constraints TEXT NOT NULL DEFAULT '',"
      " creation_date REAL NOT NULL);"
      /* ListGrants (by key) and ListRetirableGrants (by retiring
       * principal), both in id order. */
      "CREATE INDEX kms_grants_key ON kms_grants (key_id, id);"
      "CREATE INDEX kms_grants_retiring ON kms_grants (retiring, id);"
      "CREATE TABLE kms_tags ("
      " key_id TEXT NOT NULL,"
      " tag_key TEXT NOT NULL,"
      " value TEXT NOT NULL,"
      " PRIMARY KEY (key_id, tag_key));" },
    { "kms", 2,
      /* The guard of every change of a key (kms_store.h): moved on by
       * each change, compared by the next. Existing keys start at 0. */
      "ALTER TABLE kms_keys"
      " ADD COLUMN row_version INTEGER NOT NULL DEFAULT 0;" },
    { "kms", 3,
      /* Imported key material (origin EXTERNAL): its expiration, and the
       * keyed fingerprint that lets only the same material return. */
      "ALTER TABLE kms_keys"
      " ADD COLUMN expiration_model TEXT NOT NULL DEFAULT '';"
      "ALTER TABLE kms_keys ADD COLUMN valid_to REAL NOT NULL DEFAULT 0;"
      "ALTER TABLE kms_keys"
      " ADD COLUMN import_fingerprint TEXT NOT NULL DEFAULT '';"
      /* The background task's third list: material that expires. */
      "CREATE INDEX kms_keys_valid_to ON kms_keys (valid_to);" },
    { "kms", 4,
      /* Multi-Region keys: the region of the primary key, "" for a
       * single-Region key (kms_store.h, LV_KMS_ID_MAX). */
      "ALTER TABLE kms_keys"
      " ADD COLUMN primary_region TEXT NOT NULL DEFAULT '';" },
    { "kms", 5,
      /* Custom key stores (kms_store.h, struct lv_kms_cks); their
       * KeyStorePassword is never stored. A key of a store names it. */
      "CREATE TABLE kms_custom_key_stores ("
      " id TEXT NOT NULL PRIMARY KEY,"
      " account TEXT NOT NULL,"
      " region TEXT NOT NULL,"
      " name TEXT NOT NULL,"
      " type TEXT NOT NULL,"
      " cluster_id TEXT NOT NULL DEFAULT '',"
      " trust_anchor TEXT NOT NULL DEFAULT '',"
      " state TEXT NOT NULL,"
      " error_code TEXT NOT NULL DEFAULT '',"
      " creation_date REAL NOT NULL,"
      " UNIQUE (account, region, name));"
      "ALTER TABLE kms_keys"
      " ADD COLUMN custom_key_store_id TEXT NOT NULL DEFAULT '';"
      "CREATE INDEX kms_keys_cks ON kms_keys (custom_key_store_id);" },
    { "kms", 6,
      /* AWS managed keys: "AWS", "" for a customer managed key. */
      "ALTER TABLE kms_keys"
      " ADD COLUMN key_manager TEXT NOT NULL DEFAULT '';" },
    LV_MIGRATION_END,
};
