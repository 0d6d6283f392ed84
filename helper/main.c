/* SPDX-License-Identifier: MIT */
/* main.c — aws-iam-provision's command line. Hardens the process first, parses the
 * arguments, and hands over to provision_main (provision.h). */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include "config.h"
#include "exit_status.h"
#include "privs.h"
#include "provision.h"

static const char usage_text[] =
    "usage: aws-iam-provision [--config FILE] [--user NAME]\n"
    "                         [--status | --rotate [--now] | --revoke | --unrevoke |\n"
    "                          --check-config]\n"
    "                         [--dry-run] [--quiet]\n"
    "       aws-iam-provision --credential-process\n"
    "       aws-iam-provision --version | --help\n";

static const char help_text[] =
    "Gives the calling account its AWS IAM user and an access key in ~/.aws/credentials,\n"
    "and prints the AWS console sign-in URL. See aws-iam-provision(8).\n"
    "\n"
    "  --config FILE   configuration (default " PAI_CONFIG_PATH "), then its\n"
    "                  drop-ins FILE" PAI_CONF_DROPIN_DIR
    "/*.conf; root only when installed setuid\n"
    "  --user NAME     act for account NAME (root only, unless NAME is yourself)\n"
    "  --status        show the IAM user, this host's key, other hosts' keys, what differs\n"
    "                  from the config, the URL\n"
    "  --rotate        replace this host's key now\n"
    "  --revoke        delete this host's key and remove it from the profile (fleet mode:\n"
    "                  the person's key on every host, until an administrator lifts it)\n"
    "  --now           with --rotate, fleet mode, root only: the replaced key stops\n"
    "                  working at once (no rotation_grace)\n"
    "  --unrevoke      fleet mode, root only: lift a revoke; the next login makes a key\n"
    "  --credential-process\n"
    "                  ([keys] deliver = process) print an STS session of your IAM user as\n"
    "                  the AWS CLI and SDKs read it; ~/.aws/config runs it for you\n"
    "  --check-config  validate the configuration and print the effective settings, each\n"
    "                  with the file and line that set it\n"
    "  --dry-run       print the calls that would change something; make none\n"
    "  --quiet         print nothing on standard output\n"
    "  --version       print the version\n"
    "  --help          print this help\n"
    "\n"
    "Test and debug options, refused when installed setuid:\n"
    "  --home DIR      use DIR as the home directory instead of the password database's\n"
    "  --host NAME     use NAME as this machine's short host name (and, without\n"
    "                  --machine-id, a machine ID made from NAME)\n"
    "  --machine-id ID use ID (32 hex digits) as this machine's ID, with --host\n"
    "\n"
    "Exit status: 0 ok, 1 internal, 2 usage, 3 not in scope, 4 config, 5 AWS or network,\n"
    "6 local file, 7 refused, 8 key in place but a later step failed, 9 asked too often.\n";

enum {
	OPT_HOME = 256,
	OPT_HOST,
	OPT_MACHINE_ID,
	OPT_VERSION,
	OPT_HELP,
	OPT_CHECK,
	OPT_NOW,
	OPT_UNREVOKE,
	OPT_CREDENTIAL_PROCESS
};

static const struct option longopts[] = {
    {"config", required_argument, NULL, 'c'},
    {"user", required_argument, NULL, 'u'},
    {"status", no_argument, NULL, 's'},
    {"rotate", no_argument, NULL, 'r'},
    {"revoke", no_argument, NULL, 'R'},
    {"unrevoke", no_argument, NULL, OPT_UNREVOKE},
    {"now", no_argument, NULL, OPT_NOW},
    {"dry-run", no_argument, NULL, 'n'},
    {"check-config", no_argument, NULL, OPT_CHECK},
    {"credential-process", no_argument, NULL, OPT_CREDENTIAL_PROCESS},
    {"quiet", no_argument, NULL, 'q'},
    {"version", no_argument, NULL, OPT_VERSION},
    {"help", no_argument, NULL, OPT_HELP},
    {"home", required_argument, NULL, OPT_HOME},
    {"host", required_argument, NULL, OPT_HOST},
    {"machine-id", required_argument, NULL, OPT_MACHINE_ID},
    {NULL, 0, NULL, 0},
};

static int usage(const char *why)
{
	if (why)
		fprintf(stderr, "aws-iam-provision: %s\n", why);
	fputs(usage_text, stderr);
	return PAI_EXIT_USAGE;
}

static int set_action(struct prov_opts *o, enum prov_action a)
{
	if (o->action != PROV_LOGIN && o->action != a)
		return -1;
	o->action = a;
	return 0;
}

static int set_once(const char **dst, const char *val)
{
	if (*dst || !val || !val[0])
		return -1;
	*dst = val;
	return 0;
}

int main(int argc, char **argv)
{
	struct privs_account caller;
	struct prov_opts o;
	int c, bad = 0;

	if (privs_harden(&caller) != PAI_OK) {
		fputs("aws-iam-provision: cannot harden the process\n", stderr);
		return PAI_EXIT_INTERNAL;
	}
	memset(&o, 0, sizeof(o));
	o.caller = &caller;
	opterr = 0;
	while (!bad && (c = getopt_long(argc, argv, "+", longopts, NULL)) != -1) {
		switch (c) {
		case 'c': bad = set_once(&o.config, optarg); break;
		case 'u': bad = set_once(&o.user, optarg); break;
		case OPT_HOME: bad = set_once(&o.home, optarg) || o.home[0] != '/'; break;
		case OPT_HOST: bad = set_once(&o.host, optarg); break;
		case OPT_MACHINE_ID: bad = set_once(&o.machine_id, optarg); break;
		case 's': bad = set_action(&o, PROV_STATUS); break;
		case 'r': bad = set_action(&o, PROV_ROTATE); break;
		case 'R': bad = set_action(&o, PROV_REVOKE); break;
		case OPT_UNREVOKE: bad = set_action(&o, PROV_UNREVOKE); break;
		case OPT_NOW: o.now = true; break;
		case OPT_CHECK: bad = set_action(&o, PROV_CHECK_CONFIG); break;
		case OPT_CREDENTIAL_PROCESS: bad = set_action(&o, PROV_CREDENTIAL_PROCESS); break;
		case 'n': o.dry_run = true; break;
		case 'q': o.quiet = true; break;
		case OPT_VERSION: printf("aws-iam-provision %s\n", PAI_VERSION); return PAI_EXIT_OK;
		case OPT_HELP:
			fputs(usage_text, stdout);
			fputs(help_text, stdout);
			return PAI_EXIT_OK;
		default: return usage("unknown option or missing value");
		}
	}
	if (bad)
		return usage("an option given twice, conflicting actions, or a bad value");
	if (optind < argc)
		return usage("unexpected argument");
	if (o.now && o.action != PROV_ROTATE)
		return usage("--now goes with --rotate");
	if (o.action == PROV_CREDENTIAL_PROCESS && o.dry_run)
		return usage("--dry-run does not go with --credential-process");
	return provision_main(&o);
}
