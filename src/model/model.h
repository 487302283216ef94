/*
 * model: the operation and shape tables of the services (Logs, KMS and
 * CloudTrail), generated from
 * the botocore models (tools/genmodel.py → src/model/gen/), and the request
 * validation that runs before any handler.
 *
 * The tables are read-only data shared by the server (routing, validation)
 * and the CLI (commands, options). This module does not know about HTTP,
 * authentication or storage.
 */
#ifndef LV_MODEL_MODEL_H
#define LV_MODEL_MODEL_H

#include <stddef.h>

struct lv_err;
struct json_t;

enum lv_shape_type {
    LV_T_STRUCT,
    LV_T_STRING,
    LV_T_INTEGER,
    LV_T_LONG,
    LV_T_BOOLEAN,
    LV_T_DOUBLE,
    LV_T_BLOB,
    LV_T_TIMESTAMP,
    LV_T_LIST,
    LV_T_MAP,
};

struct lv_member {
    const char *name;   /* the JSON key on the wire, case-sensitive */
    int shape;          /* index into lv_service.shapes */
    int required;
};

struct lv_shape {
    const char *name;
    enum lv_shape_type type;
    int has_min, has_max;
    double min, max;    /* length for strings/lists/maps/blobs, else value */
    const char *pattern;            /* regular expression or NULL */
    const char *const *enums;       /* allowed values or NULL */
    int n_enums;
    const struct lv_member *members;
    int n_members;
    int member;         /* list element shape, or -1 */
    int key, value;     /* map key and value shapes, or -1 */
    int sensitive;
    int exception;
};

struct lv_op {
    const char *name;   /* "PutLogEvents" */
    int input;          /* shape index, -1 when the operation takes none */
    int output;
    int deprecated;
    const char *input_token;   /* paginator, or NULL */
    const char *output_token;
    const char *limit_key;
    int validation_code;   /* enum lv_errcode of this operation's validation
                            * errors when its model differs from the
                            * service's (0: the service's validation_code) */
};

struct lv_service {
    const char *name;           /* "logs" | "kms" */
    const char *target_prefix;  /* "Logs_20140328" | "TrentService" */
    const char *signing_name;   /* the service in the SigV4 scope */
    const char *api_version;
    const char *full_name;
    int validation_code;        /* enum lv_errcode of validation errors */
    int fault_code;             /* enum lv_errcode of a fault inside */
    const struct lv_shape *shapes;
    int n_shapes;
    const struct lv_op *ops;    /* sorted by name */
    int n_ops;
};

extern const struct lv_service lv_model_logs;
extern const struct lv_service lv_model_kms;
extern const struct lv_service lv_model_cloudtrail;

/*
 * What only the CLI needs (src/model/gen/docs_*.c): the names the AWS CLI
 * derives with botocore's xform_name, the documentation as plain text
 * (paragraphs separated by a blank line, list items starting "* "), and
 * the paginators' result keys. The arrays run parallel to the service's.
 */
struct lv_member_docs {
    const char *cli_name;       /* "log-group-name" (no leading dashes) */
    const char *doc;            /* "" when the model has none */
};

struct lv_shape_docs {
    const struct lv_member_docs *members;   /* parallel to members, or NULL */
};

struct lv_op_docs {
    const char *cli_name;       /* "associate-kms-key" */
    const char *doc;
    const char *const *result_keys;     /* NULL-terminated, or NULL */
};

struct lv_service_docs {
    const struct lv_service *svc;
    const char *doc;
    const struct lv_shape_docs *shapes;     /* parallel to svc->shapes */
    const struct lv_op_docs *ops;           /* parallel to svc->ops */
};

extern const struct lv_service_docs lv_docs_logs;
extern const struct lv_service_docs lv_docs_kms;
extern const struct lv_service_docs lv_docs_cloudtrail;

/* The service whose target prefix is `prefix` (len bytes), or NULL. */
const struct lv_service *lv_model_service_by_prefix(const char *prefix,
                                                    size_t len);

/* The operation `name` of `svc` (binary search), or NULL. */
const struct lv_op *lv_model_find_op(const struct lv_service *svc,
                                     const char *name, size_t len);

/* The member `name` of structure shape `sh`, or NULL. */
const struct lv_member *lv_model_find_member(const struct lv_shape *sh,
                                             const char *name);

/*
 * Validate `in` (a JSON object, never NULL) against the input shape of `op`
 * the way AWS's front end does: types first (a JSON value of the wrong type
 * → SerializationException), then every constraint (required, length,
 * range, enum, pattern) collected into one message, "N validation error(s)
 * detected: Value 'x' at 'path' failed to satisfy constraint: ...; ..." under
 * the service's own code (InvalidParameterException for Logs,
 * ValidationException for KMS), or the operation's own when its model
 * lists only ValidationException (op->validation_code). Unknown members are ignored, as AWS does.
 * Returns 0 when valid, -1 with *err filled otherwise.
 */
int lv_model_validate(const struct lv_service *svc, const struct lv_op *op,
                      const struct json_t *in, struct lv_err *err);

/*
 * The front's deserialization of a request body: parses `body` (len bytes;
 * empty means "{}") as the JSON input object of `op` and validates it with
 * lv_model_validate. On success *in is a new reference (json_decref it) and
 * 0 is returned; otherwise -1 with *err: SerializationException for a body
 * that is not a JSON object, or lv_model_validate's error.
 */
int lv_model_parse_input(const struct lv_service *svc, const struct lv_op *op,
                         const char *body, size_t len, struct json_t **in,
                         struct lv_err *err);

/*
 * Compiles (and caches) every member pattern of `svc` now rather than at
 * first use; a server may call it at start, tests call it to prove every
 * model pattern compiles. Returns the number of patterns PCRE2 could not
 * compile (their checks are skipped by lv_model_validate, and logged);
 * when > 0, *err names the first.
 */
int lv_model_compile_patterns(const struct lv_service *svc,
                              struct lv_err *err);

#endif
