/* SPDX-License-Identifier: MIT */
/* options.c — parse `helper= config= timeout= quiet debug`. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <security/pam_ext.h>

#include "options.h"

/* An absolute path, or NULL (logged): a relative one would depend on the login process's
 * working directory, and running something else than the admin named is worse than nothing. */
static const char *absolute_path(pam_handle_t *pamh, const char *name, const char *value)
{
	if (value[0] == '/')
		return value;
	pam_syslog(pamh, LOG_ERR, "%s=%s: not an absolute path; the helper will not run", name,
	           value);
	return NULL;
}

static void parse_timeout(pam_handle_t *pamh, const char *value, struct options *o)
{
	char *end = NULL;
	unsigned long v;

	errno = 0;
	v = strtoul(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' || value[0] == '-' || v < 1 ||
	    v > OPT_TIMEOUT_MAX) {
		pam_syslog(pamh, LOG_ERR,
		           "timeout=%s: not a whole number of seconds from 1 to %d; "
		           "using %u",
		           value, OPT_TIMEOUT_MAX, o->timeout_s);
		return;
	}
	o->timeout_s = (unsigned)v;
}

void options_parse(pam_handle_t *pamh, int argc, const char **argv, struct options *o)
{
	o->helper = PAI_HELPER_PATH;
	o->config = NULL;
	o->timeout_s = OPT_TIMEOUT_DEFAULT;
	o->flags = 0;
	o->bad = 0;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "quiet") == 0) {
			o->flags |= OPT_QUIET;
		} else if (strcmp(a, "debug") == 0) {
			o->flags |= OPT_DEBUG;
		} else if (strncmp(a, "helper=", 7) == 0) {
			o->helper = absolute_path(pamh, "helper", a + 7);
			if (!o->helper)
				o->bad = 1;
		} else if (strncmp(a, "config=", 7) == 0) {
			o->config = absolute_path(pamh, "config", a + 7);
			if (!o->config)
				o->bad = 1;
		} else if (strncmp(a, "timeout=", 8) == 0) {
			parse_timeout(pamh, a + 8, o);
		} else {
			pam_syslog(pamh, LOG_ERR, "unknown option ignored: %s", a);
		}
	}
}
