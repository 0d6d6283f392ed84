/* SPDX-License-Identifier: MIT */
/* pam-session — opens and closes one PAM session through real libpam, for the PAM tests and
 * the bench. Prints each conversation message as "INFO: ..." or "ERROR: ...", each syslog line
 * a module sends as "SYSLOG: LEVEL ..." (syslog is caught in this process, so tests need no
 * daemon), then "pam_open_session: PAM_NAME".
 *
 * usage: pam-session [--silent] [--time] [--sigchld=count|ignore] [--thread] CONFDIR SERVICE
 *        USER
 *   --silent   pass PAM_SILENT to pam_open_session
 *   --time     print "open_session_us: N", the wall time of pam_open_session
 *   --sigchld  install a counting SIGCHLD handler (or SIG_IGN) first, then print how many
 *              SIGCHLD the application saw and whether disposition and mask came back intact
 *   --thread   run a second thread across pam_open_session, then print both threads'
 *              effective uids ("THREADS: main=N other=N"): a module must not change them
 * Exit status: 0 when pam_open_session returned PAM_SUCCESS, 1 otherwise, 2 on usage errors. */
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <security/pam_appl.h>

/* libpam logs through these (__syslog_chk under _FORTIFY_SOURCE). Defined here, they take
 * precedence over libc's for every module loaded into this process. <syslog.h> is not
 * included: its fortify wrappers would clash with these definitions. */
