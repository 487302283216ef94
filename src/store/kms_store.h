/*
 * kms_store: the KMS service's records in the store — keys, their sealed
 * material versions, aliases, grants, tags and custom key stores — in
 * domain terms.
 *
 * Key material is only ever stored sealed (crypto/ lv_seal under the root
 * key); this layer never sees it in clear and never interprets it. Records
 * are scoped by (account, region); key and grant ids are globally unique.
 * Every function acts on the calling thread's connection and joins a
 * transaction opened with lv_store_begin(). Functions returning int answer
 * 0 (or 1 found / 0 absent for getters) and -1 with *err
 * (LV_E_SERVICE_UNAVAILABLE) on a store fault.
 */
#ifndef LV_STORE_KMS_STORE_H
#define LV_STORE_KMS_STORE_H

#include <stddef.h>
#include <stdint.h>

struct lv_buf;
struct lv_err;
struct lv_kms_material;
struct lv_store;

/*
 * The room of a stored key id. A single-Region key's id is its KeyId, a
 * UUID. The records of a multi-Region key (one per region, sharing their
 * KeyId "mrk-" + 32 hex digits) are stored as "mrk-…@REGION", unique
 * across regions; the KeyId is the part before '@' (and the end of arn).
 */
#define LV_KMS_ID_MAX 100

/* One KMS key, as DescribeKey shows it plus what logvault needs. */
struct lv_kms_key {
    char id[LV_KMS_ID_MAX];     /* UUID, or "mrk-…@REGION" (above) */
    char arn[256];              /* arn:aws:kms:REGION:ACCOUNT:key/KEYID */
    char account[13];
    char region[64];
    char *description;          /* owned, never NULL after get */
    char key_spec[32];          /* SYMMETRIC_DEFAULT, RSA_2048, … */
    char key_usage[32];         /* ENCRYPT_DECRYPT, SIGN_VERIFY, … */
    char state[32];             /* Enabled, Disabled, PendingDeletion,
                                 * PendingImport, Unavailable, … */
    char origin[16];            /* AWS_KMS, EXTERNAL */
    double creation_date;       /* epoch seconds */
    double deletion_date;       /* 0 unless PendingDeletion */
    int pending_window_days;    /* 0 unless PendingDeletion */
    char *policy;               /* owned, the key policy document */
    int rotation_enabled;
    int rotation_period_days;   /* 0 when rotation was never enabled */
    double next_rotation_date;  /* 0 when rotation is off */
    uint32_t current_version;   /* material version new ciphertexts use */
    int on_demand_rotations;    /* RotateKeyOnDemand calls so far */
    int material_destroyed;     /* 1 once deletion destroyed the material */
    uint64_t row_version;       /* moves at every change of the key: the
                                 * guard of the changes below */
    /* Imported material (origin EXTERNAL); "" and 0 for other keys. */
    char expiration_model[32];  /* KEY_MATERIAL_EXPIRES / _DOES_NOT_EXPIRE,
                                 * "" while no material is imported */
    double valid_to;            /* epoch seconds the material expires at,
                                 * 0 when it does not */
    char import_fingerprint[65]; /* hex of a keyed hash of the material
                                 * first imported (kms/import.c), "" until
                                 * then; kept when the material goes, so
                                 * that only the same material returns */
    /* Multi-Region keys: the region of the primary key ("" for a
     * single-Region key); the record is the primary when it is its own
     * region. */
    char primary_region[64];
    /* Keys of a custom key store (Origin AWS_CLOUDHSM): the store's id
     * ("cks-…", "" for any other key); the material is the token key
     * labelled with the key's id, never stored here. */
    char custom_key_store_id[24];
    /* "AWS" for an AWS managed key (kms/managed.c: made by DescribeKey on
     * a predefined alias/aws/… alias), "" for a customer managed key. */
    char key_manager[8];
};

void lv_kms_key_init(struct lv_kms_key *k);

