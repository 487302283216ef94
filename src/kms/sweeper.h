/*
 * sweeper: the KMS background task. A thread that, right at start and then
 * every interval, asks the store for the keys whose time has come and
 * acts on them:
 * - a key PendingDeletion whose DeletionDate has passed is deleted: its
 *   material versions are destroyed (crypto-shredding: every ciphertext
 *   under it is unreadable from then on), its aliases and grants are
 *   deleted, and it is marked destroyed, which every operation treats as
 *   "does not exist";
 * - a key whose imported material has expired (ValidTo passed) loses it:
 *   its material is deleted and it becomes PendingImport (a key pending
 *   deletion stays so), as AWS does (DeleteExpiredKeyMaterial);
 * - an Enabled key whose automatic rotation is due is rotated
 *   (lv_kms_rotate_key, type AUTOMATIC).
 * Each change is recorded in the audit trail when it is kept (app->audit),
 * as AWS records KMS's own actions (DeleteKey, DeleteExpiredKeyMaterial,
 * RotateKey: AwsServiceEvent records), in the change's transaction: a
 * change whose record cannot be written is rolled back and tried again at
 * the next pass.
 * It reads the wall clock itself (it serves no request), so a server run
 * under faketime deletes on the faked date. Each pass first takes the
 * store's lease "kms.sweeper" (lv_store_lease) and is skipped without it,
 * so that of several nodes sharing a store one does the work, and another
 * takes it over when that one dies.
 *
 * Not here: scheduling deletion or rotation (keys.c, admin.c); anything a
 * client waits for — the sweeper's work is never on a request's path.
 */
#ifndef LV_KMS_SWEEPER_H
#define LV_KMS_SWEEPER_H

struct lv_app;
struct lv_kms_sweeper;

/*
 * Starts the sweeper for app (its store and root key, which must outlive
 * the sweeper) with a pass every interval_ms (> 0) and one at once.
 * Returns the handle, or NULL when the thread cannot be started (logged).
 */
struct lv_kms_sweeper *lv_kms_sweeper_start(struct lv_app *app,
                                            int interval_ms);

/*
 * Stops the sweeper: wakes it at once, waits for a pass in progress to
 * finish, joins the thread and frees the handle. NULL is a no-op.
 */
void lv_kms_sweeper_stop(struct lv_kms_sweeper *s);

#endif
