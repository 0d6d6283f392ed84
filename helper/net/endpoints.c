/* SPDX-License-Identifier: MIT */
/* endpoints.c — the partition table. IAM is a global service: one endpoint per partition,
 * signed for the partition's home region. */
#include "endpoints.h"

#include <string.h>

static const struct aws_partition partitions[] = {
    {"aws", "https://iam.amazonaws.com/", "us-east-1", "https://sts.amazonaws.com/", "us-east-1"},
    {"aws-cn", "https://iam.cn-north-1.amazonaws.com.cn/", "cn-north-1",
     "https://sts.cn-north-1.amazonaws.com.cn/", "cn-north-1"},
    {"aws-us-gov", "https://iam.us-gov.amazonaws.com/", "us-gov-west-1",
     "https://sts.us-gov-west-1.amazonaws.com/", "us-gov-west-1"},
};

const struct aws_partition *endpoints_partition(const char *name)
{
	size_t i;

	if (!name)
		name = "aws";
	for (i = 0; i < sizeof(partitions) / sizeof(partitions[0]); i++)
		if (strcmp(partitions[i].name, name) == 0)
			return &partitions[i];
	return NULL;
}

const char *endpoints_url(const struct aws_partition *p, enum aws_service s)
{
	return s == AWS_STS ? p->sts_url : p->iam_url;
}

const char *endpoints_region(const struct aws_partition *p, enum aws_service s)
{
	return s == AWS_STS ? p->sts_region : p->iam_region;
}

const char *endpoints_api_version(enum aws_service s)
{
	return s == AWS_STS ? "2011-06-15" : "2010-05-08";
}

const char *endpoints_service_name(enum aws_service s)
{
	return s == AWS_STS ? "sts" : "iam";
}
