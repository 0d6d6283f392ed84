/* SPDX-License-Identifier: MIT */
/* sigv4-sign — prints the SigV4 Authorization value for a raw HTTP request read on stdin
 * (AWS test-suite .req form). Secrets come from files only, never argv.
 *
 *   sigv4-sign --access-key ID --secret-file FILE [--token-file FILE]
 *              --date YYYYMMDDTHHMMSSZ --region R --service S [--canonical] < request
 *
 * With --token-file the request is signed with X-Amz-Security-Token set to the token
 * (replacing any such header it carries), as an SDK does for temporary credentials.
 * --canonical also prints the canonical request and the string to sign, after a blank
 * line each. Exit 0 on success, 1 on bad input, 2 on bad usage. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "awscreds.h"
#include "buf.h"
#include "sigv4.h"
#include "sigv4_rawreq.h"

#define SECRET_FILE_MAX 8192

static void usage(void)
{
	fprintf(stderr, "usage: sigv4-sign --access-key ID --secret-file FILE [--token-file FILE] "
	                "--date YYYYMMDDTHHMMSSZ --region R --service S [--canonical] < request\n");
	exit(2);
}

/* Reads fd to EOF into b (bounded by b's max). */
static pai_err read_all(int fd, struct buf *b)
{
	char chunk[4096];
	pai_err e;

	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			e = PAI_ERR_FILE;
			break;
		}
		if (n == 0) {
			e = PAI_OK;
			break;
		}
		if ((e = buf_append(b, chunk, (size_t)n)))
			break;
	}
	secret_wipe(chunk, sizeof(chunk));
	return e;
}

/* A one-line secret from a file: one trailing newline dropped, nothing else allowed. */
static char *read_secret_file(const char *path, const char *what)
{
	struct buf b;
	char *s = NULL;
	int fd;
	pai_err e;

	buf_init(&b, SECRET_FILE_MAX);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		fprintf(stderr, "sigv4-sign: cannot open %s file %s: %s\n", what, path,
		        strerror(errno));
		exit(1);
	}
	e = read_all(fd, &b);
	close(fd);
	if (e) {
		fprintf(stderr, "sigv4-sign: cannot read %s file %s: %s\n", what, path,
		        pai_strerror(e));
		goto out;
	}
	if (b.len && b.data[b.len - 1] == '\n')
		b.data[--b.len] = '\0';
	if (b.len && b.data[b.len - 1] == '\r')
		b.data[--b.len] = '\0';
	if (b.len == 0 || strlen(b.data) != b.len || strchr(b.data, '\n')) {
		fprintf(stderr, "sigv4-sign: %s file %s must hold one non-empty line\n", what,
		        path);
		goto out;
	}
	s = strdup(b.data);
	if (!s)
		fprintf(stderr, "sigv4-sign: out of memory\n");
out:
	buf_free(&b);
	if (!s)
		exit(1);
	return s;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
	    {"access-key", required_argument, NULL, 'a'},
	    {"secret-file", required_argument, NULL, 's'},
	    {"token-file", required_argument, NULL, 't'},
	    {"date", required_argument, NULL, 'd'},
	    {"region", required_argument, NULL, 'r'},
	    {"service", required_argument, NULL, 'v'},
	    {"canonical", no_argument, NULL, 'c'},
	    {NULL, 0, NULL, 0},
	};
	const char *key_id = NULL, *secret_file = NULL, *token_file = NULL, *date = NULL;
	const char *region = NULL, *service = NULL;
	struct aws_creds creds = {0};
	struct sigv4_rawreq raw = {0};
	struct buf in, authz, creq, sts;
	int c, canonical = 0, rc = 1;
	pai_err e;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'a': key_id = optarg; break;
		case 's': secret_file = optarg; break;
		case 't': token_file = optarg; break;
		case 'd': date = optarg; break;
		case 'r': region = optarg; break;
		case 'v': service = optarg; break;
		case 'c': canonical = 1; break;
		default: usage();
		}
	}
	if (optind != argc || !key_id || !secret_file || !date || !region || !service)
		usage();
	if (sigv4_check_date(date)) {
		fprintf(stderr, "sigv4-sign: --date %s is not a YYYYMMDDTHHMMSSZ date\n", date);
		return 1;
	}

	buf_init(&in, SIGV4_RAWREQ_MAX);
	buf_init(&authz, 4096);
	buf_init(&creq, 0);
	buf_init(&sts, 4096);
	creds.access_key_id = strdup(key_id);
	creds.secret_access_key = read_secret_file(secret_file, "secret");
	if (token_file)
		creds.session_token = read_secret_file(token_file, "token");
	if (!creds.access_key_id) {
		fprintf(stderr, "sigv4-sign: out of memory\n");
		goto out;
	}
	if ((e = read_all(STDIN_FILENO, &in))) {
		fprintf(stderr, "sigv4-sign: cannot read the request on stdin: %s\n",
		        pai_strerror(e));
		goto out;
	}
	if ((e = sigv4_rawreq_parse(in.data, in.len, &raw))) {
		fprintf(stderr, "sigv4-sign: malformed request on stdin: %s\n", pai_strerror(e));
		goto out;
	}
	if (creds.session_token &&
	    (e = sigv4_rawreq_set_header(&raw, "X-Amz-Security-Token", creds.session_token))) {
		fprintf(stderr, "sigv4-sign: cannot add the session token: %s\n", pai_strerror(e));
		goto out;
	}
	e = sigv4_authorization(&raw.req, &creds, date, region, service, &authz);
	if (e) {
		fprintf(stderr, "sigv4-sign: cannot sign the request: %s\n", pai_strerror(e));
		goto out;
	}
	printf("%s\n", authz.data);
	if (canonical) {
		e = sigv4_canonical_request(&raw.req, &creq, NULL);
		if (!e)
			e = sigv4_string_to_sign(creq.data, creq.len, date, region, service, &sts);
		if (e) {
			fprintf(stderr, "sigv4-sign: %s\n", pai_strerror(e));
			goto out;
		}
		printf("\n%s\n\n%s\n", creq.data, sts.data);
	}
	rc = fflush(stdout) == 0 ? 0 : 1;
out:
	sigv4_rawreq_free(&raw);
	aws_creds_wipe(&creds);
	buf_free(&in);
	buf_free(&authz);
	buf_free(&creq);
	buf_free(&sts);
	return rc;
}
