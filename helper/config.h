/* SPDX-License-Identifier: MIT */
/* config.h — /etc/security/pam_aws_iam.conf (INI, read with inih), then its drop-ins
 * /etc/security/pam_aws_iam.conf.d/NAME.conf in byte order of NAME, each key of a later file
 * replacing the value an earlier one set. Every key is checked at load: an unknown section
 * or key, a key given twice in one file, a value out of range, a malformed URL, ARN, name or
 * template is one line "FILE:LINE: message" in the caller's buffer and PAI_ERR_CONFIG. The
 * file and line that set each effective value are kept (struct pai_config_sources) for those
 * messages and --check-config. The config holds no secret. See pam_aws_iam.conf(5). */
#ifndef PAI_CONFIG_H
#define PAI_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "err.h"

#define PAI_CONF_URL_MAX           512         /* endpoint URLs, NUL included */
#define PAI_CONF_PATH_MAX          1024        /* local file and directory paths, NUL included */
#define PAI_CONF_PROFILE_MAX       129         /* AWS profile names, NUL included */
#define PAI_CONF_LINUX_NAME_MAX    257         /* Linux user and group names, NUL included */
#define PAI_CONF_MAX_LINUX         64          /* [scope] groups and exclude entries, each */
#define PAI_CONF_TEMPLATE_MAX      257         /* templates, NUL included */
#define PAI_CONF_IAM_PATH_MAX      513         /* IAM path, NUL included */
#define PAI_CONF_GROUP_MAX         129         /* IAM group name, NUL included */
#define PAI_CONF_MAX_GROUPS        10          /* IAM: groups per user */
#define PAI_CONF_ARN_MAX           2049        /* policy ARN, NUL included */
#define PAI_CONF_MAX_POLICIES      20          /* IAM: managed policies per user (hard quota) */
#define PAI_CONF_TAG_KEY_MAX       129         /* NUL included */
#define PAI_CONF_TAG_VALUE_MAX     257         /* template, NUL included */
#define PAI_CONF_MAX_TAGS          42          /* IAM: 50; 8 are the tool's (ledger.h) */
#define PAI_CONF_REGION_MAX        64          /* NUL included */
#define PAI_CONF_FILE_MAX          (64 * 1024) /* config file size */
#define PAI_CONF_SECRET_PREFIX_MAX 257         /* secret name prefix, NUL included */
#define PAI_CONF_DROPIN_DIR        ".d"        /* the drop-ins of FILE are FILE.d/NAME.conf */
#define PAI_CONF_MAX_DROPINS       64          /* drop-in files read, at most */
#define PAI_CONF_MAX_KEYS          64          /* keys in the schema, at most */

enum pai_partition { PAI_PARTITION_AWS, PAI_PARTITION_AWS_CN, PAI_PARTITION_AWS_US_GOV };
enum pai_on_limit { PAI_ON_LIMIT_FAIL, PAI_ON_LIMIT_REPLACE_OLDEST_MANAGED };
enum pai_console_password { PAI_PASSWORD_NO, PAI_PASSWORD_INITIAL };
enum pai_store { PAI_STORE_HOST, PAI_STORE_SECRETSMANAGER };
enum pai_deliver { PAI_DELIVER_FILE, PAI_DELIVER_PROCESS };

struct pai_tag_template {
	char key[PAI_CONF_TAG_KEY_MAX];
	char value[PAI_CONF_TAG_VALUE_MAX]; /* template: %u, %h, %% */
};

struct pai_config {
	/* [aws] */
	enum pai_partition partition;
	char endpoint[PAI_CONF_URL_MAX];      /* "" = the partition's IAM endpoint */
	char sts_endpoint[PAI_CONF_URL_MAX];  /* "" = the partition's STS endpoint */
	char imds_endpoint[PAI_CONF_URL_MAX]; /* "" = http://169.254.169.254 */
	char credentials[PAI_CONF_PATH_MAX];  /* absolute path; unused when credentials_instance */
	bool credentials_instance;            /* credentials = instance: IMDSv2 */
	char profile[PAI_CONF_PROFILE_MAX];
	unsigned connect_timeout;                       /* seconds, 1-60 */
	unsigned deadline;                              /* seconds, 1-300 */
	unsigned max_attempts;                          /* 1-10 */
	char aws_region[PAI_CONF_REGION_MAX];           /* Secrets Manager's region; "" = none */
	char secretsmanager_endpoint[PAI_CONF_URL_MAX]; /* "" = the region's */

	/* [scope] */
	unsigned long min_uid; /* 0-4294967294 */
	size_t n_scope_groups; /* scope_groups below; 0 = everyone */
	size_t n_exclude;      /* exclude below */

	/* [user] */
	char name_template[PAI_CONF_TEMPLATE_MAX];
	char path[PAI_CONF_IAM_PATH_MAX];
	bool create;
	bool adopt_existing;
	size_t n_user_groups;                        /* user_groups below */
	size_t n_policies;                           /* policies below */
	char permissions_boundary[PAI_CONF_ARN_MAX]; /* "" = none */
	size_t n_tags;                               /* tags below */
	unsigned generation; /* the fleet's config generation, 0-4294967295 (convplan.h) */

