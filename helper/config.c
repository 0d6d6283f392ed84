/* config.c — /etc/security/pam_aws_iam.conf. (stub: being written) */
#include "config.h"

#include <string.h>

void config_defaults(struct pai_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
}

pai_err config_load_file(const char *path, struct pai_config *cfg, char *err, size_t errlen)
{
	(void)path; (void)err; (void)errlen;
	config_defaults(cfg);
	return PAI_ERR_CONFIG;
}

pai_err config_load_string(const char *text, const char *name, struct pai_config *cfg, char *err,
			   size_t errlen)
{
	(void)text; (void)name; (void)err; (void)errlen;
	config_defaults(cfg);
	return PAI_ERR_CONFIG;
}

pai_err config_check_file_safe(int fd, const char *path, char *err, size_t errlen)
{
	(void)fd; (void)path; (void)err; (void)errlen;
	return PAI_ERR_CONFIG;
}

void config_print(const struct pai_config *cfg, FILE *f)
{
	(void)cfg; (void)f;
}

const char *config_partition_name(enum pai_partition p)
{
	switch (p) {
	case PAI_PARTITION_AWS: return "aws";
	case PAI_PARTITION_AWS_CN: return "aws-cn";
	case PAI_PARTITION_AWS_US_GOV: return "aws-us-gov";
	}
	return "aws";
}
