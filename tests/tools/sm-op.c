/* SPDX-License-Identifier: MIT */
/* sm-op.c — runs single Secrets Manager operations of secretsmanager.h (and STS
 * GetSessionToken / GetCallerIdentity) against an endpoint, for tests.
 *
 * sm-op --endpoint URL [--region R] [--partition P]
 *       (--credentials-file F [--profile P] | --imds URL) [--deadline-ms N]
 *       [--max-attempts N] [--session-duration S] [--show-secret] OPERATION [ARGS...]
 * sm-op ... batch OPERATION [ARGS...] [-- OPERATION [ARGS...]]...   (queued, one flush)
 * sm-op ... seq OPERATION [ARGS...] [-- OPERATION [ARGS...]]...     (one after another)
 * sm-op cas-token NAME                                              (no network)
 *
 * Operations: describe SECRET_ID | get SECRET_ID [VERSION_ID] |
 *   create NAME TOKEN [--value-file F] [--kms-key-id K] [--description D] |
 *   put SECRET_ID TOKEN --value-file F | get-session-token DURATION | get-caller-identity.
 * --endpoint serves IAM, STS and Secrets Manager alike (the local endpoint does).
 * --session-duration S first asks STS for a session of S seconds with the loaded
 * credentials, then runs the operation signed with the session (key ID, secret and token).
 * Values are read from files, never from argv. Prints key=value lines (secrets masked, the
 * value as hex with --show-secret); in batch and seq mode each line is prefixed "N." with
 * the operation's index (seq stops at the first failure); then attempts= and connects=. Errors: one
 * line on stderr with the AWS code and message. Exit status: 0, 2 for usage, else 10 + the pai_err.
 */
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
#include "secretsmanager.h"

#define MAX_OPS        16
#define EXIT_USAGE     2
#define EXIT_BASE      10
#define VALUE_FILE_MAX (1024u * 1024u) /* over SM_VALUE_MAX, to prove the bound */

struct slot {
	const struct op *op;
	int argc;
	char **argv;
	/* options of create / put */
	const char *value_file, *kms_key_id, *description;
	char *value; /* heap, wiped */
	size_t value_len;
	/* outputs */
	struct sm_secret_info info;
	struct sm_value val;
	struct sm_written written;
	struct sts_session session;
	struct sts_identity identity;
	struct aws_result res;
};

struct op {
	const char *name;
	int min_args, max_args;
	pai_err (*run)(struct aws_client *c, struct slot *s, struct aws_result *res);
	void (*print)(const struct slot *s, const char *pfx);
};

static bool show_secret;

static void usage(void)
{
	fprintf(stderr,
	        "usage: sm-op --endpoint URL [--region R] [--partition P]\n"
	        "             (--credentials-file F [--profile P] | --imds URL) [--deadline-ms N]\n"
	        "             [--max-attempts N] [--session-duration S] [--show-secret]\n"
	        "             OPERATION [ARGS...]\n"
	        "       sm-op ... batch|seq OPERATION [ARGS...] [-- OPERATION [ARGS...]]...\n"
	        "       sm-op cas-token NAME\n");
	exit(EXIT_USAGE);
}

