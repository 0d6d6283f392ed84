/* SPDX-License-Identifier: MIT */
/* iam-op.c — runs single IAM/STS operations of iam.h against an endpoint, for tests.
 *
 * iam-op --endpoint URL [--sts-endpoint URL] [--partition P]
 *        (--credentials-file F [--profile P] | --imds URL) [--deadline-ms N] [--show-secret]
 *        [--strict] OPERATION [ARGS...]
 * iam-op ... batch OPERATION [ARGS...] [-- OPERATION [ARGS...]]...   (queued, one flush)
 *
 * Prints results as key=value lines (secrets masked unless --show-secret); in batch mode
 * each line is prefixed "N." with the operation's index. Errors: one line on stderr with the
 * AWS code, message and request id. Exit status: 0, 2 for usage, else 10 + the pai_err. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admincreds.h"
#include "awsclient.h"
#include "buf.h"
#include "iam.h"

#define MAX_OPS    16
#define EXIT_USAGE 2
#define EXIT_BASE  10

struct slot {
	const struct op *op;
	int argc;
	char **argv;
	/* options of create-user / create-login-profile */
	const char *path, *boundary, *password_file;
	bool reset_required;
	struct iam_tag tags[IAM_MAX_TAGS + 1]; /* one more, to prove the bound is enforced */
	size_t n_tags;
	const char *keys[IAM_MAX_TAGS + 1];
	char password[130];
	/* outputs */
	struct iam_user user;
	struct iam_key_list key_list;
	struct iam_access_key key;
	struct iam_key_last_used last_used;
	char alias[64];
	struct sts_identity identity;
	struct aws_result res;
};

struct op {
	const char *name;
	int min_args, max_args; /* positional, options excluded */
	bool sync_only;
	pai_err (*run)(struct aws_client *c, struct slot *s, struct aws_result *res);
	void (*print)(const struct slot *s, const char *pfx);
};

static bool show_secret;

static void usage(void)
{
	fprintf(stderr,
	        "usage: iam-op --endpoint URL [--sts-endpoint URL] [--partition P]\n"
	        "              (--credentials-file F [--profile P] | --imds URL)\n"
	        "              [--deadline-ms N] [--show-secret] [--strict] OPERATION [ARGS...]\n"
	        "       iam-op ... batch OPERATION [ARGS...] [-- OPERATION [ARGS...]]...\n");
	exit(EXIT_USAGE);
}

static pai_err parse_tag(const char *arg, struct iam_tag *t)
{
	const char *eq = strchr(arg, '=');
	size_t klen;

	if (!eq)
		return PAI_ERR_INVALID;
	klen = (size_t)(eq - arg);
	if (klen >= sizeof(t->key) || strlen(eq + 1) >= sizeof(t->value))
		return PAI_ERR_INVALID;
	memcpy(t->key, arg, klen);
	t->key[klen] = '\0';
	strcpy(t->value, eq + 1);
	return PAI_OK;
}

/* Reads a password (first line) from a file: never from argv or the environment. */
static pai_err read_password(const char *path, char *out, size_t len)
{
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return PAI_ERR_FILE;
	n = read(fd, out, len - 1);
	close(fd);
	if (n < 0)
		return PAI_ERR_FILE;
	out[n] = '\0';
	out[strcspn(out, "\n")] = '\0';
	return PAI_OK;
}

/* ---- operations ---- */

static pai_err run_get_user(struct aws_client *c, struct slot *s, struct aws_result *res)
{
	return iam_get_user(c, s->argv[0], &s->user, res);
}

static void print_user(const struct slot *s, const char *pfx)
{
	size_t i;

	printf("%suser_name=%s\n%suser_id=%s\n%sarn=%s\n%spath=%s\n%screate_date=%s\n", pfx,
	       s->user.name, pfx, s->user.user_id, pfx, s->user.arn, pfx, s->user.path, pfx,
	       s->user.create_date);
	printf("%stag_count=%zu\n", pfx, s->user.n_tags);
	for (i = 0; i < s->user.n_tags; i++)
		printf("%stag.%s=%s\n", pfx, s->user.tags[i].key, s->user.tags[i].value);
}

