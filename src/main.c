/*
 * logvault: one binary — the server (`serve`) and the client (`logs`,
 * `kms`), which share the model tables and SigV4.
 */
#include <stdio.h>
#include <string.h>

#include "cli/audit.h"
#include "cli/cli.h"
#include "serve.h"

static void usage(FILE *out)
{
    fprintf(out,
            "usage: logvault <command> [options]\n\n"
            "A self-hosted server for the AWS CloudWatch Logs and AWS KMS\n"
            "APIs, and a client that mirrors `aws logs` and `aws kms`.\n\n"
            "commands:\n"
            "  serve       serve both APIs over HTTP (logvault serve --help)\n"
            "  logs        CloudWatch Logs operations, as `aws logs`\n"
            "  kms         KMS operations, as `aws kms`\n"
            "  cloudtrail  CloudTrail LookupEvents over the audit trail, as\n"
            "              `aws cloudtrail`\n"
            "  audit       check the audit trail in the store (logvault "
            "audit verify)\n"
            "  version     print the version\n"
            "  help        show this help\n\n"
            "Any AWS client works against the server with\n"
            "--endpoint-url http://127.0.0.1:4566 (access key test, secret\n"
            "test, account 123456789012 unless --credentials says "
            "otherwise).\n");
}

/* The AWS CLI takes its global options before the service too (`aws
 * --endpoint-url URL logs describe-log-groups`): when argv starts with
 * global options followed by a service, the service is moved before them
 * (argv[1]), where lv_cli_main takes globals anywhere. */
static void service_first(int argc, char **argv)
{
    int i = 1;

    while (i < argc && argv[i][0] == '-') {
        int n = lv_cli_global_arity(argv[i]);

        if (n < 0) {
            return;
        }
        i += 1 + n;
    }
    if (i == 1 || i >= argc ||
        (strcmp(argv[i], "logs") && strcmp(argv[i], "kms") &&
         strcmp(argv[i], "cloudtrail"))) {
        return;
    }
    {
        char *svc = argv[i];

        memmove(argv + 2, argv + 1, sizeof(char *) * (size_t)(i - 1));
        argv[1] = svc;
    }
}

int main(int argc, char **argv)
{
    const char *cmd;

    service_first(argc, argv);
    cmd = argc > 1 ? argv[1] : NULL;

    if (!cmd || strcmp(cmd, "help") == 0 || strcmp(cmd, "--help") == 0 ||
        strcmp(cmd, "-h") == 0) {
        usage(cmd ? stdout : stderr);
        return cmd ? 0 : 2;
    }
    if (strcmp(cmd, "version") == 0 || strcmp(cmd, "--version") == 0) {
        printf("logvault %s\n", LV_VERSION);
        return 0;
    }
    if (strcmp(cmd, "serve") == 0) {
        return lv_serve_main(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "audit") == 0) {
        return lv_cli_audit_main(argc - 1, argv + 1);
    }
    if (strcmp(cmd, "logs") == 0 || strcmp(cmd, "kms") == 0 ||
        strcmp(cmd, "cloudtrail") == 0) {
        return lv_cli_main(argc - 1, argv + 1);
    }
    fprintf(stderr, "logvault: unknown command '%s'\n\n", cmd);
    usage(stderr);
    return 2;
}
