/*
 * test_policy: the key policy engine — evaluation of every condition
 * operator, wildcards, Not* elements, principals, explicit deny, account
 * delegation, the CloudWatch Logs tutorial policy; the parser's validation
 * errors; the default policy text; the lockout check; garbage input.
 *
 * Policies are written with ' for " to keep the tables readable.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <jansson.h>

#include "policy/policy.h"
#include "policy/policy_int.h"
#include "util/err.h"

#include "helpers.h"

#define ACCT "111122223333"
#define KEY "arn:aws:kms:eu-west-2:111122223333:key/" \
    "1234abcd-12ab-34cd-56ef-1234567890ab"
#define OTHER_KEY "arn:aws:kms:eu-west-2:111122223333:key/" \
    "0000abcd-12ab-34cd-56ef-1234567890ab"
#define ALICE "arn:aws:iam::111122223333:user/alice"
#define BOB "arn:aws:iam::111122223333:user/bob"
#define ROOT "arn:aws:iam::111122223333:root"
#define EVE "arn:aws:iam::444455556666:user/eve"
#define LOGS "svc:logs.eu-west-2.amazonaws.com"
#define LOGS_US "svc:logs.us-east-1.amazonaws.com"
#define GROUP "arn:aws:logs:eu-west-2:111122223333:log-group:my-group"
#define GROUP2 "arn:aws:logs:eu-west-2:111122223333:log-group:other-group"
#define EC_ARN "kms:EncryptionContext:aws:logs:arn"

/* One statement, everyone, kms:*, this key, with condition C. */
#define COND(c) "{'Version':'2012-10-17','Statement':[{'Effect':'Allow'," \
    "'Principal':'*','Action':'kms:*','Resource':'*','Condition':" c "}]}"
/* One Allow statement for everyone with action A and resource R. */
#define AR(a, r) "{'Statement':{'Effect':'Allow','Principal':'*'," \
    "'Action':" a ",'Resource':" r "}}"
/* One Allow statement for principal P (a JSON value), kms:*. */
#define PR(p) "{'Statement':[{'Effect':'Allow','Principal':" p "," \
    "'Action':'kms:*','Resource':'*'}]}"

#define TUTORIAL "{'Version':'2012-10-17','Statement':[" \
    "{'Sid':'Enable IAM User Permissions','Effect':'Allow'," \
    "'Principal':{'AWS':'arn:aws:iam::111122223333:root'}," \
    "'Action':'kms:*','Resource':'*'}," \
    "{'Effect':'Allow'," \
    "'Principal':{'Service':'logs.eu-west-2.amazonaws.com'}," \
    "'Action':['kms:Encrypt*','kms:Decrypt*','kms:ReEncrypt*'," \
    "'kms:GenerateDataKey*','kms:Describe*'],'Resource':'*','Condition':" \
    "{'ArnEquals':{'kms:EncryptionContext:aws:logs:arn':" \
    "'arn:aws:logs:eu-west-2:111122223333:log-group:my-group'}}}]}"

/* A context key of 150 characters: longer than any fixed buffer had. */
#define LONG_KEY "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" \
    "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb" \
    "cccccccccccccccccccccccccccccccccccccccccccccccccc"

enum { A = LV_POLICY_ALLOW, D = LV_POLICY_DEFAULT_DENY,
       X = LV_POLICY_EXPLICIT_DENY };
#define ANY_VIA (-1)

struct kv {
    const char *key;
    const char *vals[4];
};

struct eval_case {
    const char *name;
    const char *policy;
    const char *action;         /* NULL: kms:Encrypt */
    const char *who;            /* an identity ARN, or "svc:NAME" */
    struct kv ctx[4];
    int want;
    int want_via;               /* 0, 1 or ANY_VIA */
    const char *resource;       /* NULL: KEY */
};