	/* [keys] */
	char keys_profile[PAI_CONF_PROFILE_MAX];
	unsigned max_age_days;    /* 1-3650 */
	unsigned verify_interval; /* seconds, 0-604800 */
	enum pai_on_limit on_limit;
	unsigned wait_until_usable;       /* seconds, 0-300, within deadline */
	char region[PAI_CONF_REGION_MAX]; /* "" = leave ~/.aws/config alone */
	unsigned request_burst;           /* 0-100: a person's AWS runs at once; 0 = no limit */
	unsigned request_interval;        /* seconds, 1-86400: then one per interval */
	enum pai_store store;             /* where the person's key lives (fleetplan.h) */
	char secret_prefix[PAI_CONF_SECRET_PREFIX_MAX]; /* secret name = prefix + UserId */
	char kms_key[PAI_CONF_ARN_MAX]; /* "" = the account's aws/secretsmanager key */
	unsigned rotation_grace;        /* seconds a replaced key keeps working */
	enum pai_deliver deliver;       /* the key into ~/.aws/credentials, or kept by the helper
	                                 * and served as sessions (credproc.h) */
	unsigned session_seconds;       /* deliver = process: GetSessionToken's duration */
	unsigned session_refresh;       /* ...and a cached session is renewed this long before it
	                                 * expires */

	/* [console] */
	bool show_url;
	enum pai_console_password password;

	/* [state] */
	char state_dir[PAI_CONF_PATH_MAX];

	/* List storage, last and apart (about 90 KB): only the first n_* entries of each list are
	 * defined, and config_defaults leaves the rest untouched, so a run only brings in the
	 * pages it uses (each first touch of a page is a page fault: ~15 us on a small VM, and
	 * 25 of them were a tenth of the fast path). */
	char scope_groups[PAI_CONF_MAX_LINUX][PAI_CONF_LINUX_NAME_MAX]; /* [scope] */
	char exclude[PAI_CONF_MAX_LINUX][PAI_CONF_LINUX_NAME_MAX];      /* [scope] */
	char user_groups[PAI_CONF_MAX_GROUPS][PAI_CONF_GROUP_MAX];      /* [user] */
	char policies[PAI_CONF_MAX_POLICIES][PAI_CONF_ARN_MAX];         /* [user] */
	struct pai_tag_template tags[PAI_CONF_MAX_TAGS];                /* [user] */
};

/* Where each effective value came from: the files read, in order (the main file first),
 * and per key of the schema the file (index in file[]; -1: the default) and line. */
struct pai_config_sources {
	size_t n_files;
	char *file[1 + PAI_CONF_MAX_DROPINS]; /* owned: config_sources_free */
	char *dropin_dir;                     /* the drop-in directory looked in; NULL: none */
	bool dropin_dir_found;
	int key_file[PAI_CONF_MAX_KEYS];
	size_t key_line[PAI_CONF_MAX_KEYS];
};

/* Fills cfg with the documented defaults (list storage past each count is left as it was). */
void config_defaults(struct pai_config *cfg);

/* Reading several files into one configuration: config_begin (defaults, no sources), then
 * config_add_fd / config_add_string per file and config_add_dropins for a directory, then
 * config_end (the checks across keys). Each returns PAI_ERR_CONFIG with "FILE:LINE:
 * message" in err on the first error, and then leaves cfg at the defaults; cfg is fully valid
 * only after config_end returned PAI_OK. src is freed by config_sources_free. */
void config_begin(struct pai_config *cfg, struct pai_config_sources *src);
pai_err config_add_string(struct pai_config *cfg, struct pai_config_sources *src, const char *text,
                          const char *name, char *err, size_t errlen);
pai_err config_add_fd(struct pai_config *cfg, struct pai_config_sources *src, int fd,
                      const char *name, char *err, size_t errlen);
/* The drop-ins of the directory dirfd (dirpath for messages): every NAME.conf not starting
 * with '.', in byte order of NAME, at most PAI_CONF_MAX_DROPINS. trust non-NULL (a
 * privileged run): each is opened without following a symbolic link and judged by
 * safefile_trust_fd against it, as the main file was. */
struct safefile_trust;
pai_err config_add_dropins(struct pai_config *cfg, struct pai_config_sources *src, int dirfd,
                           const char *dirpath, const struct safefile_trust *trust, char *err,
                           size_t errlen);
pai_err config_end(struct pai_config *cfg, struct pai_config_sources *src, char *err,
                   size_t errlen);
void config_sources_free(struct pai_config_sources *src);
/* The file the loading started from: path, and its drop-in directory path + ".d"
 * (PAI_CONF_DROPIN_DIR) into dir; PAI_ERR_INVALID when it does not fit. */
pai_err config_dropin_dir(const char *path, char *dir, size_t dirlen);

/* Defaults, then the file at path (at most PAI_CONF_FILE_MAX bytes). A missing or unreadable
 * file is "PATH: reason" and PAI_ERR_CONFIG. cfg is fully valid on PAI_OK only. */
pai_err config_load_file(const char *path, struct pai_config *cfg, char *err, size_t errlen);
/* Same, from an open file (a privileged caller judged it first: safefile_open_trusted). */
pai_err config_load_fd(int fd, const char *name, struct pai_config *cfg, char *err, size_t errlen);
/* Same, from a string; name stands for FILE in messages. */
pai_err config_load_string(const char *text, const char *name, struct pai_config *cfg, char *err,
                           size_t errlen);
/* Prints the effective configuration as a config file. */
void config_print(const struct pai_config *cfg, FILE *f);
/* --check-config: the files read, then every effective value with "# FILE:LINE" (or
 * "# default") after it, for people: a value that is empty is followed by its comment. */
void config_print_sources(const struct pai_config *cfg, const struct pai_config_sources *src,
                          FILE *f);
/* "aws", "aws-cn", "aws-us-gov". */
const char *config_partition_name(enum pai_partition p);

#endif
