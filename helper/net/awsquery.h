/* SPDX-License-Identifier: MIT */
/* awsquery.h — the one request builder of the AWS Query API: the form-encoded POST body. */
#ifndef PAI_AWSQUERY_H
#define PAI_AWSQUERY_H

#include "awsclient.h"
#include "buf.h"

/* Appends "Action=A&Version=V&Name=Value..." to b, every name and value percent-encoded with
 * RFC 3986's unreserved set, parameters in q's order. PAI_ERR_INVALID for an empty action or
 * name or a NULL value, PAI_ERR_TOOBIG past b's bound. The caller wipes b (passwords). */
pai_err aws_query_body(enum aws_service s, const struct aws_query *q, struct buf *b);

#endif