static const struct eval_case eval_cases[] = {
    /* ---- String operators ---- */
    { "StringEquals match", COND("{'StringEquals':{'kms:ViaService':"
      "'ec2.eu-west-2.amazonaws.com'}}"), 0, ALICE,
      { { "kms:ViaService", { "ec2.eu-west-2.amazonaws.com" } } }, A, 0, 0 },
    { "StringEquals mismatch", COND("{'StringEquals':{'kms:ViaService':"
      "'ec2.eu-west-2.amazonaws.com'}}"), 0, ALICE,
      { { "kms:ViaService", { "s3.eu-west-2.amazonaws.com" } } }, D, 0, 0 },
    { "StringEquals is case-sensitive", COND("{'StringEquals':{'k:a':'Abc'}}"),
      0, ALICE, { { "k:a", { "abc" } } }, D, 0, 0 },
    { "StringEquals missing key is false",
      COND("{'StringEquals':{'k:a':'x'}}"), 0, ALICE, { { 0 } }, D, 0, 0 },
    { "StringNotEquals differs", COND("{'StringNotEquals':{'k:a':'x'}}"),
      0, ALICE, { { "k:a", { "y" } } }, A, 0, 0 },
    { "StringNotEquals equal", COND("{'StringNotEquals':{'k:a':'x'}}"),
      0, ALICE, { { "k:a", { "x" } } }, D, 0, 0 },
    { "StringNotEquals missing key is true",
      COND("{'StringNotEquals':{'k:a':'x'}}"), 0, ALICE, { { 0 } }, A, 0, 0 },
    { "StringNotEquals NOR over values",
      COND("{'StringNotEquals':{'k:a':['x','y']}}"), 0, ALICE,
      { { "k:a", { "y" } } }, D, 0, 0 },
    { "StringNotEquals none of the values",
      COND("{'StringNotEquals':{'k:a':['x','y']}}"), 0, ALICE,
      { { "k:a", { "z" } } }, A, 0, 0 },
    { "StringEqualsIgnoreCase",
      COND("{'StringEqualsIgnoreCase':{'k:a':'AbC'}}"),
      0, ALICE, { { "k:a", { "aBc" } } }, A, 0, 0 },
    { "StringEqualsIgnoreCase mismatch",
      COND("{'StringEqualsIgnoreCase':{'k:a':'AbC'}}"), 0, ALICE,
      { { "k:a", { "abd" } } }, D, 0, 0 },
    { "StringNotEqualsIgnoreCase equal in other case",
      COND("{'StringNotEqualsIgnoreCase':{'k:a':'AbC'}}"), 0, ALICE,
      { { "k:a", { "ABC" } } }, D, 0, 0 },
    { "StringNotEqualsIgnoreCase differs",
      COND("{'StringNotEqualsIgnoreCase':{'k:a':'AbC'}}"), 0, ALICE,
      { { "k:a", { "xyz" } } }, A, 0, 0 },
    { "StringLike star", COND("{'StringLike':{'k:a':'prod-*'}}"), 0, ALICE,
      { { "k:a", { "prod-web-1" } } }, A, 0, 0 },
    { "StringLike question mark", COND("{'StringLike':{'k:a':'v?'}}"), 0,
      ALICE, { { "k:a", { "v1" } } }, A, 0, 0 },
    { "StringLike question mark needs one char",
      COND("{'StringLike':{'k:a':'v?'}}"), 0, ALICE, { { "k:a", { "v" } } },
      D, 0, 0 },
    { "StringLike mismatch", COND("{'StringLike':{'k:a':'prod-*'}}"), 0,
      ALICE, { { "k:a", { "dev-web" } } }, D, 0, 0 },
    { "StringNotLike matching value", COND("{'StringNotLike':{'k:a':'p*'}}"),
      0, ALICE, { { "k:a", { "prod" } } }, D, 0, 0 },
    { "StringNotLike other value", COND("{'StringNotLike':{'k:a':'p*'}}"),
      0, ALICE, { { "k:a", { "dev" } } }, A, 0, 0 },
    { "StringNotLike missing key is true",
      COND("{'StringNotLike':{'k:a':'p*'}}"), 0, ALICE, { { 0 } }, A, 0, 0 },
    { "values OR together", COND("{'StringEquals':{'k:a':['x','y','z']}}"),
      0, ALICE, { { "k:a", { "z" } } }, A, 0, 0 },
    { "policy variable taken literally",
      COND("{'StringEquals':{'k:a':'${aws:username}'}}"), 0, ALICE,
      { { "k:a", { "alice" } } }, D, 0, 0 },
    { "policy variable literal text matches",
      COND("{'StringEquals':{'k:a':'${aws:username}'}}"), 0, ALICE,
      { { "k:a", { "${aws:username}" } } }, A, 0, 0 },
    { "condition key name is case-insensitive",
      COND("{'StringEquals':{'KMS:encryptioncontext:Dept':'x'}}"), 0, ALICE,
      { { "kms:EncryptionContext:dept", { "x" } } }, A, 0, 0 },
    { "JSON number as string value",
      COND("{'StringEquals':{'k:a':42}}"), 0, ALICE, { { "k:a", { "42" } } },
      A, 0, 0 },

    /* ---- ARN operators ---- */
    { "ArnEquals exact", COND("{'ArnEquals':{'" EC_ARN "':'" GROUP "'}}"),
      0, ALICE, { { EC_ARN, { GROUP } } }, A, 0, 0 },
    { "ArnEquals other ARN", COND("{'ArnEquals':{'" EC_ARN "':'" GROUP "'}}"),
      0, ALICE, { { EC_ARN, { GROUP2 } } }, D, 0, 0 },
    { "ArnEquals takes wildcards like ArnLike",
      COND("{'ArnEquals':{'" EC_ARN "':'arn:aws:logs:*:" ACCT
           ":log-group:*'}}"), 0, ALICE, { { EC_ARN, { GROUP2 } } }, A, 0, 0 },
    { "ArnLike log-group:*",
      COND("{'ArnLike':{'" EC_ARN "':'arn:aws:logs:eu-west-2:" ACCT
           ":log-group:*'}}"), 0, ALICE, { { EC_ARN, { GROUP } } }, A, 0, 0 },
    { "ArnLike other account",
      COND("{'ArnLike':{'" EC_ARN "':'arn:aws:logs:eu-west-2:" ACCT
           ":log-group:*'}}"), 0, ALICE,
      { { EC_ARN, { "arn:aws:logs:eu-west-2:444455556666:log-group:g" } } },
      D, 0, 0 },
    { "ArnLike star stays inside its component",
      COND("{'ArnLike':{'" EC_ARN "':'arn:aws:logs:*:log-group:my-group'}}"),
      0, ALICE, { { EC_ARN, { GROUP } } }, D, 0, 0 },
    { "ArnLike is case-sensitive",
      COND("{'ArnLike':{'" EC_ARN "':'arn:aws:logs:eu-west-2:" ACCT
           ":log-group:My-Group'}}"), 0, ALICE, { { EC_ARN, { GROUP } } },
      D, 0, 0 },
    { "ArnLike value not an ARN",
      COND("{'ArnLike':{'" EC_ARN "':'arn:aws:logs:*:*:*'}}"), 0, ALICE,
      { { EC_ARN, { "my-group" } } }, D, 0, 0 },
    { "ArnNotEquals other ARN",
      COND("{'ArnNotEquals':{'" EC_ARN "':'" GROUP "'}}"), 0, ALICE,
      { { EC_ARN, { GROUP2 } } }, A, 0, 0 },
    { "ArnNotLike matching ARN",
      COND("{'ArnNotLike':{'" EC_ARN "':'arn:aws:logs:*:*:log-group:*'}}"),
      0, ALICE, { { EC_ARN, { GROUP } } }, D, 0, 0 },

    /* ---- Numeric ---- */
    { "NumericEquals", COND("{'NumericEquals':{'k:n':'10'}}"), 0, ALICE,
      { { "k:n", { "10.0" } } }, A, 0, 0 },
    { "NumericEquals mismatch", COND("{'NumericEquals':{'k:n':'10'}}"), 0,
      ALICE, { { "k:n", { "11" } } }, D, 0, 0 },
    { "NumericNotEquals", COND("{'NumericNotEquals':{'k:n':'10'}}"), 0, ALICE,
      { { "k:n", { "11" } } }, A, 0, 0 },
    { "NumericLessThan true", COND("{'NumericLessThan':{'k:n':7}}"), 0, ALICE,
      { { "k:n", { "6" } } }, A, 0, 0 },
    { "NumericLessThan equal is false", COND("{'NumericLessThan':{'k:n':7}}"),
      0, ALICE, { { "k:n", { "7" } } }, D, 0, 0 },
    { "NumericLessThanEquals equal", COND("{'NumericLessThanEquals':"
      "{'k:n':7}}"), 0, ALICE, { { "k:n", { "7" } } }, A, 0, 0 },
    { "NumericGreaterThan", COND("{'NumericGreaterThan':{'k:n':'7.5'}}"), 0,
      ALICE, { { "k:n", { "8" } } }, A, 0, 0 },
    { "NumericGreaterThanEquals below", COND("{'NumericGreaterThanEquals':"
      "{'k:n':'7'}}"), 0, ALICE, { { "k:n", { "6.99" } } }, D, 0, 0 },
    { "Numeric request value not a number", COND("{'NumericEquals':"
      "{'k:n':'7'}}"), 0, ALICE, { { "k:n", { "seven" } } }, D, 0, 0 },
    { "Numeric policy value not a number never matches",
      COND("{'NumericEquals':{'k:n':'seven'}}"), 0, ALICE,
      { { "k:n", { "7" } } }, D, 0, 0 },

    /* ---- Date ---- */
    { "DateLessThan ISO 8601", COND("{'DateLessThan':{'aws:CurrentTime':"
      "'2030-01-01T00:00:00Z'}}"), 0, ALICE,
      { { "aws:CurrentTime", { "2025-06-01T12:00:00Z" } } }, A, 0, 0 },
    { "DateLessThan after", COND("{'DateLessThan':{'aws:CurrentTime':"
      "'2020-01-01'}}"), 0, ALICE,
      { { "aws:CurrentTime", { "2025-06-01T12:00:00Z" } } }, D, 0, 0 },
    { "DateGreaterThan epoch seconds", COND("{'DateGreaterThan':"
      "{'aws:EpochTime':1700000000}}"), 0, ALICE,
      { { "aws:EpochTime", { "2024-01-01T00:00:00Z" } } }, A, 0, 0 },
    { "DateEquals across offsets", COND("{'DateEquals':{'k:d':"
      "'2024-03-01T10:00:00+02:00'}}"), 0, ALICE,
      { { "k:d", { "2024-03-01T08:00:00Z" } } }, A, 0, 0 },
    { "DateNotEquals", COND("{'DateNotEquals':{'k:d':'2024-03-01'}}"), 0,
      ALICE, { { "k:d", { "2024-03-01T00:00:00Z" } } }, D, 0, 0 },
    { "DateLessThanEquals same instant", COND("{'DateLessThanEquals':"
      "{'k:d':'2024-03-01T00:00:00.000Z'}}"), 0, ALICE,
      { { "k:d", { "1709251200" } } }, A, 0, 0 },
    { "DateGreaterThanEquals before", COND("{'DateGreaterThanEquals':"
      "{'k:d':'2024-03-01'}}"), 0, ALICE, { { "k:d", { "2024-02-29" } } },
      D, 0, 0 },

    /* ---- Bool, Binary, IP, Null ---- */
    { "Bool true", COND("{'Bool':{'aws:SecureTransport':'true'}}"), 0, ALICE,
      { { "aws:SecureTransport", { "true" } } }, A, 0, 0 },
    { "Bool mismatch", COND("{'Bool':{'aws:SecureTransport':'true'}}"), 0,
      ALICE, { { "aws:SecureTransport", { "false" } } }, D, 0, 0 },
    { "Bool JSON boolean value", COND("{'Bool':{'kms:GrantIsForAWSResource':"
      "true}}"), 0, ALICE, { { "kms:GrantIsForAWSResource", { "TRUE" } } },
      A, 0, 0 },
    { "BinaryEquals", COND("{'BinaryEquals':{'k:b':'QmluYXJ5'}}"), 0, ALICE,
      { { "k:b", { "QmluYXJ5" } } }, A, 0, 0 },
    { "BinaryEquals mismatch", COND("{'BinaryEquals':{'k:b':'QmluYXJ5'}}"), 0,
      ALICE, { { "k:b", { "QmluYXJ6" } } }, D, 0, 0 },
    { "IpAddress in CIDR", COND("{'IpAddress':{'aws:SourceIp':"
      "'203.0.113.0/24'}}"), 0, ALICE,
      { { "aws:SourceIp", { "203.0.113.9" } } }, A, 0, 0 },
    { "IpAddress outside CIDR", COND("{'IpAddress':{'aws:SourceIp':"
      "'203.0.113.0/25'}}"), 0, ALICE,
      { { "aws:SourceIp", { "203.0.113.200" } } }, D, 0, 0 },
    { "IpAddress IPv6", COND("{'IpAddress':{'aws:SourceIp':"
      "'2001:db8::/32'}}"), 0, ALICE,
      { { "aws:SourceIp", { "2001:db8:1::5" } } }, A, 0, 0 },
    { "IpAddress without source IP is false", COND("{'IpAddress':"
      "{'aws:SourceIp':'0.0.0.0/0'}}"), 0, ALICE, { { 0 } }, D, 0, 0 },
    { "NotIpAddress without source IP is true", COND("{'NotIpAddress':"
      "{'aws:SourceIp':'203.0.113.0/24'}}"), 0, ALICE, { { 0 } }, A, 0, 0 },
    { "Null true and key absent", COND("{'Null':{'" EC_ARN "':'true'}}"), 0,
      ALICE, { { 0 } }, A, 0, 0 },
    { "Null true and key present", COND("{'Null':{'" EC_ARN "':'true'}}"), 0,
      ALICE, { { EC_ARN, { GROUP } } }, D, 0, 0 },
    { "Null false and key present", COND("{'Null':{'" EC_ARN "':false}}"), 0,
      ALICE, { { EC_ARN, { GROUP } } }, A, 0, 0 },
    { "Null false and key absent", COND("{'Null':{'" EC_ARN "':false}}"), 0,
      ALICE, { { 0 } }, D, 0, 0 },

    /* ---- IfExists, set operators ---- */
    { "IfExists with key missing", COND("{'StringEqualsIfExists':"
      "{'k:a':'x'}}"), 0, ALICE, { { 0 } }, A, 0, 0 },
    { "IfExists with key present and different", COND(
      "{'StringEqualsIfExists':{'k:a':'x'}}"), 0, ALICE,
      { { "k:a", { "y" } } }, D, 0, 0 },
    { "ArnLikeIfExists present and matching", COND("{'ArnLikeIfExists':{'"
      EC_ARN "':'arn:aws:logs:*:*:log-group:*'}}"), 0, ALICE,
      { { EC_ARN, { GROUP } } }, A, 0, 0 },
    { "ForAnyValue one matches", COND("{'ForAnyValue:StringEquals':"
      "{'kms:EncryptionContextKeys':['a','b']}}"), 0, ALICE,
      { { "kms:EncryptionContextKeys", { "z", "b" } } }, A, 0, 0 },
    { "ForAnyValue none matches", COND("{'ForAnyValue:StringEquals':"
      "{'kms:EncryptionContextKeys':['a','b']}}"), 0, ALICE,
      { { "kms:EncryptionContextKeys", { "y", "z" } } }, D, 0, 0 },
    { "ForAnyValue missing key is false", COND("{'ForAnyValue:StringLike':"
      "{'kms:EncryptionContextKeys':'*'}}"), 0, ALICE, { { 0 } }, D, 0, 0 },
    { "ForAllValues all in set", COND("{'ForAllValues:StringEquals':"
      "{'kms:EncryptionContextKeys':['a','b','c']}}"), 0, ALICE,
      { { "kms:EncryptionContextKeys", { "a", "c" } } }, A, 0, 0 },
    { "ForAllValues one outside", COND("{'ForAllValues:StringEquals':"
      "{'kms:EncryptionContextKeys':['a','b']}}"), 0, ALICE,
      { { "kms:EncryptionContextKeys", { "a", "x" } } }, D, 0, 0 },
    { "ForAllValues missing key is true", COND("{'ForAllValues:StringEquals':"
      "{'kms:EncryptionContextKeys':['a']}}"), 0, ALICE, { { 0 } }, A, 0, 0 },
    { "ForAllValues:StringNotEquals none in set", COND(
      "{'ForAllValues:StringNotEquals':{'k:m':['a','b']}}"), 0, ALICE,
      { { "k:m", { "c", "d" } } }, A, 0, 0 },
    { "ForAnyValue:StringNotLike one outside", COND(
      "{'ForAnyValue:StringNotLike':{'k:m':'a*'}}"), 0, ALICE,
      { { "k:m", { "ab", "zz" } } }, A, 0, 0 },
    { "ForAnyValue:StringNotLike all inside", COND(
      "{'ForAnyValue:StringNotLike':{'k:m':'a*'}}"), 0, ALICE,
      { { "k:m", { "ab", "ac" } } }, D, 0, 0 },
    { "keys in an operator AND", COND("{'StringEquals':{'k:a':'1','k:b':'2'}}"),
      0, ALICE, { { "k:a", { "1" } }, { "k:b", { "3" } } }, D, 0, 0 },
    { "operators in a block AND", COND("{'StringEquals':{'k:a':'1'},"
      "'StringLike':{'k:b':'2*'}}"), 0, ALICE,
      { { "k:a", { "1" } }, { "k:b", { "22" } } }, A, 0, 0 },
    { "kms:CallerAccount derived from the principal", COND(
      "{'StringEquals':{'kms:CallerAccount':'" ACCT "'}}"), 0, ALICE, { { 0 } },
      A, 0, 0 },
    { "kms:CallerAccount of another account", COND(
      "{'StringEquals':{'kms:CallerAccount':'" ACCT "'}}"), 0, EVE, { { 0 } },
      D, 0, 0 },

    /* ---- Action ---- */
    { "kms:* allows any kms action", AR("'kms:*'", "'*'"),
      "kms:ScheduleKeyDeletion",
      ALICE, { { 0 } }, A, 0, 0 },
    { "kms:* does not cover other services", AR("'kms:*'", "'*'"),
      "s3:GetObject", ALICE, { { 0 } }, D, 0, 0 },
    { "action prefix wildcard", AR("'kms:Encrypt*'", "'*'"), "kms:Encrypt",
      ALICE, { { 0 } }, A, 0, 0 },
    { "action prefix wildcard other action", AR("'kms:Encrypt*'", "'*'"),
      "kms:Decrypt", ALICE, { { 0 } }, D, 0, 0 },
    { "action names are case-insensitive", AR("'KMS:encrypt'", "'*'"),
      "kms:Encrypt", ALICE, { { 0 } }, A, 0, 0 },
    { "action question mark", AR("'kms:?ncrypt'", "'*'"), "kms:Encrypt",
      ALICE, { { 0 } }, A, 0, 0 },
    { "action star alone", AR("'*'", "'*'"), "kms:DescribeKey", ALICE,
      { { 0 } }, A, 0, 0 },
    { "action list", AR("['kms:Decrypt','kms:Encrypt']", "'*'"),
      "kms:Encrypt", ALICE, { { 0 } }, A, 0, 0 },
    { "NotAction excludes the action", "{'Statement':{'Effect':'Allow',"
      "'Principal':'*','NotAction':'kms:Schedule*','Resource':'*'}}",
      "kms:ScheduleKeyDeletion", ALICE, { { 0 } }, D, 0, 0 },
    { "NotAction allows the others", "{'Statement':{'Effect':'Allow',"
      "'Principal':'*','NotAction':'kms:Schedule*','Resource':'*'}}",
      "kms:Encrypt", ALICE, { { 0 } }, A, 0, 0 },

    /* ---- Resource ---- */
    { "resource ARN matches", AR("'kms:*'", "'" KEY "'"), 0, ALICE, { { 0 } },
      A, 0, 0 },
    { "resource ARN of another key", AR("'kms:*'", "'" OTHER_KEY "'"), 0,
      ALICE, { { 0 } }, D, 0, 0 },
    { "resource wildcard key/*", AR("'kms:*'",
      "'arn:aws:kms:*:" ACCT ":key/*'"), 0, ALICE, { { 0 } }, A, 0, 0 },
    { "NotResource excludes this key", "{'Statement':{'Effect':'Allow',"
      "'Principal':'*','Action':'kms:*','NotResource':'" KEY "'}}", 0, ALICE,
      { { 0 } }, D, 0, 0 },
    { "NotResource other key", "{'Statement':{'Effect':'Allow',"
      "'Principal':'*','Action':'kms:*','NotResource':'" OTHER_KEY "'}}", 0,
      ALICE, { { 0 } }, A, 0, 0 },

    /* ---- Principals ---- */
    { "Principal * covers services", PR("'*'"), 0, LOGS, { { 0 } }, A, 0, 0 },
    { "AWS * covers users", PR("{'AWS':'*'}"), 0, EVE, { { 0 } }, A, 0, 0 },
    { "AWS * covers services", PR("{'AWS':'*'}"), 0, LOGS, { { 0 } }, A, 0, 0 },
    { "account id delegates", PR("{'AWS':'" ACCT "'}"), 0, ALICE, { { 0 } },
      A, 1, 0 },
    { "root ARN delegates", PR("{'AWS':'" ROOT "'}"), 0, BOB, { { 0 } }, A, 1,
      0 },
    { "root ARN for root itself", PR("{'AWS':'" ROOT "'}"), 0, ROOT,
      { { 0 } }, A, 1, 0 },
    { "root ARN of another account", PR("{'AWS':'" ROOT "'}"), 0, EVE,
      { { 0 } }, D, 0, 0 },
    { "account does not cover a service", PR("{'AWS':'" ROOT "'}"), 0, LOGS,
      { { 0 } }, D, 0, 0 },
    /* Another partition's account of the same number is another account. */
    { "aws-cn root does not cover the aws account's users",
      PR("{'AWS':'arn:aws-cn:iam::" ACCT ":root'}"), 0, BOB, { { 0 } }, D, 0,
      0 },
    { "aws-us-gov root is not the aws account's root",
      PR("{'AWS':'arn:aws-us-gov:iam::" ACCT ":root'}"), 0, ROOT, { { 0 } },
      D, 0, 0 },
    { "NotPrincipal naming alice and an aws-cn root still denies alice",
      "{'Statement':["
      "{'Effect':'Allow','Principal':{'AWS':'" ROOT "'},'Action':'kms:*',"
      "'Resource':'*'},{'Effect':'Deny','NotPrincipal':{'AWS':['" ALICE "',"
      "'arn:aws-cn:iam::" ACCT ":root']},'Action':'kms:Decrypt',"
      "'Resource':'*'}]}", "kms:Decrypt", ALICE, { { 0 } }, X, 0, 0 },
    { "user ARN direct", PR("{'AWS':'" ALICE "'}"), 0, ALICE, { { 0 } }, A, 0,
      0 },
    { "user ARN is only that user", PR("{'AWS':'" ALICE "'}"), 0, BOB,
      { { 0 } }, D, 0, 0 },
    { "principal list", PR("{'AWS':['" BOB "','" ALICE "']}"), 0, ALICE,
      { { 0 } }, A, 0, 0 },
    { "service principal", PR("{'Service':'logs.eu-west-2.amazonaws.com'}"),
      0, LOGS, { { 0 } }, A, 0, 0 },
    { "service principal is region-specific",
      PR("{'Service':'logs.eu-west-2.amazonaws.com'}"), 0, LOGS_US, { { 0 } },
      D, 0, 0 },
    { "service principal name is case-insensitive",
      PR("{'Service':'Logs.EU-West-2.amazonaws.com'}"), 0, LOGS, { { 0 } }, A,
      0, 0 },
    { "service principal does not cover users",
      PR("{'Service':['logs.eu-west-2.amazonaws.com']}"), 0, ALICE, { { 0 } },
      D, 0, 0 },
    { "Federated never matches", PR("{'Federated':'cognito-identity."
      "amazonaws.com'}"), 0, ALICE, { { 0 } }, D, 0, 0 },
    { "NotPrincipal denies all but alice", "{'Statement':["
      "{'Effect':'Allow','Principal':{'AWS':'" ROOT "'},'Action':'kms:*',"
      "'Resource':'*'},{'Effect':'Deny','NotPrincipal':{'AWS':'" ALICE "'},"
      "'Action':'kms:Decrypt','Resource':'*'}]}", "kms:Decrypt", BOB,
      { { 0 } }, X, 0, 0 },
    /* The IAM reference on NotPrincipal: a user is left out only when
     * both the user and its account are named. */
    { "NotPrincipal naming alice and her account leaves alice alone",
      "{'Statement':["
      "{'Effect':'Allow','Principal':{'AWS':'" ROOT "'},'Action':'kms:*',"
      "'Resource':'*'},{'Effect':'Deny','NotPrincipal':{'AWS':['" ALICE "','"
      ROOT "']},'Action':'kms:Decrypt','Resource':'*'}]}", "kms:Decrypt",
      ALICE, { { 0 } }, A, 1, 0 },
    { "NotPrincipal naming only alice still denies alice", "{'Statement':["
      "{'Effect':'Allow','Principal':{'AWS':'" ROOT "'},'Action':'kms:*',"
      "'Resource':'*'},{'Effect':'Deny','NotPrincipal':{'AWS':'" ALICE "'},"
      "'Action':'kms:Decrypt','Resource':'*'}]}", "kms:Decrypt", ALICE,
      { { 0 } }, X, 0, 0 },
    { "NotPrincipal naming the account root does not exempt its users",
      "{'Statement':["
      "{'Effect':'Allow','Principal':{'AWS':'" ROOT "'},'Action':'kms:*',"
      "'Resource':'*'},{'Effect':'Deny','NotPrincipal':{'AWS':'" ROOT "'},"
      "'Action':'kms:Decrypt','Resource':'*'}]}", "kms:Decrypt", ALICE,
      { { 0 } }, X, 0, 0 },
    { "NotPrincipal naming the account id does not exempt its users",
      "{'Statement':["
      "{'Effect':'Allow','Principal':{'AWS':'" ROOT "'},'Action':'kms:*',"
      "'Resource':'*'},{'Effect':'Deny','NotPrincipal':{'AWS':'" ACCT "'},"
      "'Action':'kms:Decrypt','Resource':'*'}]}", "kms:Decrypt", BOB,
      { { 0 } }, X, 0, 0 },
    { "NotPrincipal naming the account exempts the account root",
      "{'Statement':["
      "{'Effect':'Allow','Principal':{'AWS':'" ROOT "'},'Action':'kms:*',"
      "'Resource':'*'},{'Effect':'Deny','NotPrincipal':{'AWS':'" ROOT "'},"
      "'Action':'kms:Decrypt','Resource':'*'}]}", "kms:Decrypt", ROOT,
      { { 0 } }, A, 1, 0 },
    { "NotPrincipal naming a service exempts it", "{'Statement':["
      "{'Effect':'Allow','Principal':'*','Action':'kms:*','Resource':'*'},"
      "{'Effect':'Deny','NotPrincipal':{'Service':"
      "'logs.eu-west-2.amazonaws.com'},'Action':'kms:*','Resource':'*'}]}",
      "kms:Decrypt", LOGS, { { 0 } }, A, 0, 0 },
    { "NotPrincipal naming a service denies users", "{'Statement':["
      "{'Effect':'Allow','Principal':'*','Action':'kms:*','Resource':'*'},"
      "{'Effect':'Deny','NotPrincipal':{'Service':"
      "'logs.eu-west-2.amazonaws.com'},'Action':'kms:*','Resource':'*'}]}",
      "kms:Decrypt", ALICE, { { 0 } }, X, 0, 0 },
    { "a long context key compares in full", COND("{'StringEquals':{"
      "'kms:EncryptionContext:" LONG_KEY "':'v'}}"), 0, ALICE,
      { { "kms:EncryptionContext:" LONG_KEY "EVIL", { "v" } } }, D, 0, 0 },
    { "a long context key matches itself", COND("{'StringEquals':{"
      "'kms:EncryptionContext:" LONG_KEY "':'v'}}"), 0, ALICE,
      { { "kms:EncryptionContext:" LONG_KEY, { "v" } } }, A, 0, 0 },

    /* ---- Deny and delegation ---- */
    { "user in Deny statement denied while root allowed", "{'Statement':["
      "{'Effect':'Allow','Principal':{'AWS':'" ROOT "'},'Action':'kms:*',"
      "'Resource':'*'},{'Effect':'Deny','Principal':{'AWS':'" ALICE "'},"
      "'Action':'kms:*','Resource':'*'}]}", 0, ALICE, { { 0 } }, X, 0, 0 },
    { "other user allowed through root", "{'Statement':["
      "{'Effect':'Allow','Principal':{'AWS':'" ROOT "'},'Action':'kms:*',"
      "'Resource':'*'},{'Effect':'Deny','Principal':{'AWS':'" ALICE "'},"
      "'Action':'kms:*','Resource':'*'}]}", 0, BOB, { { 0 } }, A, 1, 0 },
    { "explicit deny wins whatever the order", "{'Statement':["
      "{'Effect':'Deny','Principal':'*','Action':'kms:Encrypt',"
      "'Resource':'*'},{'Effect':'Allow','Principal':{'AWS':'" ALICE "'},"
      "'Action':'kms:*','Resource':'*'}]}", 0, ALICE, { { 0 } }, X, 0, 0 },
    { "direct allow clears via_account", "{'Statement':["
      "{'Effect':'Allow','Principal':{'AWS':'" ROOT "'},'Action':'kms:*',"
      "'Resource':'*'},{'Effect':'Allow','Principal':{'AWS':'" ALICE "'},"
      "'Action':'kms:Encrypt','Resource':'*'}]}", 0, ALICE, { { 0 } }, A, 0,
      0 },
    { "deny with unmet condition does not apply", "{'Statement':["
      "{'Effect':'Allow','Principal':'*','Action':'kms:*','Resource':'*'},"
      "{'Effect':'Deny','Principal':'*','Action':'kms:*','Resource':'*',"
      "'Condition':{'Bool':{'aws:SecureTransport':'false'}}}]}", 0, ALICE,
      { { "aws:SecureTransport", { "true" } } }, A, 0, 0 },
    { "no statement applies", PR("{'AWS':'" BOB "'}"), 0, ALICE, { { 0 } }, D,
      0, 0 },

    /* ---- The CloudWatch Logs tutorial policy ---- */
    { "logs: GenerateDataKey for its group", TUTORIAL, "kms:GenerateDataKey",
      LOGS, { { EC_ARN, { GROUP } } }, A, 0, 0 },
    { "logs: Encrypt for its group", TUTORIAL, "kms:Encrypt", LOGS,
      { { EC_ARN, { GROUP } } }, A, 0, 0 },
    { "logs: Decrypt for its group", TUTORIAL, "kms:Decrypt", LOGS,
      { { EC_ARN, { GROUP } }, { "kms:EncryptionContextKeys",
        { "aws:logs:arn" } } }, A, 0, 0 },
    { "logs: DescribeKey for its group", TUTORIAL, "kms:DescribeKey", LOGS,
      { { EC_ARN, { GROUP } } }, A, 0, 0 },
    { "logs: another group denied", TUTORIAL, "kms:GenerateDataKey", LOGS,
      { { EC_ARN, { GROUP2 } } }, D, 0, 0 },
    { "logs: no context denied", TUTORIAL, "kms:GenerateDataKey", LOGS,
      { { 0 } }, D, 0, 0 },
    { "logs: other region's service denied", TUTORIAL, "kms:GenerateDataKey",
      LOGS_US, { { EC_ARN, { GROUP } } }, D, 0, 0 },
    { "logs: PutKeyPolicy not granted", TUTORIAL, "kms:PutKeyPolicy", LOGS,
      { { EC_ARN, { GROUP } } }, D, 0, 0 },
    { "logs: account users via root", TUTORIAL, "kms:PutKeyPolicy", ALICE,
      { { 0 } }, A, 1, 0 },
    { "logs: ArnLike log-group:* any group", "{'Statement':[{'Effect':'Allow',"
      "'Principal':{'Service':'logs.eu-west-2.amazonaws.com'},"
      "'Action':['kms:Encrypt*','kms:Decrypt*','kms:ReEncrypt*',"
      "'kms:GenerateDataKey*','kms:Describe*'],'Resource':'*',"
      "'Condition':{'ArnLike':{'" EC_ARN "':"
      "'arn:aws:logs:eu-west-2:" ACCT ":log-group:*'}}}]}",
      "kms:GenerateDataKeyWithoutPlaintext", LOGS, { { EC_ARN, { GROUP2 } } },
      A, 0, 0 },
    { "logs: ArnLike log-group:* other account", "{'Statement':[{'Effect':"
      "'Allow','Principal':{'Service':'logs.eu-west-2.amazonaws.com'},"
      "'Action':'kms:*','Resource':'*',"
      "'Condition':{'ArnLike':{'" EC_ARN "':"
      "'arn:aws:logs:eu-west-2:" ACCT ":log-group:*'}}}]}", "kms:Decrypt",
      LOGS, { { EC_ARN,
        { "arn:aws:logs:eu-west-2:444455556666:log-group:my-group" } } },
      D, 0, 0 },
};