static pai_err run_create_user(struct aws_client *c, struct slot *s, struct aws_result *res)
{
	return iam_create_user(c, s->argv[0], s->path, s->boundary, s->tags, s->n_tags, &s->user,
	                       res);
}

static pai_err run_tag_user(struct aws_client *c, struct slot *s, struct aws_result *res)
{
	return iam_tag_user(c, s->argv[0], s->tags, s->n_tags, res);
}

static pai_err run_untag_user(struct aws_client *c, struct slot *s, struct aws_result *res)
{
	return iam_untag_user(c, s->argv[0], s->keys, (size_t)s->argc - 1, res);
}

static pai_err run_list_user_tags(struct aws_client *c, struct slot *s, struct aws_result *res)
{
	return iam_list_user_tags(c, s->argv[0], s->user.tags, &s->user.n_tags, res);
}

static void print_tags(const struct slot *s, const char *pfx)
{
	size_t i;

	printf("%stag_count=%zu\n", pfx, s->user.n_tags);
	for (i = 0; i < s->user.n_tags; i++)
		printf("%stag.%s=%s\n", pfx, s->user.tags[i].key, s->user.tags[i].value);
}

static pai_err run_add_to_group(struct aws_client *c, struct slot *s, struct aws_result *res)
{
	return iam_add_user_to_group(c, s->argv[0], s->argv[1], res);
}

static pai_err run_attach_policy(struct aws_client *c, struct slot *s, struct aws_result *res)
{
	return iam_attach_user_policy(c, s->argv[0], s->argv[1], res);
}

static pai_err run_list_keys(struct aws_client *c, struct slot *s, struct aws_result *res)
{
	return iam_list_access_keys(c, s->argv[0], &s->key_list, res);
}

static void print_keys(const struct slot *s, const char *pfx)
{
	size_t i;

	printf("%skey_count=%zu\n", pfx, s->key_list.n);
	for (i = 0; i < s->key_list.n; i++)
		printf("%skey.%s=%s %s\n", pfx, s->key_list.keys[i].id, s->key_list.keys[i].status,
		       s->key_list.keys[i].create_date);
}

static pai_err run_create_key(struct aws_client *c, struct slot *s, struct aws_result *res)
{
	return iam_create_access_key(c, s->argv[0], &s->key, res);
}

static void print_key(const struct slot *s, const char *pfx)
{
	printf("%saccess_key_id=%s\n%ssecret_access_key=%s\n%sstatus=%s\n%screate_date=%s\n", pfx,
	       s->key.id, pfx, show_secret ? s->key.secret : "********", pfx, s->key.status, pfx,
	       s->key.create_date);
}

static pai_err run_update_key(struct aws_client *c, struct slot *s, struct aws_result *res)
{
	return iam_update_access_key(c, s->argv[0], s->argv[1], s->argv[2], res);
}

static pai_err run_delete_key(struct aws_client *c, struct slot *s, struct aws_result *res)
{
	return iam_delete_access_key(c, s->argv[0], s->argv[1], res);
}

static pai_err run_last_used(struct aws_client *c, struct slot *s, struct aws_result *res)
{
	return iam_get_access_key_last_used(c, s->argv[0], &s->last_used, res);
}

static void print_last_used(const struct slot *s, const char *pfx)
{
	printf("%slast_used_date=%s\n%sservice=%s\n%sregion=%s\n", pfx, s->last_used.last_used_date,
	       pfx, s->last_used.service, pfx, s->last_used.region);
}

static pai_err run_aliases(struct aws_client *c, struct slot *s, struct aws_result *res)
{
	return iam_list_account_aliases(c, s->alias, res);
}

static void print_alias(const struct slot *s, const char *pfx)
{
	printf("%salias=%s\n", pfx, s->alias);
}

static pai_err run_login_profile(struct aws_client *c, struct slot *s, struct aws_result *res)
{
	return iam_create_login_profile(c, s->argv[0], s->password, s->reset_required, res);
}

static pai_err run_caller(struct aws_client *c, struct slot *s, struct aws_result *res)
{
	return sts_get_caller_identity(c, &s->identity, res);
}

static void print_caller(const struct slot *s, const char *pfx)
{
	printf("%saccount=%s\n%sarn=%s\n%suser_id=%s\n", pfx, s->identity.account, pfx,
	       s->identity.arn, pfx, s->identity.user_id);
}

