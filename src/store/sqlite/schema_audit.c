/*
 * schema_audit.c: the audit component's schema steps — the audit trail of
 * audit_store.h (see struct lv_migration in store_int.h). Versions start
 * at 1 and have no gap; a released step is never edited. Tables are
 * prefixed audit_.
 *
 * audit_records: one row per record, its CloudTrail JSON (event) beside
 * the columns LookupEvents selects on; every lookup attribute has an
 * index that leads with (account, region) and ends in the time order
 * (event_time_ms, id) of the answer. (account, region, seq) is unique:
 * a chain has one record per place. audit_resources: the resources a
 * record names, in order (pos); they go with their record (ON DELETE
 * CASCADE). audit_chains: one row per (account, region) chain, its head
 * (the last record appended) and its base (the last record expired).
 * audit_digests: the signed chain heads, in id order. audit_batches
 * (step 2): the batches of records of audit_store.h.
 */
#include "store/sqlite/sqlite_int.h"

const struct lv_migration lv_sqlite_migrations_audit[] = {
    { "audit", 1,
      "CREATE TABLE audit_records ("
      " id INTEGER PRIMARY KEY AUTOINCREMENT,"
      " account TEXT NOT NULL,"
      " region TEXT NOT NULL,"
      " seq INTEGER NOT NULL,"
      " event_time_ms INTEGER NOT NULL,"
      " event_id TEXT NOT NULL,"
      " request_id TEXT NOT NULL,"
      " event_source TEXT NOT NULL,"
      " event_name TEXT NOT NULL,"
      " read_only INTEGER NOT NULL,"
      " key_use INTEGER NOT NULL,"
      " username TEXT NOT NULL,"
      " access_key_id TEXT NOT NULL,"
      " error_code TEXT NOT NULL,"
      " event TEXT NOT NULL,"
      " trace TEXT,"
      " prev_hash BLOB NOT NULL,"
      " hash BLOB NOT NULL);"
      "CREATE UNIQUE INDEX audit_records_seq ON audit_records"
      " (account, region, seq);"
      "CREATE INDEX audit_records_time ON audit_records"
      " (account, region, event_time_ms, id);"
      "CREATE INDEX audit_records_event_id ON audit_records"
      " (account, region, event_id, event_time_ms, id);"
      "CREATE INDEX audit_records_event_name ON audit_records"
      " (account, region, event_name, event_time_ms, id);"
      "CREATE INDEX audit_records_read_only ON audit_records"
      " (account, region, read_only, event_time_ms, id);"
      "CREATE INDEX audit_records_username ON audit_records"
      " (account, region, username, event_time_ms, id);"
      "CREATE INDEX audit_records_event_source ON audit_records"
      " (account, region, event_source, event_time_ms, id);"
      "CREATE INDEX audit_records_access_key ON audit_records"
      " (account, region, access_key_id, event_time_ms, id);"
      "CREATE INDEX audit_records_request ON audit_records"
      " (account, request_id, id);"
      /* Expiry finds the old records of every chain. */
      "CREATE INDEX audit_records_expiry ON audit_records (event_time_ms);"
      "CREATE TABLE audit_resources ("
      " record_id INTEGER NOT NULL"
      "  REFERENCES audit_records (id) ON DELETE CASCADE,"
      " pos INTEGER NOT NULL,"
      " type TEXT NOT NULL,"
      " name TEXT NOT NULL,"
      " PRIMARY KEY (record_id, pos));"
      "CREATE INDEX audit_resources_type ON audit_resources"
      " (type, record_id);"
      "CREATE INDEX audit_resources_name ON audit_resources"
      " (name, type, record_id);"
      "CREATE TABLE audit_chains ("
      " account TEXT NOT NULL,"
      " region TEXT NOT NULL,"
      " head_seq INTEGER NOT NULL,"
      " head_hash BLOB NOT NULL,"
      " base_seq INTEGER NOT NULL,"
      " base_hash BLOB NOT NULL,"
      " PRIMARY KEY (account, region));"
      "CREATE TABLE audit_digests ("
      " id INTEGER PRIMARY KEY AUTOINCREMENT,"
      " account TEXT NOT NULL,"
      " region TEXT NOT NULL,"
      " start_ms INTEGER NOT NULL,"
      " end_ms INTEGER NOT NULL,"
      " head_seq INTEGER NOT NULL,"
      " head_hash BLOB NOT NULL,"
      " prev_signature BLOB NOT NULL,"
      " signature BLOB NOT NULL);"
      "CREATE INDEX audit_digests_chain ON audit_digests"
      " (account, region, id);" },
    /* Batches of records (audit_store.h): one row per run of consecutive
     * records of a chain, their bodies compressed, selected on the time
     * range and on the value sets attrs and ids (instr()), never on a
     * per-record index. (account, region, seq_first) is unique: a place
     * of a chain is in one batch. */
    { "audit", 2,
      "CREATE TABLE audit_batches ("
      " id INTEGER PRIMARY KEY AUTOINCREMENT,"
      " account TEXT NOT NULL,"
      " region TEXT NOT NULL,"
      " seq_first INTEGER NOT NULL,"
      " seq_last INTEGER NOT NULL,"
      " time_min INTEGER NOT NULL,"
      " time_max INTEGER NOT NULL,"
      " attrs TEXT NOT NULL,"
      " ids TEXT NOT NULL,"
      " last_hash BLOB NOT NULL,"
      " body BLOB NOT NULL);"
      "CREATE UNIQUE INDEX audit_batches_seq ON audit_batches"
      " (account, region, seq_first);"
      "CREATE INDEX audit_batches_time ON audit_batches"
      " (account, region, time_max, id);"
      /* Expiry, and a key's last use in any chain. */
      "CREATE INDEX audit_batches_expiry ON audit_batches (time_max, id);" },
    /* The salt of the eventIDs batched records derive from their place
     * (store/audit_eid.h): two stores never give two records one id. */
    { "audit", 3,
      "INSERT INTO meta (key, value)"
      " VALUES ('audit.eid_salt', randomblob(16));" },
    LV_MIGRATION_END,
};