static char *unquote(const char *s)
{
    char *d = strdup(s);

    assert_non_null(d);
    for (char *c = d; *c; c++) {
        if (*c == '\'') {
            *c = '"';
        }
    }
    return d;
}

/* The explainer's trace decides as the engine did: the same decision and
 * via_account, the decision's name in the JSON, one entry per statement,
 * and the deciding statements are the ones that apply with the deciding
 * effect. Returns 1 when it does; prints the case's name and why not. */
static int trace_agrees(const char *name, const struct lv_policy *p,
                        const struct lv_policy_request *rq,
                        enum lv_policy_decision want, int want_via)
{
    enum lv_policy_decision d = (enum lv_policy_decision)-1;
    int via = -7;
    json_t *t = lv_policy_trace(p, rq, &d, &via);
    const json_t *deciding = json_object_get(t, "deciding");
    const json_t *stmts = json_object_get(t, "statements");
    size_t i;
    const json_t *v;
    int ok = 0;

    if (!t) {
        print_error("%s: no trace\n", name);
        return 0;
    }
    if (d != want || via != want_via) {
        print_error("%s: trace decided %s via %d, engine %s via %d\n", name,
                    lv_policy_decision_name(d), via,
                    lv_policy_decision_name(want), want_via);
    } else if (strcmp(json_string_value(json_object_get(t, "decision")),
                      lv_policy_decision_name(want)) != 0) {
        print_error("%s: trace JSON says %s\n", name,
                    json_string_value(json_object_get(t, "decision")));
    } else if (json_array_size(stmts) != p->n_st) {
        print_error("%s: trace has %zu statements\n", name,
                    json_array_size(stmts));
    } else if ((want == LV_POLICY_DEFAULT_DENY) !=
               (json_array_size(deciding) == 0)) {
        print_error("%s: %zu deciding statements on %s\n", name,
                    json_array_size(deciding), lv_policy_decision_name(want));
    } else {
        ok = 1;
        json_array_foreach(deciding, i, v) {
            const json_t *st = json_array_get(stmts,
                                              (size_t)json_integer_value(v));
            const char *eff = json_string_value(json_object_get(st,
                                                                "effect"));

            if (!json_is_true(json_object_get(st, "applies")) || !eff ||
                strcmp(eff, want == LV_POLICY_ALLOW ? "Allow" : "Deny")) {
                print_error("%s: deciding statement %zu does not apply\n",
                            name, (size_t)json_integer_value(v));
                ok = 0;
            }
        }
    }
    json_decref(t);
    return ok;
}

