/* SPDX-License-Identifier: MIT */
/* fuzz_template.c — template expansion of arbitrary templates and login names: no crash, the
 * output fits, and a user name that passes is a valid IAM user name. abort() otherwise.
 * Input: template, NUL, login name.
 * fuzz-max-len: 1024 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "template.h"
#include "validate.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	char *s, out[TEMPLATE_MAX_OUT], err[256];
	struct template_vars v;
	const char *nul;

	s = malloc(n + 2);
	if (!s)
		return 0;
	memcpy(s, d, n);
	s[n] = s[n + 1] = '\0';
	nul = memchr(s, '\0', n + 1);
	v.login = nul + 1 <= s + n ? nul + 1 : "";
	v.host = "host-1";
	if (template_expand(s, &v, out, sizeof(out), err, sizeof(err)) == PAI_OK &&
	    strlen(out) >= sizeof(out))
		abort();
	if (template_user_name(s, &v, out, sizeof(out), err, sizeof(err)) == PAI_OK &&
	    !valid_user_name(out))
		abort();
	if (template_tag_value(s, &v, out, sizeof(out), err, sizeof(err)) == PAI_OK &&
	    !valid_tag_value(out))
		abort();
	free(s);
	return 0;
}