static void print_nothing(const struct slot *s, const char *pfx)
{
	(void)s;
	printf("%sok=1\n", pfx);
}

static const struct op ops[] = {
    {"get-user", 1, 1, false, run_get_user, print_user},
    {"create-user", 1, 1, false, run_create_user, print_user},
    {"tag-user", 2, 1 + IAM_MAX_TAGS + 1, false, run_tag_user, print_nothing},
    {"untag-user", 2, 1 + IAM_MAX_TAGS + 1, false, run_untag_user, print_nothing},
    {"list-user-tags", 1, 1, true, run_list_user_tags, print_tags},
    {"add-user-to-group", 2, 2, false, run_add_to_group, print_nothing},
    {"attach-user-policy", 2, 2, false, run_attach_policy, print_nothing},
    {"list-access-keys", 1, 1, true, run_list_keys, print_keys},
    {"create-access-key", 1, 1, false, run_create_key, print_key},
    {"update-access-key", 3, 3, false, run_update_key, print_nothing},
    {"delete-access-key", 2, 2, false, run_delete_key, print_nothing},
    {"get-access-key-last-used", 1, 1, false, run_last_used, print_last_used},
    {"list-account-aliases", 0, 0, false, run_aliases, print_alias},
    {"create-login-profile", 1, 1, false, run_login_profile, print_nothing},
    {"get-caller-identity", 0, 0, false, run_caller, print_caller},
};

/* Fills a slot from argv[0..argc) (operation name first); exits on bad usage. */
static void prepare(struct slot *s, int argc, char **argv)
{
	int i, n = 0;
	size_t k;

	memset(s, 0, sizeof(*s));
	for (k = 0; k < sizeof(ops) / sizeof(ops[0]); k++)
		if (!strcmp(argv[0], ops[k].name))
			s->op = &ops[k];
	if (!s->op) {
		fprintf(stderr, "iam-op: unknown operation %s\n", argv[0]);
		usage();
	}
	s->argv = argv + 1;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--path") && i + 1 < argc)
			s->path = argv[++i];
		else if (!strcmp(a, "--boundary") && i + 1 < argc)
			s->boundary = argv[++i];
		else if (!strcmp(a, "--tag") && i + 1 < argc) {
			if (s->n_tags == IAM_MAX_TAGS + 1 ||
			    parse_tag(argv[++i], &s->tags[s->n_tags]))
				usage();
			s->n_tags++;
		} else if (!strcmp(a, "--password-file") && i + 1 < argc)
			s->password_file = argv[++i];
		else if (!strcmp(a, "--reset-required"))
			s->reset_required = true;
		else
			s->argv[n++] = argv[i];
	}
	s->argc = n;
	if (n < s->op->min_args || n > s->op->max_args)
		usage();
	if (s->op->run == run_tag_user) {
		for (i = 1; i < n; i++) {
			if (s->n_tags == IAM_MAX_TAGS + 1 ||
			    parse_tag(s->argv[i], &s->tags[s->n_tags]))
				usage();
			s->n_tags++;
		}
	}
	if (s->op->run == run_untag_user)
		for (i = 1; i < n; i++)
			s->keys[i - 1] = s->argv[i];
	if (s->op->run == run_login_profile) {
		if (!s->password_file ||
		    read_password(s->password_file, s->password, sizeof(s->password))) {
			fprintf(stderr, "iam-op: create-login-profile needs a readable "
			                "--password-file\n");
			usage();
		}
	}
}

static void report(const char *what, pai_err e, const struct aws_error *ae)
{
	fprintf(stderr, "iam-op: %s: %s", what, pai_strerror(e));
	if (ae && (ae->http_status || ae->code[0]))
		fprintf(stderr, " (HTTP %ld %s: %s; request id %s; %d attempt(s))", ae->http_status,
		        ae->code[0] ? ae->code : "-", ae->message,
		        ae->request_id[0] ? ae->request_id : "-", ae->attempts);
	fputc('\n', stderr);
}

static void wipe_slot(struct slot *s)
{
	iam_access_key_wipe(&s->key);
	secret_wipe(s->password, sizeof(s->password));
}