/* Reads a whole file (at most VALUE_FILE_MAX bytes) into a heap string. */
static pai_err read_value(const char *path, char **out, size_t *len)
{
	struct buf b;
	char chunk[4096];
	ssize_t n;
	pai_err e = PAI_OK;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	*out = NULL;
	if (fd < 0)
		return PAI_ERR_FILE;
	buf_init(&b, VALUE_FILE_MAX);
	while (!e && (n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		e = n < 0 ? PAI_ERR_FILE : buf_append(&b, chunk, (size_t)n);
	}
	close(fd);
	secret_wipe(chunk, sizeof(chunk));
	if (!e && !b.data)
		e = buf_append(&b, "", 0);
	if (e) {
		buf_free(&b);
		return e;
	}
	*out = b.data; /* the buffer's allocation: wiped by wipe_slot */
	*len = b.len;
	return PAI_OK;
}

static void print_hex(const char *pfx, const char *key, const char *s, size_t n)
{
	size_t i;

	printf("%s%s=", pfx, key);
	for (i = 0; i < n; i++)
		printf("%02x", (unsigned char)s[i]);
	printf("\n");
}

/* ---- operations ---- */

static pai_err run_describe(struct aws_client *c, struct slot *s, struct aws_result *res)
{
	return sm_describe_secret(c, s->argv[0], &s->info, res);
}

static void print_describe(const struct slot *s, const char *pfx)
{
	printf("%sarn=%s\n%sname=%s\n%skms_key_id=%s\n%scurrent=%s\n%sprevious=%s\n"
	       "%sscheduled_for_deletion=%d\n%sn_versions=%zu\n",
	       pfx, s->info.arn, pfx, s->info.name, pfx, s->info.kms_key_id, pfx, s->info.current,
	       pfx, s->info.previous, pfx, (int)s->info.scheduled_for_deletion, pfx,
	       s->info.n_versions);
}

static pai_err run_get(struct aws_client *c, struct slot *s, struct aws_result *res)
{
	return sm_get_secret_value(c, s->argv[0], s->argc > 1 ? s->argv[1] : NULL, &s->val, res);
}

static void print_get(const struct slot *s, const char *pfx)
{
	printf("%sversion_id=%s\n%svalue_len=%zu\n", pfx, s->val.version_id, pfx, s->val.len);
	if (show_secret)
		print_hex(pfx, "value_hex", s->val.string, s->val.len);
	else
		printf("%svalue=********\n", pfx);
}

static pai_err run_create(struct aws_client *c, struct slot *s, struct aws_result *res)
{
	return sm_create_secret(c, s->argv[0], s->argv[1], s->kms_key_id, s->description, s->value,
	                        &s->written, res);
}

static pai_err run_put(struct aws_client *c, struct slot *s, struct aws_result *res)
{
	return sm_put_secret_value(c, s->argv[0], s->argv[1], s->value, &s->written, res);
}

static void print_written(const struct slot *s, const char *pfx)
{
	printf("%sarn=%s\n%sversion_id=%s\n", pfx, s->written.arn, pfx, s->written.version_id);
}

static pai_err run_session(struct aws_client *c, struct slot *s, struct aws_result *res)
{
	char *end;
	unsigned long d;

	errno = 0;
	d = strtoul(s->argv[0], &end, 10);
	if (errno || *end || end == s->argv[0] || d > 1000000)
		return PAI_ERR_INVALID;
	return sts_get_session_token(c, (unsigned)d, &s->session, res);
}

static void print_session(const struct slot *s, const char *pfx)
{
	printf("%saccess_key_id=%s\n%sexpiration=%s\n%sexpires=%lld\n%ssession_token_len=%zu\n",
	       pfx, s->session.access_key_id, pfx, s->session.expiration, pfx,
	       (long long)s->session.expires, pfx, strlen(s->session.session_token));
	printf("%ssecret_access_key=%s\n", pfx,
	       show_secret ? s->session.secret_access_key : "********");
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

static const struct op ops[] = {
    {"describe", 1, 1, run_describe, print_describe},
    {"get", 1, 2, run_get, print_get},
    {"create", 2, 2, run_create, print_written},
    {"put", 2, 2, run_put, print_written},
    {"get-session-token", 1, 1, run_session, print_session},
    {"get-caller-identity", 0, 0, run_caller, print_caller},
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
		fprintf(stderr, "sm-op: unknown operation %s\n", argv[0]);
		usage();
	}
	s->argv = argv + 1;
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--value-file") && i + 1 < argc)
			s->value_file = argv[++i];
		else if (!strcmp(a, "--kms-key-id") && i + 1 < argc)
			s->kms_key_id = argv[++i];
		else if (!strcmp(a, "--description") && i + 1 < argc)
			s->description = argv[++i];
		else
			s->argv[n++] = argv[i];
	}
	s->argc = n;
	if (n < s->op->min_args || n > s->op->max_args)
		usage();
	if (s->op->run == run_put && !s->value_file) {
		fprintf(stderr, "sm-op: put needs --value-file\n");
		usage();
	}
	if (s->value_file && read_value(s->value_file, &s->value, &s->value_len)) {
		fprintf(stderr, "sm-op: cannot read %s\n", s->value_file);
		usage();
	}
}

static void report(const char *what, pai_err e, const struct aws_error *ae)
{
	fprintf(stderr, "sm-op: %s: %s", what, pai_strerror(e));
	if (ae && (ae->http_status || ae->code[0] || ae->message[0]))
		fprintf(stderr, " (HTTP %ld %s: %s; %d attempt(s))", ae->http_status,
		        ae->code[0] ? ae->code : "-", ae->message, ae->attempts);
	fputc('\n', stderr);
}

static void wipe_slot(struct slot *s)
{
	sm_value_wipe(&s->val);
	sts_session_wipe(&s->session);
	if (s->value) {
		secret_wipe(s->value, s->value_len);
		free(s->value);
		s->value = NULL;
	}
}

static int cas_token(int argc, char **argv)
{
	char token[SM_TOKEN_MAX];
	pai_err e;

	if (argc != 1)
		usage();
	e = sm_cas_token(argv[0], token);
	if (e) {
		report("cas-token", e, NULL);
		return EXIT_BASE + (int)e;
	}
	printf("token=%s\n", token);
	return 0;
}

