/*
 * dp_policy.c: data protection policy documents — parse, validate,
 * compile — and masking one message under one policy (dataprot.h).
 *
 * The grammar is the one of AWS's "Data protection policy syntax" page:
 *   { "Name": …, "Description": …, "Version": "2021-06-01",
 *     "Configuration": { "CustomDataIdentifier": [ {"Name", "Regex"} ] },
 *     "Statement": [
 *       { "Sid": …, "DataIdentifier": [ARN or custom name, …],
 *         "Operation": { "Audit": { "FindingsDestination": { … } } } },
 *       { "Sid": …, "DataIdentifier": [the same list],
 *         "Operation": { "Deidentify": { "MaskConfig": {} } } } ] }
 * The error wording is logvault's where AWS's is not documented; each
 * names the element at fault.
 */
#include "logs/dataprot.h"

#define PCRE2_CODE_UNIT_WIDTH 8

#include <arpa/inet.h>
#include <jansson.h>
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/buf.h"
#include "util/err.h"
#include "util/json.h"
#include "util/mem.h"

#define DP_VERSION "2021-06-01"
/* PCRE2's bounds for one match attempt: a custom regex of 200 characters
 * on a 1 MB event must not run for long. */
#define DP_MATCH_LIMIT 200000
#define DP_DEPTH_LIMIT 10000
#define DP_JIT_STACK (1024 * 1024)

enum dp_check {
    CHECK_NONE = 0,
    CHECK_LUHN,         /* 13–19 digits passing Luhn's check */
    CHECK_SECRET,       /* both letter cases, 40 characters */
    CHECK_IPV6,         /* inet_pton(AF_INET6) accepts it */
};

/* A managed identifier logvault decides by a pattern. The patterns follow
 * the formats AWS's managed data identifier pages document. */
struct dp_managed {
    const char *name;
    const char *regex;
    enum dp_check check;
};

static const struct dp_managed managed[] = {
    { "EmailAddress",
      "(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]{1,64}@"
      "(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\\.){1,8}"
      "[A-Za-z]{2,24}(?![A-Za-z0-9-])", CHECK_NONE },
    { "CreditCardNumber",
      "(?<![0-9])[0-9](?:[ -]?[0-9]){12,18}(?![0-9])", CHECK_LUHN },
    { "AwsSecretKey",
      "(?<![A-Za-z0-9/+])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])",
      CHECK_SECRET },
    { "IpAddress",
      "(?<![0-9.])(?:(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])\\.){3}"
      "(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])(?![0-9]|\\.[0-9])",
      CHECK_NONE },
    { "IpAddress",
      "(?<![0-9A-Fa-f:])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}"
      "(?![0-9A-Fa-f:])", CHECK_IPV6 },
    { "Ssn-US",
      "(?<![0-9-])(?!000|666|9)[0-9]{3}-(?!00)[0-9]{2}-(?!0000)[0-9]{4}"
      "(?![0-9-])", CHECK_NONE },
    { "PhoneNumber-US",
      "(?<![0-9])(?:\\+?1[ .-]?)?(?:\\([2-9][0-9]{2}\\)|[2-9][0-9]{2})"
      "[ .-]?[2-9][0-9]{2}[ .-][0-9]{4}(?![0-9])", CHECK_NONE },
};
#define N_MANAGED (sizeof(managed) / sizeof(managed[0]))

/* Managed identifiers of AWS's list that logvault refuses: their formats
 * are not documented precisely enough to decide (names and addresses are
 * found by machine learning on AWS) or need keywords and national formats
 * logvault does not carry. */
static const char *const refused[] = {
    "Name", "Address", "LatLong", "BankAccountNumber-US",
    "DriversLicense-US", "PassportNumber-US", "CreditCardExpiration",
    "CreditCardSecurityCode", "AwsAccessKey", "OpenSshPrivateKey",
    "PgpPrivateKey", "PkcsPrivateKey", "PuttyPrivateKey",
    "VehicleIdentificationNumber",
    "IndividualTaxIdentificationNumber-US", "MedicareBeneficiaryNumber-US",
    "NationalDrugCode-US", "NationalProviderId-US", "ZipCode-US",
    "HealthInsuranceClaimNumber-US", "DateOfBirth",
};