/*
 * The KMS generation, for caches of KMS records (kms/cache.c): a number that
 * every write of this interface in this process moves (at the write, and
 * again when the transaction that made it ends), so a record read at
 * generation g is still the stored one while the generation is g. It says
 * nothing of writes by other processes or nodes. Returns 1 with *gen set;
 * 0 (*gen untouched) when the caller must not use a cache: its thread's
 * open transaction has KMS writes not committed yet (it must see them, and
 * no one else may), or the backend keeps no generation.
 */
int lv_store_kms_generation(struct lv_store *s, uint64_t *gen);
void lv_kms_key_release(struct lv_kms_key *k);

/* Inserts a new key with its first sealed material version (version 1,
 * created at k->creation_date); with sealed_len 0, a key with no material
 * at all (origin EXTERNAL, PendingImport). */
int lv_store_kms_key_insert(struct lv_store *s, const struct lv_kms_key *k,
                            const void *sealed, size_t sealed_len,
                            struct lv_err *err);

/* Reads the key `id` (any account/region: callers check the scope). */
int lv_store_kms_key_get(struct lv_store *s, const char *id,
                         struct lv_kms_key *out, struct lv_err *err);

/*
 * Changes of a key. There is no "write the whole record": each change sets
 * only the fields it is about, guarded by the row_version of the record its
 * caller read and decided on (the key's state, its rotation count …), and
 * moves row_version on. So a change decided on a record that another
 * writer has changed since is not made, and nothing another writer did is
 * undone: on any SQL backend this is one UPDATE … WHERE id = ? AND
 * row_version = ?, inside the caller's transaction.
 *
 * The way to use them (kms/keys.c lv_kms_key_change does it): in a
 * transaction, read the key (lv_store_kms_key_get), decide against that
 * record, make the change with its row_version; on 0, roll back, read again
 * and decide again.
 *
 * Each returns 1 when the change was made, 0 when the key is absent or its
 * row_version is no longer `row_version` (nothing written), -1 with *err on
 * a store fault. Each moves the KMS generation.
 */

/* Description. */
int lv_store_kms_key_set_description(struct lv_store *s, const char *id,
                                     uint64_t row_version,
                                     const char *description,
                                     struct lv_err *err);

/* State, for EnableKey / DisableKey ("Enabled", "Disabled"). */
int lv_store_kms_key_set_state(struct lv_store *s, const char *id,
                               uint64_t row_version, const char *state,
                               struct lv_err *err);

/* The key policy document. */
int lv_store_kms_key_set_policy(struct lv_store *s, const char *id,
                                uint64_t row_version, const char *policy,
                                struct lv_err *err);

/* State PendingDeletion, deleted at deletion_date (epoch seconds) after a
 * window of window_days. */
int lv_store_kms_key_schedule_deletion(struct lv_store *s, const char *id,
                                       uint64_t row_version,
                                       double deletion_date, int window_days,
                                       struct lv_err *err);

/* Cancels a scheduled deletion: state Disabled (as AWS leaves a key whose
 * deletion is cancelled), deletion date and window cleared. */
int lv_store_kms_key_cancel_deletion(struct lv_store *s, const char *id,
                                     uint64_t row_version,
                                     struct lv_err *err);

/* The automatic-rotation settings: on or off, the period in days, and the
 * date of the next rotation (0 when off). */
int lv_store_kms_key_set_rotation(struct lv_store *s, const char *id,
                                  uint64_t row_version, int enabled,
                                  int period_days, double next_rotation_date,
                                  struct lv_err *err);

/*
 * A rotation: adds the sealed material version m (m->version must be the
 * key's current_version + 1, else 0 and nothing written) and makes it
 * current, in one step. m->rotation_type "ON_DEMAND" counts one more
 * on-demand rotation and leaves the automatic schedule as it is;
 * "AUTOMATIC" moves next_rotation_date one rotation period past
 * m->created (when rotation is on).
 */
