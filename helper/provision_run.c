/* provision_run.c — what both halves of the helper's flow share: the person's output,
 * error lines, audit lines and the run's deadline (provision_run.h). Linked into the
 * executable and into pai-network.so: no state of its own. */
#include "provision_run.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include "exit_status.h"

void prov_say(const struct run *r, const char *fmt, ...)
{
	va_list ap;

	if (r->o->quiet)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
}

int prov_fail(int status, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, PROG ": %s\n", msg);
	syslog(LOG_WARNING, "%s", msg);
	return status;
}

void prov_audit(const struct run *r, const char *action, const char *key_id)
{
	syslog(LOG_NOTICE, "user=%s iam_user=%s key=%s host=%s action=%s", r->login,
	       r->iam_name[0] ? r->iam_name : "-", key_id && key_id[0] ? key_id : "-", r->host,
	       action);
}

int prov_exit_for(pai_err e)
{
	switch (e) {
	case PAI_OK: return PAI_EXIT_OK;
	case PAI_ERR_CONFIG: return PAI_EXIT_CONFIG;
	case PAI_ERR_FILE: return PAI_EXIT_FILE;
	case PAI_ERR_REFUSED: return PAI_EXIT_REFUSED;
	case PAI_ERR_NOMEM:
	case PAI_ERR_INVALID: return PAI_EXIT_INTERNAL;
	default: return PAI_EXIT_AWS;
	}
}

long long prov_deadline_ms(const struct run *r)
{
	return r->start_ms + (long long)r->cfg.deadline * 1000;
}
bool prov_state_is_ours(const struct run *r)
{
	return r->have_state && !strcmp(r->st.host, r->host) &&
	       !strcmp(r->st.iam_user, r->iam_name) && !strcmp(r->st.profile, r->cfg.keys_profile);
}