struct dp_ident {
    char name[LV_DP_MAX_CUSTOM_NAME + 1];
    pcre2_code *re;
    enum dp_check check;
};

struct lv_dp_policy {
    struct dp_ident *ids;
    size_t n;
    struct lv_dp_findings findings;
    /* Scratch of lv_dp_policy_mask, kept between calls (so one thread at
     * a time masks with a policy): PCRE2's match data and limits, and the
     * byte map of what is masked. */
    pcre2_match_data *md;
    pcre2_match_context *mc;
    pcre2_jit_stack *js;        /* NULL when PCRE2 has no JIT */
    unsigned char *hit;
    size_t hit_cap;
};

static int bad(struct lv_err *err, const char *fmt, const char *what)
{
    return lv_err_set(err, LV_E_INVALID_PARAMETER, fmt, what);
}

/* Compiles re, with PCRE2's JIT when it has one (about 10 times faster
 * on the read paths; the interpreter serves otherwise). */
static pcre2_code *compile(const char *re, int *errcode, size_t *erroff)
{
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)re, PCRE2_ZERO_TERMINATED,
                                     PCRE2_UTF | PCRE2_MATCH_INVALID_UTF,
                                     errcode, erroff, NULL);

    if (code) {
        (void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
    }
    return code;
}

static void add_ident(struct lv_dp_policy *p, const char *name,
                      pcre2_code *re, enum dp_check check)
{
    struct dp_ident *id;

    p->ids = lv_xrealloc(p->ids, (p->n + 1) * sizeof(*p->ids));
    id = &p->ids[p->n++];
    snprintf(id->name, sizeof(id->name), "%s", name);
    id->re = re;
    id->check = check;
}

/* ---- the document ---------------------------------------------------- */

/* Each key of object o is one of `allowed` (NULL-terminated); else -1. */
static int only_keys(const json_t *o, const char *const *allowed,
                     const char *where, struct lv_err *err)
{
    const char *k;
    json_t *v;

    json_object_foreach((json_t *)o, k, v) {
        size_t i;

        (void)v;
        for (i = 0; allowed[i]; i++) {
            if (strcmp(k, allowed[i]) == 0) {
                break;
            }
        }
        if (!allowed[i]) {
            return lv_err_set(err, LV_E_INVALID_PARAMETER,
                              "Invalid data protection policy: unknown "
                              "element '%s' in %s", k, where);
        }
    }
    return 0;
}

static int str_member(const json_t *o, const char *key, int required,
                      size_t max, const char **out, struct lv_err *err)
{
    const json_t *v = json_object_get(o, key);

    *out = NULL;
    if (!v) {
        if (required) {
            return bad(err, "Invalid data protection policy: '%s' is "
                       "required", key);
        }
        return 0;
    }
    if (!json_is_string(v) || json_string_length(v) == 0 ||
        json_string_length(v) > max) {
        return bad(err, "Invalid data protection policy: '%s' must be a "
                   "non-empty string within its length limit", key);
    }
    *out = json_string_value(v);
    return 0;
}

static int parse_custom(struct lv_dp_policy *p, const json_t *root,
                        struct lv_err *err)
{
    static const char *const cfg_keys[] = { "CustomDataIdentifier", NULL };
    static const char *const cdi_keys[] = { "Name", "Regex", NULL };
    const json_t *cfg = json_object_get(root, "Configuration");
    const json_t *list;
    size_t i;
    json_t *e;

