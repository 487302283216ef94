/*
 * dataprot: CloudWatch Logs data protection — the policy document
 * (PutDataProtectionPolicy, PutAccountPolicy of type
 * DATA_PROTECTION_POLICY), the managed and custom data identifiers it
 * names, and the masking every read path applies.
 *
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/
 * mask-sensitive-log-data.html (and its policy syntax and managed data
 * identifier pages).
 *
 * When masking applies: AWS detects and masks "when it is ingested into
 * the log group … log events ingested before that time are not masked",
 * and keeps the original for principals allowed logs:Unmask. logvault
 * stores the original (encrypted, as every event) and masks when it
 * reads, with the policies that were in force when the event was
 * ingested: the store keeps every policy ever put with the time it was
 * put and closed (store/policies_store.h), so an event ingested while a
 * policy was in force stays masked after the policy is deleted or
 * replaced, and an event ingested before it never is — AWS's observable
 * results. A group's own policy and the account's policy both apply (the
 * union of their identifiers), as AWS documents.
 *
 * Masking replaces each character of a match with one '*' (AWS: "the
 * sensitive data is replaced by asterisks"). Matches are found per
 * identifier (bounded PCRE2 matches, plus a check such as Luhn's for card
 * numbers); a match that hits PCRE2's limits masks the rest of the
 * message (failing closed, never leaking).
 *
 * What it does not do: the findings' metrics (logvault has no CloudWatch
 * metrics service); managed identifiers whose format AWS does not
 * document precisely enough to decide (Name, Address, the
 * machine-learning ones) are refused at Put time with a message saying so.
 * It never logs event text.
 */
#ifndef LV_LOGS_DATAPROT_H
#define LV_LOGS_DATAPROT_H

#include <stddef.h>
#include <stdint.h>

struct lv_buf;
struct lv_err;
struct lv_log_group;
struct lv_page;
struct lv_req;
struct lv_store;

/* AWS: a data protection policy document is at most 30,720 characters
 * (the AccountPolicy shape's documentation; the same bound is used for a
 * log group's). */
#define LV_DP_MAX_POLICY_BYTES 30720
/* AWS: at most 10 custom data identifiers, names of at most 128
 * characters, regexes of at most 200. */
#define LV_DP_MAX_CUSTOM 10
#define LV_DP_MAX_CUSTOM_NAME 128
#define LV_DP_MAX_CUSTOM_REGEX 200
#define LV_DP_ARN_PREFIX "arn:aws:dataprotection::aws:data-identifier/"

/* A parsed, validated policy document. It keeps the scratch of its
 * matches: one thread at a time masks with it (each request loads its
 * own, lv_dp_set_load). */
struct lv_dp_policy;

/* Where the Audit statement sends findings. Strings are "" when absent. */
struct lv_dp_findings {
    char log_group[513];
    char firehose[257];
    char s3_bucket[257];
};

/*
 * Parses and validates `len` bytes of doc as a data protection policy
 * document: Name, Description, Version "2021-06-01", exactly one Audit and
 * one Deidentify statement with the same DataIdentifier list, Operation
 * with only those keys, MaskConfig an object, FindingsDestination an
 * object of CloudWatchLogs / Firehose / S3, identifiers managed (the ARN
 * prefix) or custom (declared in Configuration.CustomDataIdentifier).
 * Returns a new policy (lv_dp_policy_free), or NULL with
 * InvalidParameterException and AWS-style wording.
 */
struct lv_dp_policy *lv_dp_policy_parse(const char *doc, size_t len,
                                        struct lv_err *err);
void lv_dp_policy_free(struct lv_dp_policy *p);

/* The findings destinations of p's Audit statement (a loan while p
 * lives). */
const struct lv_dp_findings *lv_dp_policy_findings(
    const struct lv_dp_policy *p);

/*
 * Appends to out (reset first) the masked form of len bytes at msg under
 * p: 1 when something was masked, 0 when nothing matched (out then
 * holds nothing useful). Never fails: a match past PCRE2's limits masks
 * the rest (see above). `names`, when not NULL, gets the identifier names
 * that matched, comma-separated (for audit findings).
 */
