/* SPDX-License-Identifier: MIT */
/* template.h — the user-name and tag-value templates of the config: %u is the login name,
 * %h the short host name (up to the first dot), %% a percent sign; any other '%' is an error.
 *
 * Characters IAM refuses are not mapped to others: two logins must never land on one IAM
 * user. A user name holding any character outside [A-Za-z0-9_+=,.@-], or longer than 64, is
 * refused with a message naming the character (or the length). */
#ifndef PAI_TEMPLATE_H
#define PAI_TEMPLATE_H

#include <stddef.h>
#include "err.h"

#define TEMPLATE_MAX_OUT 257 /* longest expansion, NUL included (tag values: 256) */

struct template_vars {
	const char *login; /* login name */
	const char *host;  /* short host name */
};

/* Checks the syntax only (placeholders %u %h %%); PAI_ERR_INVALID with a message. */
pai_err template_check(const char *tmpl, char *err, size_t errlen);
/* Expands into out; PAI_ERR_INVALID for bad syntax, PAI_ERR_TOOBIG past outlen - 1 bytes. */
pai_err template_expand(const char *tmpl, const struct template_vars *v, char *out, size_t outlen,
                        char *err, size_t errlen);
/* Expands the user-name template and checks the result is a valid IAM user name (1-64 of
 * [A-Za-z0-9_+=,.@-]); PAI_ERR_INVALID with a message naming the first bad character. */
pai_err template_user_name(const char *tmpl, const struct template_vars *v, char *out,
                           size_t outlen, char *err, size_t errlen);
/* Expands a tag-value template and checks the result is a valid IAM tag value. */
pai_err template_tag_value(const char *tmpl, const struct template_vars *v, char *out,
                           size_t outlen, char *err, size_t errlen);

#endif