/* Returns 1 when the case passes; prints its name and why when not. */
static int run_eval_case(const struct eval_case *tc)
{
    struct lv_err err = LV_ERR_INIT;
    struct lv_policy_ctx_value ctx[4];
    struct lv_policy_request rq;
    char acct[13];
    char *doc = unquote(tc->policy);
    struct lv_policy *p = lv_policy_parse(doc, strlen(doc), &err);
    size_t n_ctx = 0;
    int via = -7;
    int ok = 0;
    enum lv_policy_decision got;

    if (!p) {
        print_error("%s: parse failed: %s\n", tc->name, err.msg);
        goto out;
    }
    memset(&rq, 0, sizeof(rq));
    rq.action = tc->action ? tc->action : "kms:Encrypt";
    rq.resource = tc->resource ? tc->resource : KEY;
    rq.resource_account = ACCT;
    if (strncmp(tc->who, "svc:", 4) == 0) {
        rq.principal_service = tc->who + 4;
    } else {
        rq.principal_arn = tc->who;
        memcpy(acct, tc->who + 13, 12);
        acct[12] = '\0';
        rq.principal_account = acct;
    }
    for (size_t i = 0; i < 4 && tc->ctx[i].key; i++) {
        size_t n = 0;

        while (n < 4 && tc->ctx[i].vals[n]) {
            n++;
        }
        ctx[n_ctx].key = tc->ctx[i].key;
        ctx[n_ctx].values = tc->ctx[i].vals;
        ctx[n_ctx].n = n;
        n_ctx++;
    }
    rq.ctx = ctx;
    rq.n_ctx = n_ctx;
    got = lv_policy_eval(p, &rq, &via);
    if (!trace_agrees(tc->name, p, &rq, got, via)) {
        goto out;
    }
    if ((int)got != tc->want) {
        print_error("%s: got %s, want %s\n", tc->name,
                    lv_policy_decision_name(got),
                    lv_policy_decision_name(tc->want));
    } else if (tc->want == A && tc->want_via != ANY_VIA &&
               via != tc->want_via) {
        print_error("%s: via_account %d, want %d\n", tc->name, via,
                    tc->want_via);
    } else if (tc->want != A && via != 0) {
        print_error("%s: via_account %d on a deny\n", tc->name, via);
    } else {
        ok = 1;
    }
out:
    lv_policy_free(p);
    free(doc);
    return ok;
}

