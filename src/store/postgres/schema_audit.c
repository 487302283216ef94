/*
 * schema_audit.c: the audit component's schema steps in PostgreSQL's
 * dialect (the tables of sqlite/schema_audit.c) — the audit trail of
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
 * audit_digests: the signed chain heads, in id order.
 */
#include "store/postgres/pg_int.h"

const struct lv_migration lv_pg_migrations_audit[] = {
    { "audit", 1,
      "CREATE TABLE audit_records ("
      " id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
      " account TEXT COLLATE \"C\" NOT NULL,"
      " region TEXT COLLATE \"C\" NOT NULL,"
      " seq BIGINT NOT NULL,"
      " event_time_ms BIGINT NOT NULL,"
      " event_id TEXT COLLATE \"C\" NOT NULL,"
      " request_id TEXT COLLATE \"C\" NOT NULL,"
      " event_source TEXT COLLATE \"C\" NOT NULL,"
      " event_name TEXT COLLATE \"C\" NOT NULL,"
      " read_only BIGINT NOT NULL,"
      " key_use BIGINT NOT NULL,"
      " username TEXT COLLATE \"C\" NOT NULL,"
      " access_key_id TEXT COLLATE \"C\" NOT NULL,"
      " error_code TEXT COLLATE \"C\" NOT NULL,"
      " event TEXT COLLATE \"C\" NOT NULL,"
      " trace TEXT,"
      " prev_hash BYTEA NOT NULL,"
      " hash BYTEA NOT NULL);"
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
      " record_id BIGINT NOT NULL"
      "  REFERENCES audit_records (id) ON DELETE CASCADE,"
      " pos BIGINT NOT NULL,"
      " type TEXT COLLATE \"C\" NOT NULL,"
      " name TEXT COLLATE \"C\" NOT NULL,"
      " PRIMARY KEY (record_id, pos));"
      "CREATE INDEX audit_resources_type ON audit_resources"
      " (type, record_id);"
      "CREATE INDEX audit_resources_name ON audit_resources"
      " (name, type, record_id);"
      "CREATE TABLE audit_chains ("
      " account TEXT COLLATE \"C\" NOT NULL,"
      " region TEXT COLLATE \"C\" NOT NULL,"
      " head_seq BIGINT NOT NULL,"
      " head_hash BYTEA NOT NULL,"
      " base_seq BIGINT NOT NULL,"
      " base_hash BYTEA NOT NULL,"
      " PRIMARY KEY (account, region));"
      "CREATE TABLE audit_digests ("
      " id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
      " account TEXT COLLATE \"C\" NOT NULL,"
      " region TEXT COLLATE \"C\" NOT NULL,"
      " start_ms BIGINT NOT NULL,"
      " end_ms BIGINT NOT NULL,"
      " head_seq BIGINT NOT NULL,"
      " head_hash BYTEA NOT NULL,"
      " prev_signature BYTEA NOT NULL,"
      " signature BYTEA NOT NULL);"
      "CREATE INDEX audit_digests_chain ON audit_digests"
      " (account, region, id);" },
    /* Batches of records (audit_store.h), as sqlite's step 2. */
    { "audit", 2,
      "CREATE TABLE audit_batches ("
      " id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
      " account TEXT COLLATE \"C\" NOT NULL,"
      " region TEXT COLLATE \"C\" NOT NULL,"
      " seq_first BIGINT NOT NULL,"
      " seq_last BIGINT NOT NULL,"
      " time_min BIGINT NOT NULL,"
      " time_max BIGINT NOT NULL,"
      " attrs TEXT COLLATE \"C\" NOT NULL,"
      " ids TEXT COLLATE \"C\" NOT NULL,"
      " last_hash BYTEA NOT NULL,"
      " body BYTEA NOT NULL);"
      "CREATE UNIQUE INDEX audit_batches_seq ON audit_batches"
      " (account, region, seq_first);"
      "CREATE INDEX audit_batches_time ON audit_batches"
      " (account, region, time_max, id);"
      "CREATE INDEX audit_batches_expiry ON audit_batches (time_max, id);" },
    /* The salt of derived eventIDs, as sqlite's step 3: 16 bytes of
     * gen_random_uuid() (PostgreSQL 13 and later, no extension; its 122
     * random bits come from the server's strong random source). */
    { "audit", 3,
      "INSERT INTO meta (key, value)"
      " VALUES ('audit.eid_salt',"
      " decode(replace(gen_random_uuid()::text, '-', ''), 'hex'));" },
    LV_MIGRATION_END,
};