int lv_dp_policy_mask(struct lv_dp_policy *p, const char *msg, size_t len,
                      struct lv_buf *out, struct lv_buf *names);

/*
 * The audit finding of one message under p: 1 with out (reset first)
 * holding the JSON array of AWS's findings report "dataIdentifiers"
 * member — [{"name", "count", "detections": [{"start", "end"}]}], start
 * and end in characters, start inclusive, end exclusive — or 0 when no
 * identifier matched.
 * https://docs.aws.amazon.com/AmazonCloudWatch/latest/logs/
 * mask-sensitive-log-data-audit-findings.html
 */
int lv_dp_policy_audit(struct lv_dp_policy *p, const char *msg, size_t len,
                       struct lv_buf *out);

/* ---- what a read path uses ---------------------------------------------- */

/* The policies that were ever in force for one log group (its own and its
 * account's), each with the time span it was in force. */
struct lv_dp_set;

/*
 * Loads the set of group `group_id` of (account, region): 0 with *out a
 * new set, or NULL when no policy was ever put for it or its account
 * (nothing to mask); -1 with *err on a store fault. A document stored
 * earlier that no longer parses is skipped (logged, without its text).
 */
int lv_dp_set_load(struct lv_store *s, const char *account,
                   const char *region, int64_t group_id,
                   struct lv_dp_set **out, struct lv_err *err);
void lv_dp_set_free(struct lv_dp_set *set);

/* The same, with only the policies in force now (the Audit statement
 * reports at ingestion). */
int lv_dp_set_load_current(struct lv_store *s, const char *account,
                           const char *region, int64_t group_id,
                           struct lv_dp_set **out, struct lv_err *err);

/* The policies of a set, in the order they were put (a loan while the
 * set lives). */
size_t lv_dp_set_count(const struct lv_dp_set *set);
struct lv_dp_policy *lv_dp_set_policy(struct lv_dp_set *set, size_t i);

/*
 * The Audit statements of the policies in force for group g
 * (dp_audit.c): a findings report for each of ev[0..n), just ingested
 * into g at rq->now_ms, that holds sensitive data, written to the
 * policy's CloudWatch Logs findings group. Never fails the caller: what
 * cannot be written is logged (never the event text) and dropped.
 */
struct lv_chunk_event;
void lv_dp_audit_ingest(struct lv_req *rq, const struct lv_log_group *g,
                        const struct lv_chunk_event *ev, size_t n);

/*
 * The masking every read path applies (GetLogEvents, FilterLogEvents,
 * Insights, live tail): the masked form of the event's message, ingested
 * at ingestion_ms, under the policies of `set` in force then — 1 with the
 * text in out (reset first), or 0 when no policy applied or nothing
 * matched (use the message as it is). A NULL set masks nothing. One
 * thread at a time uses a set (it keeps scratch); out is the caller's.
 */
int lv_logs_mask(struct lv_dp_set *set, int64_t ingestion_ms,
                 const char *msg, size_t len, struct lv_buf *out);

/*
 * What a read path (GetLogEvents, FilterLogEvents) does first: with
 * `unmask` true, authorizes logs:Unmask on group g (-1 with
 * AccessDeniedException when refused) and sets *out NULL (nothing is
 * masked); else loads g's set into *out (NULL when nothing to mask).
 * 0, or -1 with *err.
 */
int lv_dp_read_prepare(struct lv_req *rq, const struct lv_log_group *g,
                       int unmask, struct lv_dp_set **out,
                       struct lv_err *err);

/* Masks a page's items in place (GetLogEvents, FilterLogEvents), before it
 * is written; a masked item becomes the page's own copy. */
void lv_dp_mask_page(struct lv_dp_set *set, struct lv_page *page);

/*
 * Whether rq's principal may see unmasked data of resource_arn
 * (logs:Unmask): 0, or -1 with AccessDeniedException in AWS's wording.
 * logvault configures no IAM identity policies, so every identity may,
 * unless its credentials entry lists logs:Unmask in deny_actions
 * (auth/creds.h).
 */
int lv_dp_authorize_unmask(struct lv_req *rq, const char *resource_arn,
                           struct lv_err *err);

#endif