int lv_store_kms_key_rotate(struct lv_store *s, const char *id,
                            uint64_t row_version,
                            const struct lv_kms_material *m,
                            const void *sealed, size_t sealed_len,
                            struct lv_err *err);

/* An import of key material (ImportKeyMaterial). */
struct lv_kms_import {
    double created;             /* epoch seconds */
    char state[32];             /* the key's state after the import */
    char expiration_model[32];
    double valid_to;            /* 0: does not expire */
    char fingerprint[65];       /* see lv_kms_key.import_fingerprint */
};

/*
 * An import, in one step: the key's material becomes the sealed version 1
 * (any material it had is replaced), its state, expiration model, ValidTo
 * and import fingerprint those of imp.
 */
int lv_store_kms_key_import(struct lv_store *s, const char *id,
                            uint64_t row_version,
                            const struct lv_kms_import *imp,
                            const void *sealed, size_t sealed_len,
                            struct lv_err *err);

/*
 * Deletes a key's imported material (DeleteImportedKeyMaterial, or its
 * expiry), in one step: every sealed version destroyed, state `state`,
 * expiration model and ValidTo cleared; the import fingerprint stays.
 */
int lv_store_kms_key_delete_material(struct lv_store *s, const char *id,
                                     uint64_t row_version, const char *state,
                                     struct lv_err *err);

/*
 * Deletes the key, in one step: every sealed material version destroyed
 * (crypto-shredding), its aliases and grants deleted, and the record kept
 * as state "Deleted" with material_destroyed set and rotation off, so that
 * the id is never used again.
 */
int lv_store_kms_key_destroy(struct lv_store *s, const char *id,
                             uint64_t row_version, struct lv_err *err);

/*
 * Claims the key for a change of records that hang off it (its tags): moves
 * row_version on when it is still `row_version`. A change of tags decided
 * on the key's state (TagResource is refused once the key is pending
 * deletion) holds the key this way in its transaction, so it cannot land
 * after a state change it did not see.
 */
int lv_store_kms_key_hold(struct lv_store *s, const char *id,
                          uint64_t row_version, struct lv_err *err);

/* Keys of (account, region) with id > `after` ("" for the first page),
 * ordered by id, at most `limit`; calls fn for each (a loan valid during
 * the call). A non-zero return from fn stops the walk and is returned. */
typedef int (*lv_kms_key_fn)(void *arg, const struct lv_kms_key *k);
int lv_store_kms_key_list(struct lv_store *s, const char *account,
                          const char *region, const char *after, int limit,
                          lv_kms_key_fn fn, void *arg, struct lv_err *err);

/*
 * The records of the multi-Region key `key_id` (its KeyId, "mrk-…"): every
 * region's, deleted ones included, in region order; calls fn for each.
 */
int lv_store_kms_key_mr_list(struct lv_store *s, const char *key_id,
                             lv_kms_key_fn fn, void *arg,
                             struct lv_err *err);

/*
 * UpdatePrimaryRegion: every record of the multi-Region key `key_id` gets
 * primary_region `region`, and its row_version moves on. Not guarded: the
 * caller holds the primary record (lv_store_kms_key_hold) first in the
 * same transaction.
 */
int lv_store_kms_key_set_primary(struct lv_store *s, const char *key_id,
                                 const char *region, struct lv_err *err);

/* Keys of every scope whose state is PendingDeletion with deletion_date <=
 * now, whose rotation is due (next_rotation_date <= now), or whose
 * imported material expires (0 < valid_to <= now): the background task's
 * work list. */
int lv_store_kms_key_due(struct lv_store *s, double now, lv_kms_key_fn fn,
                         void *arg, struct lv_err *err);

/* ---- material versions ------------------------------------------------ */

struct lv_kms_material {
    uint32_t version;
    double created;             /* epoch seconds */
    char rotation_type[16];     /* "" for the first, AUTOMATIC, ON_DEMAND */
};

/* Versions after the first are added by lv_store_kms_key_rotate only,
 * together with the key's current_version. */