static void test_eval(void **state)
{
    (void)state;
    RUN_TABLE("evaluation", eval_cases, run_eval_case);
}

/* ---- parse errors -------------------------------------------------------- */

struct parse_case {
    const char *name;
    const char *doc;            /* NULL: generated (too large) */
    const char *want_msg;       /* substring of the message; NULL: accepted */
};

#define S1(body) "{'Statement':[{" body "}]}"
#define OKST "'Effect':'Allow','Principal':'*','Action':'kms:*'," \
    "'Resource':'*'"

static const struct parse_case parse_cases[] = {
    { "not JSON", "{'Statement':", "not valid JSON" },
    { "empty document", "", "not valid JSON" },
    { "trailing garbage", "{} x", "not valid JSON" },
    { "not an object", "['Statement']", "must be a JSON object" },
    { "no Statement", "{'Version':'2012-10-17'}", "no Statement" },
    { "empty Statement list", "{'Statement':[]}", "no statements" },
    { "Statement is a string", "{'Statement':'x'}", "Statement must be" },
    { "statement not an object", "{'Statement':[1]}", "must be an object" },
    { "Effect missing", S1("'Principal':'*','Action':'kms:*','Resource':'*'"),
      "Effect" },
    { "Effect invalid", S1("'Effect':'allow','Principal':'*',"
      "'Action':'kms:*','Resource':'*'"), "Effect must be" },
    { "Effect not a string", S1("'Effect':true,'Principal':'*',"
      "'Action':'kms:*','Resource':'*'"), "Effect" },
    { "both Action and NotAction", S1(OKST ",'NotAction':'kms:Decrypt'"),
      "both Action and NotAction" },
    { "neither Action nor NotAction", S1("'Effect':'Allow','Principal':'*',"
      "'Resource':'*'"), "Action or NotAction" },
    { "missing Principal", S1("'Effect':'Allow','Action':'kms:*',"
      "'Resource':'*'"), "Principal or NotPrincipal" },
    { "both Principal and NotPrincipal", S1(OKST ",'NotPrincipal':'*'"),
      "both Principal and NotPrincipal" },
    { "NotPrincipal with Allow", S1("'Effect':'Allow','NotPrincipal':"
      "{'AWS':'" ROOT "'},'Action':'kms:*','Resource':'*'"),
      "NotPrincipal is supported only with \"Effect\": \"Deny\"." },
    { "missing Resource", S1("'Effect':'Allow','Principal':'*',"
      "'Action':'kms:*'"), "Resource or NotResource" },
    { "invalid AWS principal", S1("'Effect':'Allow','Principal':{'AWS':"
      "'alice'},'Action':'kms:*','Resource':'*'"),
      "Policy contains a statement with one or more invalid principals." },
    { "AWS principal with wildcard", S1("'Effect':'Allow','Principal':{'AWS':"
      "'arn:aws:iam::*:root'},'Action':'kms:*','Resource':'*'"),
      "invalid principals" },
    { "short account id", S1("'Effect':'Allow','Principal':{'AWS':"
      "'11112222333'},'Action':'kms:*','Resource':'*'"),
      "invalid principals" },
    { "principal string not *", S1("'Effect':'Allow','Principal':'" ALICE "',"
      "'Action':'kms:*','Resource':'*'"), "invalid principals" },
    { "unknown principal type", S1("'Effect':'Allow','Principal':"
      "{'CanonicalUser':'abc'},'Action':'kms:*','Resource':'*'"),
      "invalid principals" },
    { "empty principal list", S1("'Effect':'Allow','Principal':{'AWS':[]},"
      "'Action':'kms:*','Resource':'*'"), "invalid principals" },
    { "unknown condition operator", S1(OKST ",'Condition':{'StringEqual':"
      "{'k:a':'x'}}"), "unknown condition operator: StringEqual" },
    { "Null with IfExists", S1(OKST ",'Condition':{'NullIfExists':"
      "{'k:a':'true'}}"), "unknown condition operator" },
    { "condition value is an object", S1(OKST ",'Condition':{'StringEquals':"
      "{'k:a':{'x':1}}}"), "strings, numbers or booleans" },
    { "condition value null", S1(OKST ",'Condition':{'StringEquals':"
      "{'k:a':[null]}}"), "strings, numbers or booleans" },
    { "Condition not an object", S1(OKST ",'Condition':[]"),
      "Condition must be an object" },
    { "operator block not an object", S1(OKST ",'Condition':"
      "{'StringEquals':'x'}"), "must map condition keys" },
    { "Action not a string", S1("'Effect':'Allow','Principal':'*',"
      "'Action':5,'Resource':'*'"), "Action must be a string" },
    { "Action empty list", S1("'Effect':'Allow','Principal':'*',"
      "'Action':[],'Resource':'*'"), "empty list" },
    { "Action without vendor", S1("'Effect':'Allow','Principal':'*',"
      "'Action':'Encrypt','Resource':'*'"), "prefaced by a vendor" },
    { "unknown statement element", S1(OKST ",'Actions':'kms:*'"),
      "unrecognized element: Actions" },
    { "unknown top-level element", "{'Statement':[{" OKST "}],'Foo':1}",
      "unrecognized element: Foo" },
    { "bad Version", "{'Version':'2012-10-18','Statement':[{" OKST "}]}",
      "Version" },
    { "Sid not a string", S1(OKST ",'Sid':1"), "Sid must be a string" },
    { "duplicate key", "{'Statement':[{" OKST "}],'Statement':[]}",
      "not valid JSON" },
    { "over 32 KB", NULL, "over the limit of 32768 bytes" },
    /* accepted */
    { "Version 2008-10-17 accepted", "{'Version':'2008-10-17','Statement':"
      "{" OKST "}}", NULL },
    { "no Version accepted", "{'Id':'x','Statement':{" OKST "}}", NULL },
    { "numbers and bools in conditions accepted", S1(OKST ",'Condition':"
      "{'NumericLessThan':{'k:n':[1,2.5]},'Bool':{'k:b':true}}"), NULL },
    { "set prefixes and IfExists accepted", S1(OKST ",'Condition':"
      "{'ForAllValues:StringLikeIfExists':{'k:m':['a*']},"
      "'forAnyValue:stringequals':{'k:n':'x'}}"), NULL },
    { "Federated accepted", S1("'Effect':'Allow','Principal':"
      "{'Federated':'cognito-identity.amazonaws.com'},'Action':'kms:*',"
      "'Resource':'*'"), NULL },
    { "sts assumed-role accepted", S1("'Effect':'Allow','Principal':"
      "{'AWS':'arn:aws:sts::" ACCT ":assumed-role/r/s'},'Action':'kms:*',"
      "'Resource':'*'"), NULL },
    { "role ARN accepted", S1("'Effect':'Allow','Principal':"
      "{'AWS':['arn:aws:iam::" ACCT ":role/admin','" ACCT "']},"
      "'Action':'kms:*','Resource':'*'"), NULL },
    { "all operators accepted", S1(OKST ",'Condition':{"
      "'StringEquals':{'a:a':'x'},'StringNotEquals':{'a:a':'x'},"
      "'StringEqualsIgnoreCase':{'a:a':'x'},"
      "'StringNotEqualsIgnoreCase':{'a:a':'x'},'StringLike':{'a:a':'x'},"
      "'StringNotLike':{'a:a':'x'},'ArnEquals':{'a:a':'x'},"
      "'ArnLike':{'a:a':'x'},'ArnNotEquals':{'a:a':'x'},"
      "'ArnNotLike':{'a:a':'x'},'NumericEquals':{'a:a':1},"
      "'NumericNotEquals':{'a:a':1},'NumericLessThan':{'a:a':1},"
      "'NumericLessThanEquals':{'a:a':1},'NumericGreaterThan':{'a:a':1},"
      "'NumericGreaterThanEquals':{'a:a':1},'DateEquals':{'a:a':1},"
      "'DateNotEquals':{'a:a':1},'DateLessThan':{'a:a':1},"
      "'DateLessThanEquals':{'a:a':1},'DateGreaterThan':{'a:a':1},"
      "'DateGreaterThanEquals':{'a:a':1},'Bool':{'a:a':true},"
      "'BinaryEquals':{'a:a':'eA=='},'IpAddress':{'a:a':'10.0.0.0/8'},"
      "'NotIpAddress':{'a:a':'::1'},'Null':{'a:a':true},"
      "'StringEqualsIfExists':{'a:a':'x'}}"), NULL },
};