int main(int argc, char **argv)
{
	struct aws_client_opts co = {0};
	struct admincreds_opts ao = {0};
	struct aws_creds creds = {0};
	struct aws_client *c = NULL;
	static struct slot slots[MAX_OPS];
	char err[512];
	size_t n_slots = 0, i;
	bool batch = false;
	int a, status = 0;
	pai_err e;

	for (a = 1; a < argc && argv[a][0] == '-'; a++) {
		const char *o = argv[a];

		if (!strcmp(o, "--show-secret")) {
			show_secret = true;
			continue;
		}
		if (!strcmp(o, "--strict")) {
			ao.strict = true;
			continue;
		}
		if (a + 1 >= argc)
			usage();
		if (!strcmp(o, "--endpoint"))
			co.iam_endpoint = argv[++a];
		else if (!strcmp(o, "--sts-endpoint"))
			co.sts_endpoint = argv[++a];
		else if (!strcmp(o, "--partition"))
			co.partition = argv[++a];
		else if (!strcmp(o, "--credentials-file"))
			ao.credentials = argv[++a];
		else if (!strcmp(o, "--profile"))
			ao.profile = argv[++a];
		else if (!strcmp(o, "--imds")) {
			ao.credentials = ADMINCREDS_INSTANCE;
			ao.imds_url = argv[++a];
		} else if (!strcmp(o, "--deadline-ms"))
			co.deadline_ms = strtol(argv[++a], NULL, 10);
		else
			usage();
	}
	if (a >= argc || !ao.credentials)
		usage();
	if (!co.sts_endpoint)
		co.sts_endpoint = co.iam_endpoint;
	if (!strcmp(argv[a], "batch")) {
		batch = true;
		a++;
	}
	while (a < argc) {
		int end = a;

		while (end < argc && strcmp(argv[end], "--"))
			end++;
		if (end == a || n_slots == MAX_OPS || (!batch && end < argc))
			usage();
		prepare(&slots[n_slots], end - a, argv + a);
		if (batch && slots[n_slots].op->sync_only) {
			fprintf(stderr, "iam-op: %s cannot be queued\n", argv[a]);
			usage();
		}
		n_slots++;
		a = end + 1;
	}
	if (n_slots == 0)
		usage();

	ao.timeout_ms = co.deadline_ms > 0 && co.deadline_ms < 2000 ? co.deadline_ms : 2000;
	e = admincreds_load(&ao, &creds, err, sizeof(err));
	if (e) {
		fprintf(stderr, "iam-op: admin credentials: %s\n", err);
		status = EXIT_BASE + (int)e;
		goto out;
	}
	e = aws_client_new(&c, &co, &creds);
	aws_creds_wipe(&creds);
	if (e) {
		report("client", e, NULL);
		status = EXIT_BASE + (int)e;
		goto out;
	}

	if (!batch) {
		e = slots[0].op->run(c, &slots[0], NULL);
		if (e) {
			report(slots[0].op->name, e, aws_client_last_error(c));
			status = EXIT_BASE + (int)e;
		} else {
			slots[0].op->print(&slots[0], "");
		}
		goto out;
	}
	for (i = 0; i < n_slots; i++) {
		e = slots[i].op->run(c, &slots[i], &slots[i].res);
		if (e) {
			report(slots[i].op->name, e, NULL);
			status = EXIT_BASE + (int)e;
			goto out;
		}
	}
	aws_client_flush(c);
	for (i = 0; i < n_slots; i++) {
		char pfx[16];

		snprintf(pfx, sizeof(pfx), "%zu.", i);
		if (slots[i].res.status) {
			report(slots[i].op->name, slots[i].res.status, &slots[i].res.error);
			if (!status)
				status = EXIT_BASE + (int)slots[i].res.status;
			printf("%sstatus=%d\n", pfx, (int)slots[i].res.status);
			continue;
		}
		slots[i].op->print(&slots[i], pfx);
	}
	printf("attempts=%u\nconnects=%ld\n", aws_client_attempts(c), aws_client_connects(c));
out:
	for (i = 0; i < n_slots; i++)
		wipe_slot(&slots[i]);
	aws_client_free(c);
	return status;
}
