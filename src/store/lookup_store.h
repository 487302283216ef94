/*
 * lookup_store: CloudWatch Logs lookup tables in the store (schema
 * component "lookup") — CreateLookupTable, UpdateLookupTable,
 * DescribeLookupTables, GetLookupTable, DeleteLookupTable, and the tables
 * Insights' lookup command reads.
 *
 * A table's CSV content never reaches the store in clear: the Logs
 * service (logs/lookup_table.c) seals it under a data key of its own and
 * stores the sealed bytes and the wrapped data key; the store keeps them
 * opaque. The metadata DescribeLookupTables shows (name, description,
 * column names, row count, size, key ARN, times) is stored in clear, as
 * AWS shows it to anyone allowed to describe.
 *
 * Tables are scoped by (account, region) and named uniquely there. Every
 * function acts on the calling thread's connection and joins a
 * transaction opened with lv_store_begin(). Functions returning int
 * answer 0 (or 1 found / 0 absent, as each says) and -1 with *err
 * (LV_E_SERVICE_UNAVAILABLE) on a store fault. The operations are listed
 * in lookup_ops.def.
 */
#ifndef LV_STORE_LOOKUP_STORE_H
#define LV_STORE_LOOKUP_STORE_H

#include <stddef.h>
#include <stdint.h>

struct lv_err;
struct lv_store;

struct lv_lookup_rec {
    char account[13];
    char region[64];
    char name[257];             /* LookupTableName: [a-zA-Z0-9_]{1,256} */
    char *description;          /* "" when none */
    char kms_key_arn[256];      /* "" when the service's own key */
    char *fields;               /* JSON array of the column names */
    int64_t records;            /* data rows */
    int64_t size_bytes;         /* the CSV's length */
    int64_t created_ms;
    int64_t updated_ms;
    char *tags;                 /* JSON object, "{}" when none */
    uint8_t *data_key;          /* the wrapped data key (a KMS ciphertext
                                 * blob, or the service key's wrap) */
    size_t data_key_len;
    uint8_t *body;              /* the sealed CSV; NULL when read
                                 * without it */
    size_t body_len;
};

/* Frees what a record read from the store owns and NULLs those members;
 * the struct itself is the caller's. */
void lv_lookup_rec_release(struct lv_lookup_rec *t);

typedef int (*lv_lookup_rec_fn)(void *arg, const struct lv_lookup_rec *t);

/* Inserts t: 1 inserted, 0 a table of that name exists in t's scope
 * (nothing written). */
int lv_store_lookup_insert(struct lv_store *s, const struct lv_lookup_rec *t,
                           struct lv_err *err);

/* Table `name` of (account, region): 1 found (with the sealed body when
 * with_body, else body NULL), 0 absent. */
int lv_store_lookup_get(struct lv_store *s, const char *account,
                        const char *region, const char *name, int with_body,
                        struct lv_lookup_rec *out, struct lv_err *err);

/* UpdateLookupTable: sets description, kms_key_arn, fields, records,
 * size_bytes, updated_ms, data_key and body of the table t names (t's
 * account, region, name) in one statement: 1 updated, 0 no such table.
 * created_ms and tags are left as they are. */
int lv_store_lookup_update(struct lv_store *s, const struct lv_lookup_rec *t,
                           struct lv_err *err);

/*
 * DescribeLookupTables: the tables of (account, region) whose name starts
 * with `prefix` ("" all), by name ascending, after after_name ("" from the
 * start), at most limit (> 0), without body. fn's non-zero return stops
 * the walk and is returned.
 */
int lv_store_lookup_list(struct lv_store *s, const char *account,
                         const char *region, const char *prefix,
                         const char *after_name, int limit,
                         lv_lookup_rec_fn fn, void *arg, struct lv_err *err);

/* How many tables (account, region) has (the quota). */
int lv_store_lookup_count(struct lv_store *s, const char *account,
                          const char *region, int64_t *n, struct lv_err *err);

/* 1 deleted, 0 no such table. */
int lv_store_lookup_delete(struct lv_store *s, const char *account,
                           const char *region, const char *name,
                           struct lv_err *err);

#endif