/* The sealed bytes of (key_id, version) into *sealed (reset first). */
int lv_store_kms_material_get(struct lv_store *s, const char *key_id,
                              uint32_t version, struct lv_buf *sealed,
                              struct lv_err *err);

/* Versions of key_id, oldest first, with version > after, at most limit. */
typedef int (*lv_kms_material_fn)(void *arg, const struct lv_kms_material *m);
int lv_store_kms_material_list(struct lv_store *s, const char *key_id,
                               uint32_t after, int limit,
                               lv_kms_material_fn fn, void *arg,
                               struct lv_err *err);

/* Destroys every sealed version of key_id (crypto-shredding at deletion). */
int lv_store_kms_material_destroy(struct lv_store *s, const char *key_id,
                                  struct lv_err *err);

/* ---- aliases ------------------------------------------------------------ */

struct lv_kms_alias {
    char account[13];
    char region[64];
    char name[257];             /* "alias/…" */
    char key_id[LV_KMS_ID_MAX];
    double creation_date;
    double last_updated;
};

/* Inserts; returns 1 when the name already exists in the scope (nothing
 * written), 0 when inserted. */
int lv_store_kms_alias_insert(struct lv_store *s, const struct lv_kms_alias *a,
                              struct lv_err *err);
int lv_store_kms_alias_get(struct lv_store *s, const char *account,
                           const char *region, const char *name,
                           struct lv_kms_alias *out, struct lv_err *err);
/* Points the alias at a->key_id and sets last_updated, if it still points
 * at `from_key_id` (the key its caller read and authorized against) and
 * a->key_id names a key that is not deleted: 1 changed, 0 not (nothing
 * written; the alias changed or is gone, or the key was deleted since),
 * -1 with *err on a store fault. */
int lv_store_kms_alias_update(struct lv_store *s, const struct lv_kms_alias *a,
                              const char *from_key_id, struct lv_err *err);
/* Deletes the alias if it still points at from_key_id (the key its caller
 * read and authorized against): 1 deleted, 0 not (nothing written; it
 * points elsewhere now, or is gone), -1 with *err on a store fault. */
int lv_store_kms_alias_delete(struct lv_store *s, const char *account,
                              const char *region, const char *name,
                              const char *from_key_id, struct lv_err *err);
/* Aliases of the scope (key_id NULL: all; else only that key's) with
 * name > after, ordered by name, at most limit. */
typedef int (*lv_kms_alias_fn)(void *arg, const struct lv_kms_alias *a);
int lv_store_kms_alias_list(struct lv_store *s, const char *account,
                            const char *region, const char *key_id,
                            const char *after, int limit, lv_kms_alias_fn fn,
                            void *arg, struct lv_err *err);
/* Deletes every alias of key_id (key deletion). */
int lv_store_kms_alias_delete_for_key(struct lv_store *s, const char *key_id,
                                      struct lv_err *err);

/* ---- grants --------------------------------------------------------------- */

struct lv_kms_grant {
    char id[65];                /* grant id (hex) */
    char key_id[LV_KMS_ID_MAX];
    char *name;                 /* owned, "" when none */
    char *grantee;              /* owned: principal ARN or service name */
    char *retiring;             /* owned, "" when none */
    char *issuing_account;      /* owned: arn:aws:iam::ACCOUNT:root */
    char *operations;           /* owned: JSON array of operation names */
    char *constraints;          /* owned: JSON object or "" */
    double creation_date;
};

void lv_kms_grant_init(struct lv_kms_grant *g);
void lv_kms_grant_release(struct lv_kms_grant *g);

int lv_store_kms_grant_insert(struct lv_store *s, const struct lv_kms_grant *g,
                              struct lv_err *err);
int lv_store_kms_grant_get(struct lv_store *s, const char *grant_id,
                           struct lv_kms_grant *out, struct lv_err *err);
int lv_store_kms_grant_delete(struct lv_store *s, const char *grant_id,
                              struct lv_err *err);