static char *big_policy(void)
{
    size_t n = LV_POLICY_MAX_BYTES + 64;
    char *d = malloc(n + 1);
    const char *head = "{\"Id\":\"";
    const char *tail = "\",\"Statement\":{\"Effect\":\"Allow\","
        "\"Principal\":\"*\",\"Action\":\"kms:*\",\"Resource\":\"*\"}}";
    size_t hl = strlen(head);
    size_t tl = strlen(tail);

    assert_non_null(d);
    memcpy(d, head, hl);
    memset(d + hl, 'a', n - hl - tl);
    memcpy(d + n - tl, tail, tl);
    d[n] = '\0';
    return d;
}

static void test_parse(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(parse_cases) / sizeof(parse_cases[0]);
         i++) {
        const struct parse_case *tc = &parse_cases[i];
        struct lv_err err = LV_ERR_INIT;
        char *doc = tc->doc ? unquote(tc->doc) : big_policy();
        struct lv_policy *p = lv_policy_parse(doc, strlen(doc), &err);

        if (!tc->want_msg) {
            if (!p) {
                fail_msg("%s: rejected: %s", tc->name, err.msg);
            }
        } else {
            if (p) {
                fail_msg("%s: accepted, want \"%s\"", tc->name, tc->want_msg);
            }
            if (err.code != LV_E_MALFORMED_POLICY_DOCUMENT) {
                fail_msg("%s: code %d", tc->name, err.code);
            }
            if (!strstr(err.msg, tc->want_msg)) {
                fail_msg("%s: message \"%s\", want \"%s\"", tc->name,
                         err.msg, tc->want_msg);
            }
        }
        lv_policy_free(p);
        free(doc);
    }
}