    if (!cfg) {
        return 0;
    }
    if (!json_is_object(cfg) ||
        only_keys(cfg, cfg_keys, "Configuration", err) < 0) {
        return err->code ? -1 : bad(err, "Invalid data protection policy: "
                                    "'%s' must be an object",
                                    "Configuration");
    }
    list = json_object_get(cfg, "CustomDataIdentifier");
    if (!list) {
        return 0;
    }
    if (!json_is_array(list)) {
        return bad(err, "Invalid data protection policy: '%s' must be an "
                   "array", "CustomDataIdentifier");
    }
    if (json_array_size(list) > LV_DP_MAX_CUSTOM) {
        return lv_err_set(err, LV_E_INVALID_PARAMETER,
                          "Invalid data protection policy: at most %d "
                          "custom data identifiers are allowed",
                          LV_DP_MAX_CUSTOM);
    }
    json_array_foreach(list, i, e) {
        const char *name;
        const char *regex;
        pcre2_code *re;
        int ec;
        size_t off;

        if (!json_is_object(e) ||
            only_keys(e, cdi_keys, "CustomDataIdentifier", err) < 0) {
            return err->code ? -1 : bad(err, "Invalid data protection "
                                        "policy: each %s must be an object",
                                        "CustomDataIdentifier");
        }
        if (str_member(e, "Name", 1, LV_DP_MAX_CUSTOM_NAME, &name, err) < 0 ||
            str_member(e, "Regex", 1, LV_DP_MAX_CUSTOM_REGEX, &regex,
                       err) < 0) {
            return -1;
        }
        for (const char *c = name; *c; c++) {
            if (!((*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                  (*c >= '0' && *c <= '9') || *c == '_' || *c == '-')) {
                return bad(err, "Invalid data protection policy: custom "
                           "data identifier name '%s' may only contain "
                           "letters, digits, '_' and '-'", name);
            }
        }
        for (size_t j = 0; j < p->n; j++) {
            if (strcmp(p->ids[j].name, name) == 0) {
                return bad(err, "Invalid data protection policy: custom "
                           "data identifier '%s' is declared twice", name);
            }
        }
        for (size_t j = 0; j < N_MANAGED; j++) {
            if (strcmp(managed[j].name, name) == 0) {
                return bad(err, "Invalid data protection policy: custom "
                           "data identifier '%s' has the name of a managed "
                           "one", name);
            }
        }
        re = compile(regex, &ec, &off);
        if (!re) {
            return bad(err, "Invalid data protection policy: the Regex of "
                       "custom data identifier '%s' is not a valid regular "
                       "expression", name);
        }
        add_ident(p, name, re, CHECK_NONE);
    }
    /* Declared, not yet used: a statement must name each one it uses. */
    return 0;
}

/* Whether `name` is one of the statement's list (a JSON array). */
static int in_list(const json_t *list, const char *name)
{
    size_t i;
    json_t *e;

    json_array_foreach(list, i, e) {
        if (strcmp(json_string_value(e), name) == 0) {
            return 1;
        }
    }
    return 0;
}

static int check_idents(const json_t *list, size_t n_custom,
                        const struct lv_dp_policy *p, struct lv_err *err)
{
    size_t i;
    json_t *e;

    if (!json_is_array(list) || json_array_size(list) == 0) {
        return bad(err, "Invalid data protection policy: '%s' must be a "
                   "non-empty array", "DataIdentifier");
    }
    json_array_foreach(list, i, e) {
        const char *s = json_string_value(e);
        size_t k;

        if (!s) {
            return bad(err, "Invalid data protection policy: each %s must "
                       "be a string", "DataIdentifier");
        }
        for (size_t j = 0; j < i; j++) {
            if (strcmp(json_string_value(json_array_get(list, j)), s) == 0) {
                return bad(err, "Invalid data protection policy: data "
                           "identifier '%s' is listed twice", s);
            }
        }
        if (strncmp(s, LV_DP_ARN_PREFIX, strlen(LV_DP_ARN_PREFIX)) == 0) {
            const char *name = s + strlen(LV_DP_ARN_PREFIX);

            for (k = 0; k < N_MANAGED; k++) {
                if (strcmp(managed[k].name, name) == 0) {
                    break;
                }
            }
            if (k < N_MANAGED) {
                continue;
            }
            for (k = 0; k < sizeof(refused) / sizeof(refused[0]); k++) {
                if (strcmp(refused[k], name) == 0) {
                    return bad(err, "Invalid data protection policy: managed "
                               "data identifier '%s' is not supported by "
                               "this server (its format cannot be decided "
                               "by a documented pattern)", name);
                }
            }
            return bad(err, "Invalid data protection policy: unknown data "
                       "identifier '%s'", s);
        }
        for (k = 0; k < n_custom; k++) {
            if (strcmp(p->ids[k].name, s) == 0) {
                break;
            }
        }
        if (k == n_custom) {
            return bad(err, "Invalid data protection policy: data "
                       "identifier '%s' is neither a managed data "
                       "identifier ARN nor a custom data identifier of "
                       "Configuration", s);
        }
    }
    return 0;
}

static int parse_findings(struct lv_dp_policy *p, const json_t *audit,
                          struct lv_err *err)
{
    static const char *const audit_keys[] = { "FindingsDestination", NULL };
    static const char *const fd_keys[] = { "CloudWatchLogs", "Firehose", "S3",
                                           NULL };
    static const struct {
        const char *dest, *key;
    } members[] = {
        { "CloudWatchLogs", "LogGroup" },
        { "Firehose", "DeliveryStream" },
        { "S3", "Bucket" },
    };
    char *outs[3] = { p->findings.log_group, p->findings.firehose,
                      p->findings.s3_bucket };
    size_t caps[3] = { sizeof(p->findings.log_group),
                       sizeof(p->findings.firehose),
                       sizeof(p->findings.s3_bucket) };
    const json_t *fd;