void syslog(int pri, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void vsyslog(int pri, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
void __syslog_chk(int pri, int flag, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void __vsyslog_chk(int pri, int flag, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));

static const char *const level_names[] = {"emerg",   "alert",  "crit", "err",
                                          "warning", "notice", "info", "debug"};

void vsyslog(int pri, const char *fmt, va_list ap)
{
	printf("SYSLOG: %s ", level_names[pri & 7]);
	vprintf(fmt, ap);
	printf("\n");
	fflush(stdout);
}

void syslog(int pri, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsyslog(pri, fmt, ap);
	va_end(ap);
}

void __vsyslog_chk(int pri, int flag, const char *fmt, va_list ap)
{
	(void)flag;
	vsyslog(pri, fmt, ap);
}

void __syslog_chk(int pri, int flag, const char *fmt, ...)
{
	va_list ap;

	(void)flag;
	va_start(ap, fmt);
	vsyslog(pri, fmt, ap);
	va_end(ap);
}

static const char *pam_code_name(int rc)
{
	switch (rc) {
	case PAM_SUCCESS: return "PAM_SUCCESS";
	case PAM_OPEN_ERR: return "PAM_OPEN_ERR";
	case PAM_SYMBOL_ERR: return "PAM_SYMBOL_ERR";
	case PAM_SERVICE_ERR: return "PAM_SERVICE_ERR";
	case PAM_SYSTEM_ERR: return "PAM_SYSTEM_ERR";
	case PAM_BUF_ERR: return "PAM_BUF_ERR";
	case PAM_PERM_DENIED: return "PAM_PERM_DENIED";
	case PAM_AUTH_ERR: return "PAM_AUTH_ERR";
	case PAM_USER_UNKNOWN: return "PAM_USER_UNKNOWN";
	case PAM_SESSION_ERR: return "PAM_SESSION_ERR";
	case PAM_CONV_ERR: return "PAM_CONV_ERR";
	case PAM_ABORT: return "PAM_ABORT";
	case PAM_IGNORE: return "PAM_IGNORE";
	}
	return "PAM_OTHER";
}

static int conversation(int n, const struct pam_message **msg, struct pam_response **resp,
                        void *data)
{
	(void)data;
	if (n <= 0 || n > PAM_MAX_NUM_MSG)
		return PAM_CONV_ERR;
	*resp = calloc((size_t)n, sizeof(**resp));
	if (!*resp)
		return PAM_BUF_ERR;
	for (int i = 0; i < n; i++) {
		switch (msg[i]->msg_style) {
		case PAM_TEXT_INFO: printf("INFO: %s\n", msg[i]->msg); break;
		case PAM_ERROR_MSG: printf("ERROR: %s\n", msg[i]->msg); break;
		default:
			printf("PROMPT: %s (refused)\n", msg[i]->msg);
			free(*resp);
			*resp = NULL;
			return PAM_CONV_ERR;
		}
	}
	fflush(stdout);
	return PAM_SUCCESS;
}

static volatile sig_atomic_t sigchld_seen;

static void on_sigchld(int sig)
{
	(void)sig;
	sigchld_seen++;
}

static int same_mask(const sigset_t *a, const sigset_t *b)
{
	for (int sig = 1; sig < NSIG; sig++)
		if (sigismember(a, sig) != sigismember(b, sig))
			return 0;
	return 1;
}

/* The second thread: waits for a byte, answers with its own effective uid (per thread on
 * Linux, hence the raw system call). */
static int to_thread[2], from_thread[2];

static void *thread_main(void *arg)
{
	char c;
	long euid;

	(void)arg;
	if (read(to_thread[0], &c, 1) != 1)
		return NULL;
	euid = syscall(SYS_geteuid);
	if (write(from_thread[1], &euid, sizeof(euid)) != sizeof(euid))
		return NULL;
	return NULL;
}

static long other_thread_euid(void)
{
	long euid = -1;

	if (write(to_thread[1], "?", 1) != 1 || read(from_thread[0], &euid, sizeof(euid)) < 0)
		return -1;
	return euid;
}

static long long elapsed_us(const struct timespec *a, const struct timespec *b)
{
	return (long long)(b->tv_sec - a->tv_sec) * 1000000 + (b->tv_nsec - a->tv_nsec) / 1000;
}

int main(int argc, char **argv)
{
	struct pam_conv conv = {conversation, NULL};
	pam_handle_t *pamh = NULL;
	struct sigaction sa, after;
	sigset_t mask_before, mask_after;
	struct timespec t0, t1;
	const char *sigchld = NULL;
	pthread_t thread;
	int flags = 0, timing = 0, threaded = 0, i, rc, close_rc;

	for (i = 1; i < argc && strncmp(argv[i], "--", 2) == 0; i++) {
		if (strcmp(argv[i], "--silent") == 0)
			flags |= PAM_SILENT;
		else if (strcmp(argv[i], "--time") == 0)
			timing = 1;
		else if (strcmp(argv[i], "--thread") == 0)
			threaded = 1;
		else if (strncmp(argv[i], "--sigchld=", 10) == 0)
			sigchld = argv[i] + 10;
		else
			break;
	}
	if (argc - i != 3 || (sigchld && strcmp(sigchld, "count") && strcmp(sigchld, "ignore"))) {
		fprintf(stderr, "usage: pam-session [--silent] [--time] [--sigchld=count|ignore] "
		                "[--thread] CONFDIR SERVICE USER\n");
		return 2;
	}

	if (sigchld) {
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = strcmp(sigchld, "count") == 0 ? on_sigchld : SIG_IGN;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGCHLD, &sa, NULL);
	}
	sigprocmask(SIG_SETMASK, NULL, &mask_before);
	if (threaded && (pipe(to_thread) != 0 || pipe(from_thread) != 0 ||
	                 pthread_create(&thread, NULL, thread_main, NULL) != 0)) {
		fprintf(stderr, "pam-session: cannot start a thread\n");
		return 2;
	}

	rc = pam_start_confdir(argv[i + 1], argv[i + 2], &conv, argv[i], &pamh);
	if (rc != PAM_SUCCESS) {
		printf("pam_start_confdir: %s\n", pam_code_name(rc));
		return 2;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = pam_open_session(pamh, flags);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("pam_open_session: %s\n", pam_code_name(rc));
	if (timing)
		printf("open_session_us: %lld\n", elapsed_us(&t0, &t1));
	if (sigchld) {
		sigaction(SIGCHLD, NULL, &after);
		sigprocmask(SIG_SETMASK, NULL, &mask_after);
		printf("SIGCHLD: %d disposition=%s mask=%s\n", (int)sigchld_seen,
		       after.sa_handler == sa.sa_handler ? "restored" : "changed",
		       same_mask(&mask_before, &mask_after) ? "restored" : "changed");
	}
	if (threaded) {
		printf("THREADS: main=%ld other=%ld\n", (long)syscall(SYS_geteuid),
		       other_thread_euid());
		pthread_join(thread, NULL);
	}
	close_rc = pam_close_session(pamh, flags);
	printf("pam_close_session: %s\n", pam_code_name(close_rc));
	pam_end(pamh, rc);
	fflush(stdout);
	return rc == PAM_SUCCESS ? 0 : 1;
}
