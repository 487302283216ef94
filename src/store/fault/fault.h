/*
 * fault: a wrapper backend for tests that sits in front of another and
 * makes chosen store calls fail, as a store that is down or a disk that is
 * full would: the call returns -1 with LV_E_SERVICE_UNAVAILABLE and
 * LV_STORE_UNAVAILABLE_MSG and writes nothing (the inner backend is not
 * called at all), so a client sees ServiceUnavailableException and
 * whatever the service had written in its transaction is rolled back by
 * the service itself.
 *
 * A spec is a list of rules separated by commas (blanks ignored):
 *   OP          every call of OP fails
 *   OP#N        only the Nth call of OP (counted from the wrap, 1-based)
 *   #N          only the Nth call of any operation
 *   commit/OP   the outermost commit of every transaction in which the
 *               same thread called OP fails (the transaction is rolled
 *               back, as a failed commit leaves it): e.g.
 *               commit/logs.chunk_insert is the commit of PutLogEvents
 *   commit/OP#N only the Nth such commit
 * OP is one of lv_store_fault_ops: a core operation (ping, exec, begin,
 * commit, version_get, version_set, version_each, meta_get, meta_set,
 * meta_add; "begin" covers lv_store_begin_relaxed too) or a domain one,
 * "COMPONENT.NAME" for each entry NAME of a component's list:
 * kms_ops.def, logs_ops.def, audit_ops.def, insights_ops.def,
 * lookup_ops.def, policies_ops.def, sched_ops.def, anomaly_ops.def and
 * livetail_ops.def ("kms.key_get", "audit.batch_insert"). rollback, close,
 * kms_generation, lease and lv_store_lock never fail (lease and the lock
 * are passed through unchanged).
 *
 * How it is turned on: by tests through lv_store_fault_wrap(), and in a
 * server built for tests (the sanitizer build: the Makefile defines
 * LV_STORE_FAULT_INJECTION there only) by LOGVAULT_STORE_FAULT=SPEC, which
 * lv_store_open() reads. A release build has no code that reads the
 * variable, so a production server cannot be made to fail this way by its
 * environment; a test server says so in its log at startup.
 */
#ifndef LV_STORE_FAULT_FAULT_H
#define LV_STORE_FAULT_FAULT_H

struct lv_err;
struct lv_store;

/* Every operation name a rule may use, NULL-terminated. */
extern const char *const lv_store_fault_ops[];

/* Puts the wrapper in front of the open store s's backend, with the rules
 * of spec ("" for none). 0, or -1 with *err (LV_E_INVALID_PARAMETER naming
 * the rule) when spec is malformed, s then unchanged. No call may be in
 * flight. lv_store_close() closes both. */
int lv_store_fault_wrap(struct lv_store *s, const char *spec,
                        struct lv_err *err);

/* Replaces the rules of a wrapped store (a store that is not wrapped is a
 * bug) and restarts the counts. 0, or -1 with *err, the rules unchanged.
 * No call may be in flight. */
int lv_store_fault_set(struct lv_store *s, const char *spec,
                       struct lv_err *err);

/* How many calls the wrapper has failed since its rules were set. */
long lv_store_fault_hits(struct lv_store *s);

#endif