    if (!json_is_object(audit) ||
        only_keys(audit, audit_keys, "Audit", err) < 0) {
        return err->code ? -1 : bad(err, "Invalid data protection policy: "
                                    "'%s' must be an object", "Audit");
    }
    fd = json_object_get(audit, "FindingsDestination");
    if (!fd || !json_is_object(fd)) {
        return bad(err, "Invalid data protection policy: the Audit operation "
                   "must contain a '%s' object", "FindingsDestination");
    }
    if (only_keys(fd, fd_keys, "FindingsDestination", err) < 0) {
        return -1;
    }
    for (size_t i = 0; i < 3; i++) {
        const json_t *d = json_object_get(fd, members[i].dest);
        const char *v;
        const char *keys[2] = { members[i].key, NULL };

        if (!d) {
            continue;
        }
        if (!json_is_object(d) || only_keys(d, keys, members[i].dest,
                                            err) < 0) {
            return err->code ? -1 : bad(err, "Invalid data protection "
                                        "policy: '%s' must be an object",
                                        members[i].dest);
        }
        if (str_member(d, members[i].key, 1, caps[i] - 1, &v, err) < 0) {
            return -1;
        }
        snprintf(outs[i], caps[i], "%s", v);
    }
    return 0;
}

static int parse_doc(struct lv_dp_policy *p, const json_t *root,
                     struct lv_err *err)
{
    static const char *const root_keys[] = {
        "Name", "Description", "Version", "Statement", "Configuration", NULL,
    };
    static const char *const st_keys[] = { "Sid", "DataIdentifier",
                                           "Operation", NULL };
    static const char *const op_keys[] = { "Audit", "Deidentify", NULL };
    static const char *const mask_keys[] = { "MaskConfig", NULL };
    const json_t *stmts;
    const json_t *lists[2] = { NULL, NULL };   /* Audit, Deidentify */
    const char *s;
    size_t n_custom;
    size_t i;
    json_t *st;