static long num(const char *s)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || end == s || v < 0)
		usage();
	return v;
}

/* Replaces *c with a client signed by an STS session asked for with *c's credentials. */
static pai_err with_session(struct aws_client **c, const struct aws_client_opts *co,
                            unsigned duration)
{
	struct sts_session s;
	struct aws_creds tc = {0};
	pai_err e;

	e = sts_get_session_token(*c, duration, &s, NULL);
	if (e) {
		report("get-session-token", e, aws_client_last_error(*c));
		return e;
	}
	printf("session_key_id=%s\nsession_expiration=%s\n", s.access_key_id, s.expiration);
	aws_client_free(*c);
	*c = NULL;
	tc.access_key_id = s.access_key_id;
	tc.secret_access_key = s.secret_access_key;
	tc.session_token = s.session_token;
	e = aws_client_new(c, co, &tc); /* copies the credentials */
	sts_session_wipe(&s);
	if (e)
		report("session client", e, NULL);
	return e;
}

int main(int argc, char **argv)
{
	struct aws_client_opts co = {0};
	struct admincreds_opts ao = {0};
	struct aws_creds creds = {0};
	struct aws_client *c = NULL;
	static struct slot slots[MAX_OPS];
	const char *endpoint = NULL;
	char err[512];
	size_t n_slots = 0, i;
	long session = 0;
	bool batch = false, seq = false;
	int a, status = 0;
	pai_err e;

	if (argc >= 2 && !strcmp(argv[1], "cas-token"))
		return cas_token(argc - 2, argv + 2);
	for (a = 1; a < argc && argv[a][0] == '-'; a++) {
		const char *o = argv[a];

		if (!strcmp(o, "--show-secret")) {
			show_secret = true;
			continue;
		}
		if (a + 1 >= argc)
			usage();
		if (!strcmp(o, "--endpoint"))
			endpoint = argv[++a];
		else if (!strcmp(o, "--region"))
			co.region = argv[++a];
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
			co.deadline_ms = num(argv[++a]);
		else if (!strcmp(o, "--max-attempts"))
			co.max_attempts = (int)num(argv[++a]);
		else if (!strcmp(o, "--session-duration"))
			session = num(argv[++a]);
		else
			usage();
	}
	if (a >= argc || !ao.credentials || !endpoint)
		usage();
	co.iam_endpoint = co.sts_endpoint = co.secretsmanager_endpoint = endpoint;
	if (!strcmp(argv[a], "batch") || !strcmp(argv[a], "seq")) {
		batch = argv[a][0] == 'b';
		seq = !batch;
		a++;
	}
	while (a < argc) {
		int end = a;

		while (end < argc && strcmp(argv[end], "--"))
			end++;
		if (end == a || n_slots == MAX_OPS || (!batch && !seq && end < argc))
			usage();
		prepare(&slots[n_slots++], end - a, argv + a);
		a = end + 1;
	}
	if (n_slots == 0)
		usage();

	ao.timeout_ms = co.deadline_ms > 0 && co.deadline_ms < 2000 ? co.deadline_ms : 2000;
	e = admincreds_load(&ao, &creds, err, sizeof(err));
	if (e) {
		fprintf(stderr, "sm-op: admin credentials: %s\n", err);
		status = EXIT_BASE + (int)e;
		goto out;
	}
	e = aws_client_new(&c, &co, &creds);
	aws_creds_wipe(&creds);
	if (!e && session)
		e = with_session(&c, &co, (unsigned)session);
	if (e) {
		if (!session)
			report("client", e, NULL);
		status = EXIT_BASE + (int)e;
		goto out;
	}

	if (!batch) {
		for (i = 0; i < n_slots && !status; i++) {
			char pfx[16] = "";

			if (seq)
				snprintf(pfx, sizeof(pfx), "%zu.", i);
			e = slots[i].op->run(c, &slots[i], NULL);
			if (e) {
				report(slots[i].op->name, e, aws_client_last_error(c));
				status = EXIT_BASE + (int)e;
			} else {
				slots[i].op->print(&slots[i], pfx);
			}
		}
	} else {
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
				printf("%sstatus=%d\n%scode=%s\n", pfx, (int)slots[i].res.status,
				       pfx, slots[i].res.error.code);
				continue;
			}
			slots[i].op->print(&slots[i], pfx);
		}
	}
	printf("attempts=%u\nconnects=%ld\n", aws_client_attempts(c), aws_client_connects(c));
out:
	for (i = 0; i < n_slots; i++)
		wipe_slot(&slots[i]);
	aws_client_free(c);
	return status;
}