/* Grants of key_id (NULL: any key) whose retiring principal is `retiring`
 * (NULL: any), with id > after, ordered by id, at most limit. */
typedef int (*lv_kms_grant_fn)(void *arg, const struct lv_kms_grant *g);
int lv_store_kms_grant_list(struct lv_store *s, const char *key_id,
                            const char *retiring, const char *after,
                            int limit, lv_kms_grant_fn fn, void *arg,
                            struct lv_err *err);
int lv_store_kms_grant_delete_for_key(struct lv_store *s, const char *key_id,
                                      struct lv_err *err);

/* ---- tags ------------------------------------------------------------------ */

/* Sets (inserts or replaces) one tag. */
int lv_store_kms_tag_set(struct lv_store *s, const char *key_id,
                         const char *tag_key, const char *value,
                         struct lv_err *err);
int lv_store_kms_tag_delete(struct lv_store *s, const char *key_id,
                            const char *tag_key, struct lv_err *err);
/* Tags of key_id with tag_key > after, ordered by tag key, at most limit. */
typedef int (*lv_kms_tag_fn)(void *arg, const char *tag_key,
                             const char *value);
int lv_store_kms_tag_list(struct lv_store *s, const char *key_id,
                          const char *after, int limit, lv_kms_tag_fn fn,
                          void *arg, struct lv_err *err);
int lv_store_kms_tag_count(struct lv_store *s, const char *key_id, int *n,
                           struct lv_err *err);

/* ---- custom key stores ------------------------------------------------------ */

/*
 * One custom key store (CreateCustomKeyStore). Its KeyStorePassword (the
 * token's user PIN) is never stored: it lives in memory while the store
 * is connected (kms/ only).
 */
struct lv_kms_cks {
    char id[24];                /* "cks-" + 17 hex digits, globally unique */
    char account[13];
    char region[64];
    char name[257];             /* CustomKeyStoreName, unique in the scope */
    char type[32];              /* AWS_CLOUDHSM | EXTERNAL_KEY_STORE */
    char cluster_id[64];        /* CloudHsmClusterId: the token's label */
    char *trust_anchor;         /* owned PEM certificate, never NULL after get */
    char state[32];             /* ConnectionState */
    char error_code[64];        /* ConnectionErrorCode, "" when none */
    double creation_date;
};

void lv_kms_cks_init(struct lv_kms_cks *c);
void lv_kms_cks_release(struct lv_kms_cks *c);

/* Inserts c: 0, or 1 (nothing written) when its id or its name in the
 * scope exists. */
int lv_store_kms_cks_insert(struct lv_store *s, const struct lv_kms_cks *c,
                            struct lv_err *err);
/* 1 with *out (released first) when the store `id` exists, 0 when not. */
int lv_store_kms_cks_get(struct lv_store *s, const char *id,
                         struct lv_kms_cks *out, struct lv_err *err);
/* Writes every field of c but its id, scope, type and creation date over
 * the record c->id: 1 when written, 0 when absent. The caller checks the
 * new name is free in the same transaction (a clash is a store fault). */
int lv_store_kms_cks_update(struct lv_store *s, const struct lv_kms_cks *c,
                            struct lv_err *err);
/* 1 when the store `id` was deleted, 0 when absent. */
int lv_store_kms_cks_delete(struct lv_store *s, const char *id,
                            struct lv_err *err);
/* The scope's stores with id > after, ordered by id, at most limit. */
typedef int (*lv_kms_cks_fn)(void *arg, const struct lv_kms_cks *c);
int lv_store_kms_cks_list(struct lv_store *s, const char *account,
                          const char *region, const char *after, int limit,
                          lv_kms_cks_fn fn, void *arg, struct lv_err *err);
/* *n = the keys of the store `id` not Deleted (a key pending deletion
 * counts: DeleteCustomKeyStore waits for it). */
int lv_store_kms_cks_key_count(struct lv_store *s, const char *id, int *n,
                               struct lv_err *err);

#endif
