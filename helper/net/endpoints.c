/* SPDX-License-Identifier: MIT */
/* endpoints.c — the partition table. IAM and STS are global services: one endpoint per
 * partition, signed for the partition's home region. Secrets Manager is regional: its
 * endpoint and signing region are the region the caller names. */
#include "endpoints.h"

#include <stdio.h>
#include <string.h>

static const struct aws_partition partitions[] = {
    {"aws", "https://iam.amazonaws.com/", "us-east-1", "https://sts.amazonaws.com/", "us-east-1",
     "amazonaws.com", ""},
    {"aws-cn", "https://iam.cn-north-1.amazonaws.com.cn/", "cn-north-1",
     "https://sts.cn-north-1.amazonaws.com.cn/", "cn-north-1", "amazonaws.com.cn", "cn-"},
    {"aws-us-gov", "https://iam.us-gov.amazonaws.com/", "us-gov-west-1",
     "https://sts.us-gov-west-1.amazonaws.com/", "us-gov-west-1", "amazonaws.com", "us-gov-"},
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

bool endpoints_is_regional(enum aws_service s)
{
	return s == AWS_SECRETS;
}

const char *endpoints_url(const struct aws_partition *p, enum aws_service s)
{
	if (endpoints_is_regional(s))
		return NULL;
	return s == AWS_STS ? p->sts_url : p->iam_url;
}

const char *endpoints_region(const struct aws_partition *p, enum aws_service s)
{
	return s == AWS_STS ? p->sts_region : p->iam_region;
}

/* n > 0 characters of [a-z] at s, then c; returns what follows c, or NULL. */
static const char *letters_then(const char *s, char c)
{
	size_t n = 0;

	while (s[n] >= 'a' && s[n] <= 'z')
		n++;
	return n > 0 && s[n] == c ? s + n + 1 : NULL;
}

bool endpoints_valid_region(const struct aws_partition *p, const char *region)
{
	const char *s;
	size_t n, digits;

	if (!p || !region)
		return false;
	n = strlen(region);
	if (n == 0 || n >= ENDPOINTS_REGION_MAX)
		return false;
	if (p->region_prefix[0]) {
		if (strncmp(region, p->region_prefix, strlen(p->region_prefix)))
			return false;
		s = region + strlen(p->region_prefix); /* "name-N" */
	} else {
		/* aws: "xx-name-N" with a two-letter area that no other partition claims */
		if (!strncmp(region, "cn-", 3) || !strncmp(region, "us-gov-", 7) ||
		    !(region[0] >= 'a' && region[0] <= 'z' && region[1] >= 'a' &&
		      region[1] <= 'z' && region[2] == '-'))
			return false;
		s = region + 3;
	}
	s = letters_then(s, '-');
	if (!s)
		return false;
	for (digits = 0; s[digits] >= '0' && s[digits] <= '9'; digits++)
		;
	return digits >= 1 && digits <= 2 && s[digits] == '\0';
}

pai_err endpoints_regional_url(const struct aws_partition *p, enum aws_service s,
                               const char *region, char *out, size_t len)
{
	int n;

	if (len)
		out[0] = '\0';
	if (!p || !endpoints_is_regional(s) || !endpoints_valid_region(p, region))
		return PAI_ERR_INVALID;
	n = snprintf(out, len, "https://%s.%s.%s/", endpoints_service_name(s), region,
	             p->dns_suffix);
	if (n < 0 || (size_t)n >= len) {
		if (len)
			out[0] = '\0';
		return PAI_ERR_TOOBIG;
	}
	return PAI_OK;
}

const char *endpoints_api_version(enum aws_service s)
{
	switch (s) {
	case AWS_STS: return "2011-06-15";
	case AWS_SECRETS: return "2017-10-17";
	case AWS_IAM: break;
	}
	return "2010-05-08";
}

const char *endpoints_service_name(enum aws_service s)
{
	switch (s) {
	case AWS_STS: return "sts";
	case AWS_SECRETS: return "secretsmanager";
	case AWS_IAM: break;
	}
	return "iam";
}

enum aws_protocol endpoints_protocol(enum aws_service s)
{
	return s == AWS_SECRETS ? AWS_PROTOCOL_JSON : AWS_PROTOCOL_QUERY;
}
