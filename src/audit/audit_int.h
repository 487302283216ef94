/*
 * audit_int.h: what the recorder's files share (audit.c: the object, its
 * writer thread and its digest and retention task; record.c: the hooks
 * that turn a request into a record).
 */
#ifndef LV_AUDIT_AUDIT_INT_H
#define LV_AUDIT_AUDIT_INT_H

#include "audit/audit.h"

struct lv_audit_record;
struct lv_audit_enc;

/* The recorder's configuration, as lv_audit_new() was given it. */
const struct lv_audit_config *lv_audit_config_of(const struct lv_audit *a);

/* The store and keyring records are appended with. */
struct lv_store *lv_audit_store(const struct lv_audit *a);
const struct lv_keyring *lv_audit_keyring(const struct lv_audit *a);

/*
 * A record for the writer: lv_audit_submit() copies r (built by the
 * caller, in storage of its own that stays hot in its cache: record.c
 * uses one per thread) into a compact job of the few hundred bytes its
 * fields and texts take (the 9 KB struct lv_audit_record is mostly room
 * for four 2 KB resource names), taken from a's pool of written jobs when
 * one is large enough, else allocated; r stays the caller's to release.
 * The job holds r's enc2 bytes (store/audit_store.h), which the writer
 * hashes and stores as they are (audit.c, lv_audit_chain_append_flat),
 * appending them to their chain in a later batch, and then gives the job
 * back to the pool.
 *
 * With may_wait, submit waits while the queue is full, so that a burst
 * slows callers down rather than losing records; a caller that may hold a
 * store transaction passes 0 (the writer may need the lock it holds: on
 * sqlite, the write lock), and its record is queued past the bound. After
 * the writer stopped (a bug: no request runs then) the record is dropped
 * with a warning.
 */
void lv_audit_submit(struct lv_audit *a, const struct lv_audit_record *r,
                     int may_wait);

/* As lv_audit_submit, for the record e gives (event.h,
 * lv_audit_event_enc): its head's fields and tail's bytes are copied into
 * the job as they are, with no record struct built in between. e stays
 * the caller's. */
void lv_audit_submit_enc(struct lv_audit *a, const struct lv_audit_enc *e,
                         int may_wait);

#endif
