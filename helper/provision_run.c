/* SPDX-License-Identifier: MIT */
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
	char msg[768], safe[768];
	va_list ap;

	if (r->o->quiet)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	prov_escape(msg, safe, sizeof(safe));
	printf("%s\n", safe);
	fflush(stdout);
}

void prov_escape(const char *s, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	size_t o = 0;

	for (; *s && o + 1 < outlen; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			out[o++] = (char)c;
		} else if (o + 4 < outlen) {
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 15];
		} else {
			break;
		}
	}
	out[o] = '\0';
}

int prov_fail(int status, const char *fmt, ...)
{
	char msg[768], safe[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	prov_escape(msg, safe, sizeof(safe));
	fprintf(stderr, PROG ": %s\n", safe);
	syslog(LOG_WARNING, "%s", safe);
	return status;
}

void prov_audit_version(const struct run *r, const char *action, const char *key_id,
                        const char *version)
{
	char login[300], key[160], ver[160];

	prov_escape(r->login, login, sizeof(login));
	prov_escape(key_id && key_id[0] ? key_id : "-", key, sizeof(key));
	prov_escape(version ? version : "", ver, sizeof(ver));
	syslog(LOG_NOTICE, "user=%s iam_user=%s key=%s host=%s host_id=%s action=%s%s%s", login,
	       r->iam_name[0] ? r->iam_name : "-", key, r->host.name, r->host.id, action,
	       ver[0] ? " store_version=" : "", ver);
}

void prov_audit(const struct run *r, const char *action, const char *key_id)
{
	prov_audit_version(r, action, key_id, NULL);
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
static bool state_names(const struct run *r, const char *host)
{
	return r->have_state && !strcmp(r->st.host, host) && !strcmp(r->st.iam_user, r->iam_name) &&
	       !strcmp(r->st.profile, r->cfg.keys_profile);
}

bool prov_state_is_ours(const struct run *r)
{
	return state_names(r, r->host.id) || prov_state_is_legacy(r);
}

bool prov_state_is_legacy(const struct run *r)
{
	return !hostid_valid_id(r->st.host) && state_names(r, r->host.name);
}