    if (!json_is_object(root)) {
        return bad(err, "Invalid data protection policy: %s", "the policy "
                   "document must be a JSON object");
    }
    if (only_keys(root, root_keys, "the policy", err) < 0 ||
        str_member(root, "Name", 1, 128, &s, err) < 0 ||
        str_member(root, "Description", 0, 1024, &s, err) < 0 ||
        str_member(root, "Version", 1, 32, &s, err) < 0) {
        return -1;
    }
    if (strcmp(s, DP_VERSION) != 0) {
        return bad(err, "Invalid data protection policy: Version must be "
                   "'%s'", DP_VERSION);
    }
    if (parse_custom(p, root, err) < 0) {
        return -1;
    }
    n_custom = p->n;
    stmts = json_object_get(root, "Statement");
    if (!stmts || !json_is_array(stmts)) {
        return bad(err, "Invalid data protection policy: '%s' must be an "
                   "array", "Statement");
    }
    json_array_foreach(stmts, i, st) {
        const json_t *op;
        const json_t *v;
        const char *kind;
        int which;

        if (!json_is_object(st) ||
            only_keys(st, st_keys, "a Statement", err) < 0) {
            return err->code ? -1 : bad(err, "Invalid data protection "
                                        "policy: each %s must be an object",
                                        "Statement");
        }
        if (str_member(st, "Sid", 0, 128, &s, err) < 0) {
            return -1;
        }
        op = json_object_get(st, "Operation");
        if (!op || !json_is_object(op) || json_object_size(op) != 1 ||
            only_keys(op, op_keys, "Operation", err) < 0) {
            return err->code ? -1 : bad(err, "Invalid data protection "
                                        "policy: each Statement's '%s' "
                                        "must hold exactly one of Audit "
                                        "and Deidentify", "Operation");
        }
        kind = json_object_iter_key(json_object_iter((json_t *)op));
        v = json_object_get(op, kind);
        which = strcmp(kind, "Deidentify") == 0;
        if (lists[which]) {
            return bad(err, "Invalid data protection policy: the policy "
                       "must have exactly one %s statement", kind);
        }
        lists[which] = json_object_get(st, "DataIdentifier");
        if (check_idents(lists[which], n_custom, p, err) < 0) {
            return -1;
        }
        if (which) {
            const json_t *mc;

            if (!json_is_object(v) ||
                only_keys(v, mask_keys, "Deidentify", err) < 0) {
                return err->code ? -1 : bad(err, "Invalid data protection "
                                            "policy: '%s' must be an object",
                                            "Deidentify");
            }
            mc = json_object_get(v, "MaskConfig");
            if (!mc || !json_is_object(mc) || json_object_size(mc) != 0) {
                return bad(err, "Invalid data protection policy: the "
                           "Deidentify operation must contain \"%s\": {}",
                           "MaskConfig");
            }
        } else if (parse_findings(p, v, err) < 0) {
            return -1;
        }
    }
    if (!lists[0] || !lists[1]) {
        return bad(err, "Invalid data protection policy: the policy must "
                   "have exactly one Audit and one Deidentify statement%s",
                   "");
    }
    if (json_array_size(lists[0]) != json_array_size(lists[1])) {
        return bad(err, "Invalid data protection policy: %s", "the "
                   "DataIdentifier lists of the Audit and Deidentify "
                   "statements must be the same");
    }
    json_array_foreach(lists[0], i, st) {
        if (!in_list(lists[1], json_string_value(st))) {
            return bad(err, "Invalid data protection policy: %s", "the "
                       "DataIdentifier lists of the Audit and Deidentify "
                       "statements must be the same");
        }
    }
    /* Only what the statements name is masked: drop the custom
     * identifiers declared and not used, then add the managed ones. */
    for (i = 0; i < p->n;) {
        if (!in_list(lists[0], p->ids[i].name)) {
            pcre2_code_free(p->ids[i].re);
            memmove(&p->ids[i], &p->ids[i + 1],
                    (p->n - i - 1) * sizeof(p->ids[0]));
            p->n--;
        } else {
            i++;
        }
    }
    for (size_t k = 0; k < N_MANAGED; k++) {
        char arn[128];
        int ec;
        size_t off;
        pcre2_code *re;

        snprintf(arn, sizeof(arn), LV_DP_ARN_PREFIX "%s", managed[k].name);
        if (!in_list(lists[0], arn)) {
            continue;
        }
        re = compile(managed[k].regex, &ec, &off);
        if (!re) {
            LV_BUG("dataprot: managed pattern %s does not compile",
                   managed[k].name);
        }
        add_ident(p, managed[k].name, re, managed[k].check);
    }
    return 0;
}

struct lv_dp_policy *lv_dp_policy_parse(const char *doc, size_t len,
                                        struct lv_err *err)
{
    struct lv_dp_policy *p = NULL;
    json_t *root = NULL;
    json_error_t je;

