/* SPDX-License-Identifier: MIT */
/* endpoints.h — where each AWS service of a partition lives, how it is signed and which
 * protocol it speaks. IAM and STS are global (one endpoint per partition, signed for the
 * partition's home region, Query protocol); Secrets Manager is regional (an endpoint per
 * region, JSON 1.1 protocol). */
#ifndef PAI_ENDPOINTS_H
#define PAI_ENDPOINTS_H

#include <stdbool.h>
#include <stddef.h>
#include "awsclient.h"

#define ENDPOINTS_REGION_MAX 32 /* longest region name accepted, NUL included */

/* The wire format of a service: form-encoded requests and XML replies, or JSON both ways. */
enum aws_protocol { AWS_PROTOCOL_QUERY, AWS_PROTOCOL_JSON };

struct aws_partition {
	const char *name;       /* "aws", "aws-cn", "aws-us-gov" */
	const char *iam_url;    /* https://..., path "/" */
	const char *iam_region; /* signing region of IAM, and the partition's default region */
	const char *sts_url;
	const char *sts_region;
	const char *dns_suffix;    /* of regional endpoints: "amazonaws.com", "amazonaws.com.cn" */
	const char *region_prefix; /* every region of the partition starts so ("" = aws) */
};

/* The partition called name (NULL means "aws"); NULL when unknown. */
const struct aws_partition *endpoints_partition(const char *name);
/* The URL and signing region of a global service (IAM, STS) in partition p; for a regional
 * service, NULL and the partition's default region (its IAM region). */
const char *endpoints_url(const struct aws_partition *p, enum aws_service s);
const char *endpoints_region(const struct aws_partition *p, enum aws_service s);
/* True for a region name of partition p as botocore's partition table describes them:
 * aws "xx-name-N" (not "cn-"), aws-cn "cn-name-N", aws-us-gov "us-gov-name-N". */
bool endpoints_valid_region(const struct aws_partition *p, const char *region);
/* https://SERVICE.REGION.DNS_SUFFIX/ of a regional service into out. PAI_ERR_INVALID for a
 * global service or a region outside p, PAI_ERR_TOOBIG when out is too short. */
pai_err endpoints_regional_url(const struct aws_partition *p, enum aws_service s,
                               const char *region, char *out, size_t len);
/* True for the services with one endpoint per region (Secrets Manager). */
bool endpoints_is_regional(enum aws_service s);
/* The API version string of service s ("2010-05-08" IAM, "2011-06-15" STS, "2017-10-17"
 * Secrets Manager); the Query protocol sends it as Version. */
const char *endpoints_api_version(enum aws_service s);
/* The service name used in the signature's credential scope ("iam", "sts",
 * "secretsmanager"); also the JSON protocol's X-Amz-Target prefix. */
const char *endpoints_service_name(enum aws_service s);
enum aws_protocol endpoints_protocol(enum aws_service s);

#endif