/* ---- default policy, lockout check ------------------------------------ */

static void test_default_policy(void **state)
{
    static const char want[] =
        "{\n"
        "  \"Version\" : \"2012-10-17\",\n"
        "  \"Id\" : \"key-default-1\",\n"
        "  \"Statement\" : [ {\n"
        "    \"Sid\" : \"Enable IAM User Permissions\",\n"
        "    \"Effect\" : \"Allow\",\n"
        "    \"Principal\" : {\n"
        "      \"AWS\" : \"arn:aws:iam::111122223333:root\"\n"
        "    },\n"
        "    \"Action\" : \"kms:*\",\n"
        "    \"Resource\" : \"*\"\n"
        "  } ]\n"
        "}";
    struct lv_err err = LV_ERR_INIT;
    char *doc = lv_policy_default_key_policy(ACCT);
    struct lv_policy *p;
    struct lv_policy_request rq;
    int via = 0;

    (void)state;
    assert_string_equal(doc, want);
    p = lv_policy_parse(doc, strlen(doc), &err);
    assert_non_null(p);
    memset(&rq, 0, sizeof(rq));
    rq.action = "kms:Decrypt";
    rq.resource = KEY;
    rq.principal_arn = ALICE;
    rq.principal_account = ACCT;
    assert_int_equal(lv_policy_eval(p, &rq, &via), LV_POLICY_ALLOW);
    assert_int_equal(via, 1);
    assert_true(trace_agrees("default policy, alice", p, &rq,
                             LV_POLICY_ALLOW, 1));
    rq.principal_arn = NULL;
    rq.principal_account = NULL;
    rq.principal_service = "logs.eu-west-2.amazonaws.com";
    assert_int_equal(lv_policy_eval(p, &rq, &via), LV_POLICY_DEFAULT_DENY);
    assert_true(trace_agrees("default policy, logs", p, &rq,
                             LV_POLICY_DEFAULT_DENY, 0));
    lv_policy_free(p);
    free(doc);
}

struct lockout_case {
    const char *name;
    const char *policy;
    const char *caller;
    int want;                   /* 0 or -1 */
};

static const struct lockout_case lockout_cases[] = {
    { "default policy passes for a user", "DEFAULT", ALICE, 0 },
    { "default policy passes for root", "DEFAULT", ROOT, 0 },
    { "default policy fails for another account", "DEFAULT", EVE, -1 },
    { "user named directly passes", PR("{'AWS':'" ALICE "'}"), ALICE, 0 },
    { "only another user named fails", PR("{'AWS':'" BOB "'}"), ALICE, -1 },
    { "only Encrypt allowed fails", "{'Statement':{'Effect':'Allow',"
      "'Principal':{'AWS':'" ROOT "'},'Action':'kms:Encrypt',"
      "'Resource':'*'}}", ALICE, -1 },
    { "PutKeyPolicy denied to caller fails", "{'Statement':["
      "{'Effect':'Allow','Principal':{'AWS':'" ROOT "'},'Action':'kms:*',"
      "'Resource':'*'},{'Effect':'Deny','Principal':{'AWS':'" ALICE "'},"
      "'Action':'kms:PutKeyPolicy','Resource':'*'}]}", ALICE, -1 },
    { "only the logs service fails",
      "{'Statement':[{'Effect':'Allow','Principal':{'Service':"
      "'logs.eu-west-2.amazonaws.com'},'Action':'kms:*','Resource':'*'}]}",
      ALICE, -1 },
    { "CallerAccount condition passes", COND("{'StringEquals':"
      "{'kms:CallerAccount':'" ACCT "'}}"), ALICE, 0 },
};