    if (len > LV_DP_MAX_POLICY_BYTES) {
        lv_err_set(err, LV_E_INVALID_PARAMETER,
                   "Invalid data protection policy: the policy document "
                   "must be at most %d characters", LV_DP_MAX_POLICY_BYTES);
        return NULL;
    }
    root = json_loadb(doc, len, JSON_REJECT_DUPLICATES, &je);
    if (!root) {
        lv_err_set(err, LV_E_INVALID_PARAMETER,
                   "Invalid data protection policy: the policy document "
                   "is not valid JSON");
        return NULL;
    }
    p = lv_xcalloc(1, sizeof(*p));
    if (parse_doc(p, root, err) < 0) {
        lv_dp_policy_free(p);
        p = NULL;
    } else {
        p->md = pcre2_match_data_create(1, NULL);
        p->mc = pcre2_match_context_create(NULL);
        if (!p->md || !p->mc) {
            LV_BUG("dataprot: out of memory for match data");
        }
        pcre2_set_match_limit(p->mc, DP_MATCH_LIMIT);
        pcre2_set_depth_limit(p->mc, DP_DEPTH_LIMIT);
        /* The JIT's own stack, bounded as the interpreter's depth is. */
        p->js = pcre2_jit_stack_create(32 * 1024, DP_JIT_STACK, NULL);
        if (p->js) {
            pcre2_jit_stack_assign(p->mc, NULL, p->js);
        }
    }
    json_decref(root);
    return p;
}

void lv_dp_policy_free(struct lv_dp_policy *p)
{
    if (!p) {
        return;
    }
    for (size_t i = 0; i < p->n; i++) {
        pcre2_code_free(p->ids[i].re);
    }
    free(p->ids);
    pcre2_match_context_free(p->mc);
    pcre2_jit_stack_free(p->js);
    pcre2_match_data_free(p->md);
    free(p->hit);
    free(p);
}

const struct lv_dp_findings *lv_dp_policy_findings(
    const struct lv_dp_policy *p)
{
    return &p->findings;
}

/* ---- masking ------------------------------------------------------------- */

static int luhn(const char *s, size_t n)
{
    int sum = 0;
    int digits = 0;
    int dbl = 0;

    for (size_t i = n; i-- > 0;) {
        int d;

        if (s[i] < '0' || s[i] > '9') {
            continue;
        }
        d = s[i] - '0';
        if (dbl) {
            d *= 2;
            if (d > 9) {
                d -= 9;
            }
        }
        sum += d;
        dbl = !dbl;
        digits++;
    }
    return digits >= 13 && digits <= 19 && sum % 10 == 0;
}

static int secret_like(const char *s, size_t n)
{
    int up = 0;
    int low = 0;

    for (size_t i = 0; i < n; i++) {
        up |= s[i] >= 'A' && s[i] <= 'Z';
        low |= s[i] >= 'a' && s[i] <= 'z';
    }
    return up && low;
}

static int ipv6_like(const char *s, size_t n)
{
    char tmp[64];
    unsigned char addr[16];

    if (n >= sizeof(tmp)) {
        return 0;
    }
    memcpy(tmp, s, n);
    tmp[n] = '\0';
    return inet_pton(AF_INET6, tmp, addr) == 1;
}

static int passes(enum dp_check c, const char *s, size_t n)
{
    switch (c) {
    case CHECK_LUHN:
        return luhn(s, n);
    case CHECK_SECRET:
        return secret_like(s, n);
    case CHECK_IPV6:
        return ipv6_like(s, n);
    case CHECK_NONE:
        break;
    }
    return 1;
}

/* Characters (UTF-8 code points) in msg[from..to). */
static size_t chars(const char *msg, size_t from, size_t to)
{
    size_t n = 0;

    for (size_t i = from; i < to; i++) {
        n += ((unsigned char)msg[i] & 0xc0) != 0x80;
    }
    return n;
}

/* Where find() reports each match, for an audit finding: when det is not
 * NULL, {"start":S,"end":E} (characters, start inclusive, end exclusive)
 * appended to det, comma-separated, and *count counted. */
struct detections {
    struct lv_buf *det;
    size_t count;
    size_t at_byte;         /* the character count is known up to here */
    size_t at_char;
};

static void detected(struct detections *d, const char *msg, size_t s,
                     size_t e)
{
    size_t cs;
    size_t ce;

    if (!d || !d->det) {
        return;
    }
    if (s < d->at_byte) {
        d->at_byte = 0;
        d->at_char = 0;
    }
    cs = d->at_char + chars(msg, d->at_byte, s);
    ce = cs + chars(msg, s, e);
    d->at_byte = s;
    d->at_char = cs;
    lv_buf_addf(d->det, "%s{\"start\":%zu,\"end\":%zu}",
                d->count ? "," : "", cs, ce);
    d->count++;
}

/* Marks in `hit` (len bytes) the matches of id in msg; 1 if any. */
static int find(const struct dp_ident *id, const char *msg, size_t len,
                unsigned char *hit, pcre2_match_data *md,
                pcre2_match_context *mc, struct detections *d)
{
    size_t at = 0;
    int any = 0;

    while (at <= len) {
        PCRE2_SIZE *ov;
        int rc = pcre2_match(id->re, (PCRE2_SPTR)msg, len, at, 0, md, mc);

        if (rc == PCRE2_ERROR_NOMATCH) {
            break;
        }
        if (rc < 0) {
            /* Past the limits (or an internal error): fail closed. */
            memset(hit + at, 1, len - at);
            detected(d, msg, at, len);
            return 1;
        }
        ov = pcre2_get_ovector_pointer(md);
        if (ov[1] > ov[0] && passes(id->check, msg + ov[0], ov[1] - ov[0])) {
            memset(hit + ov[0], 1, ov[1] - ov[0]);
            detected(d, msg, ov[0], ov[1]);
            any = 1;
        }
        at = ov[1] > at ? ov[1] : at + 1;
        /* Step over a UTF-8 continuation byte: a start there is invalid. */
        while (at < len && ((unsigned char)msg[at] & 0xc0) == 0x80) {
            at++;
        }
    }
    return any;
}

int lv_dp_policy_mask(struct lv_dp_policy *p, const char *msg, size_t len,
                      struct lv_buf *out, struct lv_buf *names)
{
    unsigned char *hit;
    int any = 0;

