/*
 * policy_int: what parse.c, eval.c and arn.c share — the compiled form of a
 * policy and the matchers and value readers both the parser (to precompute)
 * and the evaluator (to read request values) use. Not for other modules.
 */
#ifndef LV_POLICY_POLICY_INT_H
#define LV_POLICY_POLICY_INT_H

#include <stddef.h>
#include <stdint.h>

struct lv_policy_request;

/* What an operator compares. */
enum lv_pol_kind {
    LV_PK_STRING,           /* StringEquals, StringNotEquals */
    LV_PK_STRING_ICASE,     /* StringEqualsIgnoreCase, …NotEquals… */
    LV_PK_STRING_LIKE,      /* StringLike, StringNotLike */
    LV_PK_ARN,              /* ArnEquals, ArnLike, ArnNotEquals, ArnNotLike */
    LV_PK_NUMERIC,
    LV_PK_DATE,
    LV_PK_BOOL,
    LV_PK_BINARY,
    LV_PK_IP,               /* IpAddress, NotIpAddress */
    LV_PK_NULL,
};

enum lv_pol_cmp { LV_PC_EQ, LV_PC_LT, LV_PC_LE, LV_PC_GT, LV_PC_GE };
enum lv_pol_set { LV_PS_NONE, LV_PS_ANY, LV_PS_ALL };

/* One policy value of a condition, with its typed reading done once. */
struct lv_pol_value {
    char *s;                /* the text; JSON numbers and bools as text */
    size_t len;
    int ok;                 /* 1 when the typed reading below succeeded */
    double num;             /* LV_PK_NUMERIC */
    int64_t ms;             /* LV_PK_DATE: milliseconds since the epoch */
    int flag;               /* LV_PK_BOOL, LV_PK_NULL: "true" → 1 */
    unsigned char ip[16];   /* LV_PK_IP: network address */
    int ip_len;             /* 4 or 16 */
    int prefix;             /* LV_PK_IP: prefix length in bits */
};

struct lv_pol_cond {
    enum lv_pol_kind kind;
    enum lv_pol_cmp cmp;
    enum lv_pol_set set;
    int negated;
    int if_exists;
    char *key;              /* as written; compared case-insensitively */
    char *op;               /* the operator as written ("StringEquals"),
                             * for the trace (trace.c) */
    struct lv_pol_value *vals;
    size_t n;
};

enum lv_pol_pr_type {
    LV_PP_ANY,              /* "*" or {"AWS": "*"} */
    LV_PP_ACCOUNT,          /* an account id or arn:…:iam::ACCOUNT:root */
    LV_PP_ARN,              /* an IAM user/role ARN, matched exactly */
    LV_PP_SERVICE,          /* a service principal, lowercased */
    LV_PP_FEDERATED,        /* accepted, never matches */
};

struct lv_pol_principal {
    enum lv_pol_pr_type type;
    char *s;                /* account id, ARN or service; NULL for ANY */
    char *text;             /* as written in the policy, for the trace;
                             * NULL for a bare "*" */
};

struct lv_pol_stmt {
    char *sid;              /* its Sid, NULL when it has none (trace.c) */
    int deny;
    int not_principal;
    struct lv_pol_principal *pr;
    size_t n_pr;
    int not_action;
    char **actions;         /* lowercased patterns */
    size_t n_actions;
    int not_resource;
    char **resources;
    size_t n_resources;
    struct lv_pol_cond *conds;
    size_t n_conds;
};

struct lv_policy {
    struct lv_pol_stmt *st;
    size_t n_st;
};

/* arn.c */

/* 1 if s[0..slen) matches pattern p[0..plen) where * is any run of
 * characters and ? any one; icase folds ASCII case. No allocation. */
int lv_policy_glob(const char *p, size_t plen, const char *s, size_t slen,
                   int icase);
/* 1 if value matches the ARN pattern (ArnLike): six colon-separated
 * components each globbed on its own; a pattern of fewer components is
 * globbed whole; a value of fewer components never matches such a
 * pattern. Case-sensitive. */
int lv_policy_arn_like(const char *pattern, const char *value);
/* 1 if s is a 12-digit AWS account id. */
int lv_policy_is_account_id(const char *s);
/* Reads the value of an {"AWS": …} principal. Returns 0 and sets *type
 * (LV_PP_ANY, LV_PP_ACCOUNT or LV_PP_ARN), or -1 if s is not "*", an
 * account id, a root ARN or an IAM user/role or STS session ARN without
 * wildcards. On LV_PP_ACCOUNT, *acct points at the 12 account digits
 * inside s. Only a root ARN of the aws partition (or a bare account id)
 * is LV_PP_ACCOUNT: the root of another partition's account (arn:aws-cn:
 * iam::ACCOUNT:root) is LV_PP_ARN, which matches no caller here. */
int lv_policy_read_aws_principal(const char *s, enum lv_pol_pr_type *type,
                                 const char **acct);
/* The account component of an ARN copied into out (13 bytes), or -1. */
int lv_policy_arn_account(const char *arn, char out[13]);

/* eval.c: typed readings of a value, shared with the parser */

/* A decimal number, whole string. 0 ok, -1 not a number. */
int lv_policy_read_number(const char *s, double *out);
/* ISO 8601 (YYYY-MM-DD[THH:MM[:SS[.fff]]][Z|±HH[:]MM]) or epoch seconds, as
 * milliseconds since the epoch. 0 ok, -1 not a date. */
int lv_policy_read_date(const char *s, int64_t *out);
/* An IPv4/IPv6 address with optional /prefix. 0 ok, -1 not one. */
int lv_policy_read_cidr(const char *s, unsigned char ip[16], int *ip_len,
                        int *prefix);

/* eval.c: the matchers lv_policy_eval() uses, one element of a statement
 * at a time, for the trace (trace.c), which must decide exactly as eval
 * does. */

/* 0: no match; 1: matched directly; 2: matched only through the
 * principal's account. For a Principal element (not NotPrincipal). */
int lv_policy_int_principal(const struct lv_pol_stmt *st,
                            const struct lv_policy_request *rq);
/* 1 if a NotPrincipal element leaves the requester out. */
int lv_policy_int_not_principal(const struct lv_pol_stmt *st,
                                const struct lv_policy_request *rq);
/* 1 if an Action / NotAction pattern (Resource / NotResource) of st
 * matches, before the Not is applied. */
int lv_policy_int_action(const struct lv_pol_stmt *st, const char *action);
int lv_policy_int_resource(const struct lv_pol_stmt *st, const char *res);
/* 1 if condition c holds for rq. */
int lv_policy_int_cond(const struct lv_pol_cond *c,
                       const struct lv_policy_request *rq);
/* The request's values of condition key `key` as the evaluator reads
 * them (explicit context entries, else the implicit one): calls fn for
 * each, in order. */
void lv_policy_int_values(const struct lv_policy_request *rq,
                          const char *key,
                          void (*fn)(void *arg, const char *value),
                          void *arg);

#endif
