/* SPDX-License-Identifier: MIT */
/* awscreds.c — copying and wiping in-memory AWS credentials. */
#include "awscreds.h"
#include "buf.h"

#include <stdlib.h>
#include <string.h>

static pai_err dup_field(char **dst, const char *src)
{
	*dst = NULL;
	if (!src)
		return PAI_OK;
	*dst = strdup(src);
	return *dst ? PAI_OK : PAI_ERR_NOMEM;
}

pai_err aws_creds_copy(struct aws_creds *dst, const struct aws_creds *src)
{
	struct aws_creds c = {0};

	if (dup_field(&c.access_key_id, src->access_key_id) ||
	    dup_field(&c.secret_access_key, src->secret_access_key) ||
	    dup_field(&c.session_token, src->session_token) ||
	    dup_field(&c.expiration, src->expiration)) {
		aws_creds_wipe(&c);
		return PAI_ERR_NOMEM;
	}
	*dst = c;
	return PAI_OK;
}

void aws_creds_wipe(struct aws_creds *c)
{
	if (!c)
		return;
	secret_free(c->access_key_id);
	secret_free(c->secret_access_key);
	secret_free(c->session_token);
	secret_free(c->expiration);
	c->access_key_id = NULL;
	c->secret_access_key = NULL;
	c->session_token = NULL;
	c->expiration = NULL;
}