    lv_buf_reset(out);
    if (p->n == 0 || len == 0) {
        return 0;
    }
    if (p->hit_cap < len) {
        free(p->hit);
        p->hit_cap = len;
        p->hit = lv_xmalloc(len);
    }
    hit = p->hit;
    memset(hit, 0, len);
    for (size_t i = 0; i < p->n; i++) {
        if (find(&p->ids[i], msg, len, hit, p->md, p->mc, NULL)) {
            any = 1;
            if (names) {
                if (names->len > 0) {
                    lv_buf_add(names, ",", 1);
                }
                lv_buf_add(names, p->ids[i].name, strlen(p->ids[i].name));
            }
        }
    }
    if (any) {
        size_t run = 0;     /* start of the run of unmasked bytes */

        for (size_t i = 0; i <= len; i++) {
            if (i < len && !hit[i]) {
                continue;
            }
            lv_buf_add(out, msg + run, i - run);
            run = i + 1;
            if (i < len && ((unsigned char)msg[i] & 0xc0) != 0x80) {
                /* One asterisk per character: continuation bytes of a
                 * masked UTF-8 character add none. */
                lv_buf_addc(out, '*');
            }
        }
    }
    return any;
}

int lv_dp_policy_audit(struct lv_dp_policy *p, const char *msg, size_t len,
                       struct lv_buf *out)
{
    struct lv_buf det = LV_BUF_INIT(SIZE_MAX);
    size_t found = 0;

    lv_buf_reset(out);
    if (p->n == 0 || len == 0) {
        return 0;
    }
    if (p->hit_cap < len) {
        free(p->hit);
        p->hit_cap = len;
        p->hit = lv_xmalloc(len);
    }
    lv_buf_addc(out, '[');
    for (size_t i = 0; i < p->n; i++) {
        struct detections d = { &det, 0, 0, 0 };

        lv_buf_reset(&det);
        memset(p->hit, 0, len);
        if (!find(&p->ids[i], msg, len, p->hit, p->md, p->mc, &d)) {
            continue;
        }
        lv_buf_addf(out, "%s{\"name\":\"", found ? "," : "");
        lv_buf_add_json_str(out, p->ids[i].name, strlen(p->ids[i].name));
        lv_buf_addf(out, "\",\"count\":%zu,\"detections\":[", d.count);
        lv_buf_add(out, det.data, det.len);
        lv_buf_adds(out, "]}");
        found++;
    }
    lv_buf_addc(out, ']');
    lv_buf_release(&det);
    return found > 0;
}
