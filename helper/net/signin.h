/* SPDX-License-Identifier: MIT */
/* signin.h — the AWS console sign-in URL of an account. */
#ifndef PAI_SIGNIN_H
#define PAI_SIGNIN_H

#include <stddef.h>
#include "aws_bounds.h"
#include "err.h"

/* https://ALIAS.signin.<host>/console when alias is non-empty, else the account-ID form;
 * host per partition: aws signin.aws.amazon.com, aws-cn signin.amazonaws.cn, aws-us-gov
 * signin.amazonaws-us-gov.com. PAI_ERR_INVALID for an unknown partition, a malformed account
 * ID or alias; PAI_ERR_TOOBIG when out is too small. */
pai_err signin_url(const char *partition, const char *account, const char *alias, char *out,
                   size_t outlen);

#endif