static void test_lockout(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(lockout_cases) / sizeof(lockout_cases[0]);
         i++) {
        const struct lockout_case *tc = &lockout_cases[i];
        struct lv_err err = LV_ERR_INIT;
        char *doc = strcmp(tc->policy, "DEFAULT") == 0
                    ? lv_policy_default_key_policy(ACCT)
                    : unquote(tc->policy);
        struct lv_policy *p = lv_policy_parse(doc, strlen(doc), &err);
        char acct[13];
        int rc;

        if (!p) {
            fail_msg("%s: parse failed: %s", tc->name, err.msg);
        }
        memcpy(acct, tc->caller + 13, 12);
        acct[12] = '\0';
        rc = lv_policy_lockout_check(p, tc->caller, acct, KEY, &err);
        if (rc != tc->want) {
            fail_msg("%s: got %d, want %d", tc->name, rc, tc->want);
        }
        if (rc < 0 && (err.code != LV_E_MALFORMED_POLICY_DOCUMENT ||
                       strcmp(err.msg, "The new key policy will not allow "
                              "you to update the key policy in the "
                              "future.") != 0)) {
            fail_msg("%s: error %d \"%s\"", tc->name, err.code, err.msg);
        }
        lv_policy_free(p);
        free(doc);
    }
}

/* ---- the trace's content ------------------------------------------------ */

/* CloudWatch Logs asking for another group's key use under the tutorial's
 * policy: refused, and the trace says which element of which statement
 * failed, with the values compared. */
static void test_trace_content(void **state)
{
    struct lv_err err = LV_ERR_INIT;
    char *doc = unquote(TUTORIAL);
    struct lv_policy *p = lv_policy_parse(doc, strlen(doc), &err);
    struct lv_policy_ctx_value ctx[] = {
        { EC_ARN, (const char *const[]){ GROUP2 }, 1 },
    };
    struct lv_policy_request rq = {
        .action = "kms:GenerateDataKey", .resource = KEY,
        .resource_account = ACCT,
        .principal_service = "logs.eu-west-2.amazonaws.com",
        .ctx = ctx, .n_ctx = 1,
    };
    enum lv_policy_decision d;
    json_t *t;
    const json_t *st0;
    const json_t *st1;
    const json_t *c;

    (void)state;
    assert_non_null(p);
    t = lv_policy_trace(p, &rq, &d, NULL);
    assert_int_equal(d, LV_POLICY_DEFAULT_DENY);
    assert_string_equal(json_string_value(json_object_get(t, "decision")),
                        "DEFAULT_DENY");
    assert_non_null(strstr(json_string_value(json_object_get(t, "reason")),
                           "no allow"));
    st0 = json_array_get(json_object_get(t, "statements"), 0);
    st1 = json_array_get(json_object_get(t, "statements"), 1);
    assert_string_equal(json_string_value(json_object_get(st0, "sid")),
                        "Enable IAM User Permissions");
    assert_true(json_is_false(json_object_get(
        json_object_get(st0, "principal"), "matched")));
    assert_string_equal(json_string_value(json_array_get(json_object_get(
        json_object_get(st0, "principal"), "values"), 0)),
        "arn:aws:iam::111122223333:root");
    assert_true(json_is_true(json_object_get(
        json_object_get(st0, "action"), "matched")));
    assert_true(json_is_null(json_object_get(st1, "sid")));
    assert_true(json_is_true(json_object_get(
        json_object_get(st1, "principal"), "matched")));
    assert_true(json_is_false(json_object_get(st1, "applies")));
    c = json_array_get(json_object_get(st1, "conditions"), 0);
    assert_string_equal(json_string_value(json_object_get(c, "operator")),
                        "ArnEquals");
    assert_string_equal(json_string_value(json_object_get(c, "key")),
                        EC_ARN);
    assert_string_equal(json_string_value(json_array_get(
        json_object_get(c, "values"), 0)), GROUP);
    assert_string_equal(json_string_value(json_array_get(
        json_object_get(c, "requestValues"), 0)), GROUP2);
    assert_true(json_is_false(json_object_get(c, "matched")));
    json_decref(t);

    /* Its own group: allowed by statement 1. */
    ctx[0].values = (const char *const[]){ GROUP };
    t = lv_policy_trace(p, &rq, &d, NULL);
    assert_int_equal(d, LV_POLICY_ALLOW);
    assert_int_equal(json_integer_value(json_array_get(
        json_object_get(t, "deciding"), 0)), 1);
    json_decref(t);
    lv_policy_free(p);
    free(doc);
}

/* ---- garbage ---------------------------------------------------------- */

static uint32_t lcg(uint32_t *s)
{
    *s = *s * 1664525u + 1013904223u;
    return *s >> 8;
}

static void eval_fixed(const struct lv_policy *p)
{
    static const char *const keys[] = { "aws:logs:arn" };
    struct lv_policy_ctx_value ctx[] = {
        { EC_ARN, (const char *const[]){ GROUP }, 1 },
        { "kms:EncryptionContextKeys", keys, 1 },
    };
    struct lv_policy_request rq = {
        .action = "kms:GenerateDataKey", .resource = KEY,
        .resource_account = ACCT,
        .principal_service = "logs.eu-west-2.amazonaws.com",
        .ctx = ctx, .n_ctx = 2,
    };
    int via = 0;
    enum lv_policy_decision d;

    d = lv_policy_eval(p, &rq, &via);
    assert_true(trace_agrees("garbage", p, &rq, d, via));
}

/* Every prefix, bit flips and random bytes: each parse succeeds or fails
 * cleanly (the sanitizers watch), and what parses evaluates. */
static void test_garbage(void **state)
{
    char *doc = unquote(TUTORIAL);
    size_t len = strlen(doc);
    uint32_t seed = 12345;
    char buf[512];

    (void)state;
    for (size_t cut = 0; cut <= len; cut++) {
        struct lv_err err = LV_ERR_INIT;
        char *part = malloc(cut ? cut : 1);
        struct lv_policy *p;

        assert_non_null(part);
        memcpy(part, doc, cut);
        p = lv_policy_parse(part, cut, &err);
        if (cut < len) {
            assert_null(p);
            assert_int_equal(err.code, LV_E_MALFORMED_POLICY_DOCUMENT);
        } else {
            assert_non_null(p);
            eval_fixed(p);
        }
        lv_policy_free(p);
        free(part);
    }
    for (int i = 0; i < 20000; i++) {
        struct lv_err err = LV_ERR_INIT;
        struct lv_policy *p;
        char *m = malloc(len);
        int flips = 1 + (int)(lcg(&seed) % 4);

        assert_non_null(m);
        memcpy(m, doc, len);
        for (int f = 0; f < flips; f++) {
            m[lcg(&seed) % len] ^= (char)(1u << (lcg(&seed) % 8));
        }
        p = lv_policy_parse(m, len, &err);
        if (p) {
            eval_fixed(p);
        } else {
            assert_int_equal(err.code, LV_E_MALFORMED_POLICY_DOCUMENT);
        }
        lv_policy_free(p);
        free(m);
    }
    for (int i = 0; i < 2000; i++) {
        struct lv_err err = LV_ERR_INIT;
        size_t n = lcg(&seed) % sizeof(buf);
        struct lv_policy *p;

        for (size_t k = 0; k < n; k++) {
            buf[k] = (char)lcg(&seed);
        }
        p = lv_policy_parse(buf, n, &err);
        if (p) {
            eval_fixed(p);
        }
        lv_policy_free(p);
    }
    free(doc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_eval),
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_default_policy),
        cmocka_unit_test(test_lockout),
        cmocka_unit_test(test_trace_content),
        cmocka_unit_test(test_garbage),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
