/* SPDX-License-Identifier: MIT */
/* signin.c — console sign-in URL per partition. */
#include "signin.h"

#include <stdio.h>
#include <string.h>
#include "validate.h"

static const char *signin_host(const char *partition)
{
	if (!partition || strcmp(partition, "aws") == 0)
		return "signin.aws.amazon.com";
	if (strcmp(partition, "aws-cn") == 0)
		return "signin.amazonaws.cn";
	if (strcmp(partition, "aws-us-gov") == 0)
		return "signin.amazonaws-us-gov.com";
	return NULL;
}

pai_err signin_url(const char *partition, const char *account, const char *alias, char *out,
                   size_t outlen)
{
	const char *host = signin_host(partition);
	const char *who;
	int n;

	if (!host || !account || !valid_account_id(account))
		return PAI_ERR_INVALID;
	if (alias && alias[0] && !valid_account_alias(alias))
		return PAI_ERR_INVALID;
	who = alias && alias[0] ? alias : account;
	n = snprintf(out, outlen, "https://%s.%s/console", who, host);
	if (n < 0 || (size_t)n >= outlen)
		return PAI_ERR_TOOBIG;
	return PAI_OK;
}
