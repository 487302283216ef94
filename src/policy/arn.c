/*
 * arn: the wildcard and ARN matchers of the policy engine, and the reading
 * of AWS principal values. ARN format:
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/reference-arns.html
 */
#include "policy/policy_int.h"

#include <string.h>

static int fold(int c, int icase)
{
    if (icase && c >= 'A' && c <= 'Z') {
        return c - 'A' + 'a';
    }
    return c;
}

/* Greedy matching with one backtrack point: linear for patterns with one
 * star, O(plen * slen) at worst, never recursive. */
int lv_policy_glob(const char *p, size_t plen, const char *s, size_t slen,
                   int icase)
{
    size_t pi = 0;
    size_t si = 0;
    size_t star_p = (size_t)-1;
    size_t star_s = 0;

    while (si < slen) {
        if (pi < plen && p[pi] == '*') {
            star_p = pi++;
            star_s = si;
        } else if (pi < plen && (p[pi] == '?' ||
                   fold((unsigned char)p[pi], icase) ==
                   fold((unsigned char)s[si], icase))) {
            pi++;
            si++;
        } else if (star_p != (size_t)-1) {
            pi = star_p + 1;
            si = ++star_s;
        } else {
            return 0;
        }
    }
    while (pi < plen && p[pi] == '*') {
        pi++;
    }
    return pi == plen;
}

/* Splits s at its first five colons: comp[i] starts, clen[i] lengths.
 * Returns the number of components found (6 when s is ARN-shaped). */
static int split_arn(const char *s, const char *comp[6], size_t clen[6])
{
    int n = 0;
    const char *c = s;

    while (n < 5) {
        const char *colon = strchr(c, ':');

        if (!colon) {
            break;
        }
        comp[n] = c;
        clen[n] = (size_t)(colon - c);
        n++;
        c = colon + 1;
    }
    comp[n] = c;
    clen[n] = strlen(c);
    return n + 1;
}

int lv_policy_arn_like(const char *pattern, const char *value)
{
    const char *pc[6];
    const char *vc[6];
    size_t pl[6];
    size_t vl[6];

    if (split_arn(pattern, pc, pl) < 6) {
        return lv_policy_glob(pattern, strlen(pattern), value,
                              strlen(value), 0);
    }
    if (split_arn(value, vc, vl) < 6) {
        return 0;
    }
    for (int i = 0; i < 6; i++) {
        if (!lv_policy_glob(pc[i], pl[i], vc[i], vl[i], 0)) {
            return 0;
        }
    }
    return 1;
}

static int digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') {
            return 0;
        }
    }
    return 1;
}

int lv_policy_is_account_id(const char *s)
{
    return strlen(s) == 12 && digits(s, 12);
}

int lv_policy_arn_account(const char *arn, char out[13])
{
    const char *c[6];
    size_t l[6];

    if (split_arn(arn, c, l) < 6 || l[4] != 12 || !digits(c[4], 12)) {
        return -1;
    }
    memcpy(out, c[4], 12);
    out[12] = '\0';
    return 0;
}

/* Principal values, as the IAM Principal element page lists them for
 * resource-based policies: "*", an account id, arn:PARTITION:iam::ACCOUNT:root,
 * an IAM user or role ARN, an STS assumed-role or federated-user ARN.
 * Wildcards inside an ARN are not allowed there. */
int lv_policy_read_aws_principal(const char *s, enum lv_pol_pr_type *type,
                                 const char **acct)
{
    const char *c[6];
    size_t l[6];

    if (strcmp(s, "*") == 0) {
        *type = LV_PP_ANY;
        return 0;
    }
    if (lv_policy_is_account_id(s)) {
        *type = LV_PP_ACCOUNT;
        *acct = s;
        return 0;
    }
    if (split_arn(s, c, l) < 6 || l[0] != 3 || memcmp(c[0], "arn", 3) != 0 ||
        l[1] < 3 || memcmp(c[1], "aws", 3) != 0 || l[3] != 0 ||
        l[4] != 12 || !digits(c[4], 12) || l[5] == 0 ||
        strpbrk(s, "*?") != NULL) {
        return -1;
    }
    if (l[2] == 3 && memcmp(c[2], "iam", 3) == 0) {
        if (l[5] == 4 && memcmp(c[5], "root", 4) == 0) {
            if (l[1] != 3) {
                /* The root of an account of another partition (aws-cn,
                 * aws-us-gov …) is another account than the aws one of
                 * the same number, and no caller here is of it: kept as
                 * text that names no one, never as this account. */
                *type = LV_PP_ARN;
                return 0;
            }
            *type = LV_PP_ACCOUNT;
            *acct = c[4];
            return 0;
        }
        if ((l[5] > 5 && memcmp(c[5], "user/", 5) == 0) ||
            (l[5] > 5 && memcmp(c[5], "role/", 5) == 0)) {
            *type = LV_PP_ARN;
            return 0;
        }
        return -1;
    }
    if (l[2] == 3 && memcmp(c[2], "sts", 3) == 0 &&
        ((l[5] > 13 && memcmp(c[5], "assumed-role/", 13) == 0) ||
         (l[5] > 15 && memcmp(c[5], "federated-user/", 15) == 0))) {
        *type = LV_PP_ARN;
        return 0;
    }
    return -1;
}
