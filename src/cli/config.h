/*
 * cli/config: where the client's settings come from, resolved the way the
 * AWS CLI v2 and botocore resolve them (botocore/configprovider.py,
 * credentials.py, configloader.py): command-line options first, then the
 * environment, then the shared files.
 *
 *   profile    --profile, AWS_PROFILE, AWS_DEFAULT_PROFILE, "default"
 *   region     --region, AWS_REGION, AWS_DEFAULT_REGION, config `region`
 *   endpoint   --endpoint-url, AWS_ENDPOINT_URL_<SERVICE>, AWS_ENDPOINT_URL,
 *              config `[services X]` section's `<service> = endpoint_url=…`,
 *              config `endpoint_url`, else logvault's local server
 *              http://127.0.0.1:4566
 *   output     --output, AWS_DEFAULT_OUTPUT, config `output`, "json"
 *   ca_bundle  --ca-bundle, AWS_CA_BUNDLE, config `ca_bundle`, else
 *              libcurl's default CA store (for https:// endpoints)
 *   credentials  AWS_ACCESS_KEY_ID + AWS_SECRET_ACCESS_KEY
 *              (+ AWS_SESSION_TOKEN or AWS_SECURITY_TOKEN) unless --profile
 *              was given, then the credentials file's [name], then the
 *              config file's profile
 * Files: AWS_CONFIG_FILE (~/.aws/config; sections "[default]" and
 * "[profile NAME]") and AWS_SHARED_CREDENTIALS_FILE (~/.aws/credentials;
 * sections "[NAME]"), parsed as Python's configparser does (keys
 * lower-cased, values trimmed, "#" and ";" comment lines, indented
 * continuation lines make a nested section).
 *
 * It does not: run credential_process, SSO, assume-role chains or query
 * the instance metadata service (a profile that needs them has no
 * credentials here), or write files (there is no `configure`).
 */
#ifndef LV_CLI_CONFIG_H
#define LV_CLI_CONFIG_H

struct lv_err;

#define LV_CLI_DEFAULT_ENDPOINT "http://127.0.0.1:4566"

/* What the command line said (NULL = not given). */
struct lv_cli_given {
    const char *profile;
    const char *region;
    const char *endpoint;
    const char *output;
    const char *ca_bundle;
};

struct lv_cli_config {
    char *profile;
    int profile_explicit;       /* --profile was given */
    char *region;               /* NULL when nothing names one */
    char *endpoint;             /* never NULL after a successful load */
    int endpoint_default;       /* 1 when it is LV_CLI_DEFAULT_ENDPOINT */
    char *output;               /* never NULL after a successful load */
    char *ca_bundle;            /* PEM file of trusted CAs, or NULL */
    char *access_key;           /* NULL when no credentials were found */
    char *secret;               /* wiped on release */
    char *token;                /* session token or NULL */
    const char *creds_source;   /* "env", "shared-credentials-file",
                                   "config-file" or NULL (for --debug) */
};

/* Looks up an environment variable; getenv in production. */
typedef const char *(*lv_cli_getenv_fn)(const char *name);

void lv_cli_config_init(struct lv_cli_config *cfg);
void lv_cli_config_release(struct lv_cli_config *cfg);

/*
 * Resolves every setting for `service` ("logs" | "kms") into *cfg (which
 * must be freshly initialised). Files that do not exist are empty. Returns
 * 0, or -1 with err->msg "The config profile (NAME) could not be found"
 * when the profile was named (--profile or AWS_PROFILE) and neither file
 * has it; *cfg is then released.
 */
int lv_cli_config_load(struct lv_cli_config *cfg, const char *service,
                       const struct lv_cli_given *given,
                       lv_cli_getenv_fn env, struct lv_err *err);

/*
 * The first run (as LocalStack's awslocal): when nothing names an
 * endpoint (cfg->endpoint_default) and no credentials were found, the
 * client is talking to a local logvault with its defaults, so it uses
 * that server's default credential (access key "test", secret "test",
 * src/auth/creds.c lv_creds_new_default) and, unless one is configured,
 * region us-east-1; creds_source becomes "logvault-default". With any
 * credentials or any endpoint configured it changes nothing, so the AWS
 * CLI's errors and exit codes stand.
 */
#define LV_CLI_FIRST_RUN_KEY "test"
#define LV_CLI_FIRST_RUN_REGION "us-east-1"
void lv_cli_config_first_run(struct lv_cli_config *cfg);

#endif
