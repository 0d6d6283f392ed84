/* SPDX-License-Identifier: MIT */
/* endpoints.h — the global IAM and STS endpoint of each AWS partition and the region each
 * one signs for. */
#ifndef PAI_ENDPOINTS_H
#define PAI_ENDPOINTS_H

#include "awsclient.h"

struct aws_partition {
	const char *name;       /* "aws", "aws-cn", "aws-us-gov" */
	const char *iam_url;    /* https://..., path "/" */
	const char *iam_region; /* signing region of IAM */
	const char *sts_url;
	const char *sts_region;
};

/* The partition called name (NULL means "aws"); NULL when unknown. */
const struct aws_partition *endpoints_partition(const char *name);
/* The URL and signing region of service s in partition p. */
const char *endpoints_url(const struct aws_partition *p, enum aws_service s);
const char *endpoints_region(const struct aws_partition *p, enum aws_service s);
/* The Query API version string of service s ("2010-05-08" for IAM, "2011-06-15" for STS). */
const char *endpoints_api_version(enum aws_service s);
/* The service name used in the signature's credential scope ("iam", "sts"). */
const char *endpoints_service_name(enum aws_service s);

#endif
