/*
 * policies_store: the Logs service's policies in the store (schema
 * component "policies") — data protection policies of a log group and
 * account-level policies of any type (PutAccountPolicy), kept generic:
 * account, region, scope, type, name, document, selection criteria,
 * times.
 *
 * A policy is never updated in place: a put closes the row in force (its
 * to_ms set) and inserts a new one, and a delete only closes it. The rows
 * closed stay, so that what was in force when an event was ingested can be
 * asked later (data protection masks the events ingested while a policy
 * was in force, even after it is deleted: logs/dataprot.h).
 *
 * `scope` says what the policy is attached to: LV_POLICY_SCOPE_ACCOUNT for
 * an account policy, or "group:<log group id>" for a log group's (ids are
 * never reused, so a group deleted and created again starts bare). Every
 * function acts on the calling thread's connection and joins a transaction
 * opened with lv_store_begin(); 0 (or a count) and -1 with *err
 * (LV_E_SERVICE_UNAVAILABLE) on a store fault. The operations are listed
 * in policies_ops.def.
 *
 * The generation: a number the store bumps, in the writer's transaction,
 * on every insert and close of a policy of any scope and type (a trigger
 * on the table, so no writer can forget it). Every read of a log group
 * returns the generation as of that read (lv_log_group.policy_gen, same
 * statement, so no extra round trip). A reader that cached policies read
 * at or after a group read that returned generation G may serve them to
 * any later request whose group read returns G; a different number means
 * a write committed since: re-read. On PostgreSQL this holds across
 * nodes, since the number lives in the database.
 */
#ifndef LV_STORE_POLICIES_STORE_H
#define LV_STORE_POLICIES_STORE_H

#include <stddef.h>
#include <stdint.h>

struct lv_err;
struct lv_store;

#define LV_POLICY_SCOPE_ACCOUNT "account"

struct lv_log_policy_rec {
    int64_t id;                     /* set by the store, increasing */
    char account[13];
    char region[64];
    char scope[64];                 /* "account" | "group:<id>" */
    char type[48];                  /* "DATA_PROTECTION_POLICY", … */
    char name[256];                 /* policyName ("" for a group's) */
    char *document;                 /* the policy document, as given */
    char *selection;                /* selectionCriteria, "" if none */
    char policy_scope[16];          /* the API's scope: "ALL" */
    int64_t from_ms;                /* put at (lastUpdatedTime) */
    int64_t to_ms;                  /* closed at; 0 while in force */
};

/* Frees what a record read from the store owns and zeroes those members. */
void lv_log_policy_rec_release(struct lv_log_policy_rec *p);

/* A list's callback, per record: 0 goes on, non-zero stops the list and is
 * its result. The record is a loan for the call. */
typedef int (*lv_log_policy_fn)(void *arg, const struct lv_log_policy_rec *p);

/* Inserts p (id ignored; to_ms should be 0). 0 or -1. */
int lv_store_policies_insert(struct lv_store *s,
                             const struct lv_log_policy_rec *p,
                             struct lv_err *err);

/* Closes the row in force of (account, region, scope, type, name), setting
 * its to_ms to now_ms: 1 when one was closed, 0 when none was in force,
 * -1 on a fault. */
int lv_store_policies_close(struct lv_store *s, const char *account,
                            const char *region, const char *scope,
                            const char *type, const char *name,
                            int64_t now_ms, struct lv_err *err);

/* Calls fn on the rows of (account, region, scope, type) — those in force
 * only, or every row ever put when `history` — in id order (the order they
 * were put). 0, fn's non-zero result, or -1 on a fault. */
int lv_store_policies_list(struct lv_store *s, const char *account,
                           const char *region, const char *scope,
                           const char *type, int history,
                           lv_log_policy_fn fn, void *arg,
                           struct lv_err *err);

#endif
