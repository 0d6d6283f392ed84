/* SPDX-License-Identifier: MIT */
/* aws-query — calls one AWS Query API action through aws_call, for the component tests.
 *
 * aws-query --endpoint URL [--service iam|sts] --credentials-file F [--profile P]
 *           [--partition P] [--deadline-ms N] [--connect-timeout-ms N] [--max-attempts N]
 *           [--max-reply N] [--repeat N] [--concurrent N] [--get PATH]... Action [Name=Value]...
 *
 * Runs the call --repeat times one after the other on one client (or queues --concurrent
 * copies and flushes them), printing per call
 *   call=I status=NAME attempts=N http=CODE code=AWSCODE [PATH=VALUE]... message=TEXT
 * and at the end
 *   summary calls=N ok=N attempts=N connects=N wall_ms=N
 * Exit 0 when every call succeeded, 1 when one failed, 2 on bad usage. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "awsclient.h"
#include "clock.h"
#include "buf.h"
#include "credfile.h"
#include "xmlreply.h"

#define MAX_GETS  8
#define MAX_CALLS 64
#define VALUE_MAX 2048

struct gets {
	const char *path[MAX_GETS];
	char value[MAX_GETS][VALUE_MAX];
	pai_err found[MAX_GETS];
	size_t n;
};

static const char *status_name(pai_err e)
{
	static const char *const names[] = {
	    "OK",        "NOMEM",  "INVALID", "TOOBIG", "NETWORK", "TIMEOUT", "REPLY",   "AWS",
	    "NOT_FOUND", "EXISTS", "LIMIT",   "DENIED", "CONFIG",  "FILE",    "REFUSED", "CRYPTO",
	};

	if ((size_t)e < sizeof(names) / sizeof(names[0]))
		return names[e];
	return "UNKNOWN";
}

static pai_err read_gets(const struct xml_reply *r, void *out)
{
	struct gets *g = out;
	size_t i;

	for (i = 0; i < g->n; i++)
		g->found[i] = xml_reply_get(r, g->path[i], g->value[i], VALUE_MAX);
	return PAI_OK;
}

static pai_err load_creds(const char *path, const char *profile, struct aws_creds *c)
{
	struct buf b;
	struct credfile *cf = NULL;
	char err[256] = "", chunk[4096];
	ssize_t n;
	int fd;
	pai_err e = PAI_ERR_FILE;

	buf_init(&b, CREDFILE_MAX_SIZE);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0) {
		fprintf(stderr, "aws-query: %s: %s\n", path, strerror(errno));
		return PAI_ERR_FILE;
	}
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		e = buf_append(&b, chunk, (size_t)n);
		if (e)
			goto out;
	}
	if (n < 0)
		goto out;
	e = credfile_parse(b.data ? b.data : "", b.len, CREDFILE_CREDENTIALS, &cf, err,
	                   sizeof(err));
	if (!e)
		e = credfile_get_creds(cf, profile, c);
	if (e)
		fprintf(stderr, "aws-query: %s: profile %s: %s %s\n", path, profile,
		        pai_strerror(e), err);
out:
	secret_wipe(chunk, sizeof(chunk));
	close(fd);
	credfile_free(cf);
	buf_free(&b);
	return e;
}

static void print_result(size_t i, pai_err st, const struct aws_error *err, int attempts,
                         const struct gets *g)
{
	size_t k;

	printf("call=%zu status=%s attempts=%d", i, status_name(st), attempts);
	if (st == PAI_OK)
		printf(" http=2xx code=");
	else
		printf(" http=%ld code=%s", err->http_status, err->code);
	for (k = 0; st == PAI_OK && k < g->n; k++)
		printf(" %s=%s", g->path[k], g->found[k] ? "" : g->value[k]);
	printf(" message=%s\n", st == PAI_OK ? "" : err->message);
}

static int usage(void)
{
	fprintf(stderr, "usage: aws-query --endpoint URL [--service iam|sts] --credentials-file F "
	                "[--profile P] [--partition P] [--deadline-ms N] [--connect-timeout-ms N] "
	                "[--max-attempts N] [--max-reply N] [--repeat N] [--concurrent N] "
	                "[--get PATH]... Action [Name=Value]...\n");
	return 2;
}

static bool num_arg(const char *s, long lo, long hi, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < lo || v > hi)
		return false;
	*out = v;
	return true;
}

int main(int argc, char **argv)
{
	struct aws_client_opts o = {0};
	struct aws_creds creds = {0};
	struct aws_client *c = NULL;
	static struct aws_query q;
	static struct gets g[MAX_CALLS];
	static struct aws_result res[MAX_CALLS];
	const char *endpoint = NULL, *credpath = NULL, *profile = "default";
	const char *getpaths[MAX_GETS];
	enum aws_service svc = AWS_IAM;
	long v, repeat = 1, concurrent = 0, start, ok = 0;
	size_t ngets = 0, i, k;
	int argi, rc = 1;
	pai_err e;

	for (argi = 1; argi < argc && strncmp(argv[argi], "--", 2) == 0; argi += 2) {
		const char *opt = argv[argi], *val = argi + 1 < argc ? argv[argi + 1] : NULL;

		if (!val)
			return usage();
		if (strcmp(opt, "--endpoint") == 0)
			endpoint = val;
		else if (strcmp(opt, "--service") == 0 && strcmp(val, "iam") == 0)
			svc = AWS_IAM;
		else if (strcmp(opt, "--service") == 0 && strcmp(val, "sts") == 0)
			svc = AWS_STS;
		else if (strcmp(opt, "--credentials-file") == 0)
			credpath = val;
		else if (strcmp(opt, "--profile") == 0)
			profile = val;
		else if (strcmp(opt, "--partition") == 0)
			o.partition = val;
		else if (strcmp(opt, "--deadline-ms") == 0 && num_arg(val, 1, 600000, &v))
			o.deadline_ms = v;
		else if (strcmp(opt, "--connect-timeout-ms") == 0 && num_arg(val, 1, 600000, &v))
			o.connect_timeout_ms = v;
		else if (strcmp(opt, "--max-attempts") == 0 && num_arg(val, 1, 100, &v))
			o.max_attempts = (int)v;
		else if (strcmp(opt, "--max-reply") == 0 && num_arg(val, 1, 1L << 30, &v))
			o.max_reply_bytes = (size_t)v;
		else if (strcmp(opt, "--repeat") == 0 && num_arg(val, 1, 100000, &v))
			repeat = v;
		else if (strcmp(opt, "--concurrent") == 0 && num_arg(val, 1, MAX_CALLS, &v))
			concurrent = v;
		else if (strcmp(opt, "--get") == 0 && ngets < MAX_GETS)
			getpaths[ngets++] = val;
		else
			return usage();
	}
	if (argi >= argc || !credpath)
		return usage();
	q.action = argv[argi++];
	for (; argi < argc; argi++) {
		char *eq = strchr(argv[argi], '=');

		if (!eq)
			return usage();
		*eq = '\0';
		if (aws_query_add(&q, argv[argi], eq + 1))
			return usage();
	}
	for (i = 0; i < MAX_CALLS; i++) {
		g[i].n = ngets;
		for (k = 0; k < ngets; k++)
			g[i].path[k] = getpaths[k];
	}
	if (svc == AWS_STS)
		o.sts_endpoint = endpoint;
	else
		o.iam_endpoint = endpoint;
	if (load_creds(credpath, profile, &creds))
		return 1;
	start = clock_now_ms();
	e = aws_client_new(&c, &o, &creds);
	aws_creds_wipe(&creds);
	if (e) {
		printf("call=0 status=%s attempts=0 http=0 code= message=client: %s\n",
		       status_name(e), pai_strerror(e));
		printf("summary calls=1 ok=0 attempts=0 connects=0 wall_ms=%ld\n",
		       (long)(clock_now_ms() - start));
		return 1;
	}
	if (concurrent) {
		for (i = 0; i < (size_t)concurrent; i++)
			aws_call(c, svc, &q, read_gets, &g[i], &res[i]);
		aws_client_flush(c);
		for (i = 0; i < (size_t)concurrent; i++) {
			print_result(i, res[i].status, &res[i].error, res[i].error.attempts, &g[i]);
			ok += res[i].status == PAI_OK;
		}
		repeat = concurrent;
	} else {
		for (i = 0; i < (size_t)repeat; i++) {
			unsigned before = aws_client_attempts(c);

			e = aws_call(c, svc, &q, read_gets, &g[0], NULL);
			print_result(i, e, aws_client_last_error(c),
			             (int)(aws_client_attempts(c) - before), &g[0]);
			ok += e == PAI_OK;
		}
	}
	printf("summary calls=%ld ok=%ld attempts=%u connects=%ld wall_ms=%ld\n", repeat, ok,
	       aws_client_attempts(c), aws_client_connects(c), (long)(clock_now_ms() - start));
	rc = ok == repeat ? 0 : 1;
	aws_client_free(c);
	return rc;
}
