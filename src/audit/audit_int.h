/*
 * audit_int.h: what the recorder's files share (audit.c: the object, its
 * writer thread and its digest and retention task; record.c: the hooks
 * that turn a request into a record).
 */
#ifndef LV_AUDIT_AUDIT_INT_H
#define LV_AUDIT_AUDIT_INT_H

#include "audit/audit.h"

struct lv_audit_record;

/* The recorder's configuration, as lv_audit_new() was given it. */
const struct lv_audit_config *lv_audit_config_of(const struct lv_audit *a);

/* The store and keyring records are appended with. */
struct lv_store *lv_audit_store(const struct lv_audit *a);
const struct lv_keyring *lv_audit_keyring(const struct lv_audit *a);

/*
 * A record for the writer, built in place (a record is 9 KB: it is
 * neither zeroed nor copied more than once on a request's path):
 * lv_audit_job_new() gives storage for one (not zeroed: the builder zeroes
 * it), taken from a's pool of written jobs when it has one, else
 * allocated; lv_audit_submit() hands it, and what it owns, to the writer,
 * which appends it to its chain in a later batch and then gives the job
 * back to the pool; lv_audit_job_discard() releases and frees one that is
 * not submitted.
 *
 * With may_wait, submit waits while the queue is full, so that a burst
 * slows callers down rather than losing records; a caller that may hold a
 * store transaction passes 0 (the writer may need the lock it holds: on
 * sqlite, the write lock), and its record is queued past the bound. After
 * the writer stopped (a bug: no request runs then) the record is dropped
 * with a warning.
 */
struct lv_audit_record *lv_audit_job_new(struct lv_audit *a);
void lv_audit_job_discard(struct lv_audit_record *r);
void lv_audit_submit(struct lv_audit *a, struct lv_audit_record *r,
                     int may_wait);

#endif
