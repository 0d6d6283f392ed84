/* SPDX-License-Identifier: MIT */
/* test_safefile.c — the one trust check (owner, mode, type of the open descriptor and of
 * every directory above it, no symbolic link anywhere) under each policy the helper uses;
 * files in a home: symlinks, FIFOs, directories and foreign owners refused with the path
 * named; atomic replace that leaves the old file whole on a full disk. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "safefile.h"

static char home[64];
static char err[512];

static void path_of(char *out, size_t n, const char *rel)
{
	snprintf(out, n, "%s/%s", home, rel);
}

static void put(const char *rel, const char *text)
{
	char p[256];
	FILE *f;

	path_of(p, sizeof(p), rel);
	f = fopen(p, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static int setup(void **state)
{
	(void)state;
	snprintf(home, sizeof(home), "/tmp/pai-home-XXXXXX");
	return mkdtemp(home) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", home);
	return system(cmd) == 0 ? 0 : -1;
}

static void open_home_and_aws(struct safedir *h, struct safedir *aws)
{
	assert_int_equal(safedir_open_home(h, home, geteuid(), err, sizeof(err)), PAI_OK);
	assert_int_equal(safedir_open_sub(aws, h, ".aws", true, err, sizeof(err)), PAI_OK);
}

/* Names in dir other than "." and ".."; counts leftover temporary files. */
static size_t entries(const char *rel)
{
	char p[256];
	DIR *d;
	struct dirent *e;
	size_t n = 0;

	path_of(p, sizeof(p), rel);
	d = opendir(p);
	assert_non_null(d);
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

static void home_must_be_a_real_directory_of_the_user(void **state)
{
	struct safedir h;
	char link[256], file[256];

	(void)state;
	path_of(link, sizeof(link), "link");
	path_of(file, sizeof(file), "file");
	assert_int_equal(symlink(home, link), 0);
	put("file", "x");
	assert_int_equal(safedir_open_home(&h, link, geteuid(), err, sizeof(err)), PAI_ERR_FILE);
	assert_non_null(strstr(err, "symbolic link"));
	assert_non_null(strstr(err, link));
	assert_int_equal(safedir_open_home(&h, file, geteuid(), err, sizeof(err)), PAI_ERR_FILE);
	assert_non_null(strstr(err, "not a directory"));
	assert_int_equal(safedir_open_home(&h, "relative", geteuid(), err, sizeof(err)),
	                 PAI_ERR_FILE);
	assert_int_equal(safedir_open_home(&h, home, geteuid() + 1, err, sizeof(err)),
	                 PAI_ERR_REFUSED);
	assert_non_null(strstr(err, "owned by uid"));
	assert_int_equal(h.fd, -1);
	unlink(link);
	unlink(file);
}

static void aws_dir_is_created_0700_and_checked(void **state)
{
	struct safedir h, aws;
	struct stat st;
	char p[256];

	(void)state;
	assert_int_equal(safedir_open_home(&h, home, geteuid(), err, sizeof(err)), PAI_OK);
	assert_int_equal(safedir_open_sub(&aws, &h, ".aws", false, err, sizeof(err)),
	                 PAI_ERR_NOT_FOUND);
	umask(0);
	assert_int_equal(safedir_open_sub(&aws, &h, ".aws", true, err, sizeof(err)), PAI_OK);
	umask(022);
	path_of(p, sizeof(p), ".aws");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0700);
	safedir_close(&aws);
	/* a second open finds it */
	assert_int_equal(safedir_open_sub(&aws, &h, ".aws", true, err, sizeof(err)), PAI_OK);
	assert_string_equal(aws.path, p);
	safedir_close(&aws);
	rmdir(p);
	/* a symlink to a directory elsewhere is refused, even with create */
	assert_int_equal(symlink("/tmp", p), 0);
	assert_int_equal(safedir_open_sub(&aws, &h, ".aws", true, err, sizeof(err)), PAI_ERR_FILE);
	assert_non_null(strstr(err, "a symbolic link, not a directory"));
	assert_non_null(strstr(err, ".aws"));
	unlink(p);
	put(".aws", "file");
	assert_int_equal(safedir_open_sub(&aws, &h, ".aws", true, err, sizeof(err)), PAI_ERR_FILE);
	assert_non_null(strstr(err, "not a directory"));
	unlink(p);
	assert_int_equal(safedir_open_sub(&aws, &h, "../x", true, err, sizeof(err)),
	                 PAI_ERR_INVALID);
	assert_int_equal(safedir_open_sub(&aws, &h, "..", true, err, sizeof(err)), PAI_ERR_INVALID);
	if (geteuid() == 0) {
		assert_int_equal(mkdir(p, 0700), 0);
		assert_int_equal(chown(p, 65534, 65534), 0);
		assert_int_equal(safedir_open_sub(&aws, &h, ".aws", true, err, sizeof(err)),
		                 PAI_ERR_REFUSED);
		assert_non_null(strstr(err, "owned by uid 65534"));
		rmdir(p);
	}
	safedir_close(&h);
}

/* The config's policy: root's, writable by no one else, in directories root (or a sticky
 * /tmp) guards; the network library's: the same, and no sticky directory either. */
static void trust_judges_the_descriptor_and_every_directory_above(void **state)
{
	const struct safefile_trust config = {
	    S_IFREG,          false, 0, false, S_IWGRP | S_IWOTH, SAFEFILE_DIRS_OWNER_STICKY, 0,
	    "refusing to run"};
	struct safefile_trust lib = config;
	char p[320], link[256];
	int fd;

	(void)state;
	lib.dirs = SAFEFILE_DIRS_ROOT;
	path_of(p, sizeof(p), "conf");
	put("conf", "[aws]\n");
	chmod(p, 0644);
	if (geteuid() != 0) {
		assert_int_equal(safefile_open_trusted(p, &config, &fd, err, sizeof(err)),
		                 PAI_ERR_REFUSED);
		assert_non_null(strstr(err, "not owned by root"));
		return;
	}
	chmod(home, 0755);
	assert_int_equal(safefile_open_trusted(p, &config, &fd, err, sizeof(err)), PAI_OK);
	close(fd);
	/* /tmp is sticky: fine for a config being tried, never for the network library */
	assert_int_equal(safefile_open_trusted(p, &lib, &fd, err, sizeof(err)), PAI_ERR_REFUSED);
	assert_non_null(strstr(err, "/tmp: writable by group or others (mode 1777)"));
	chmod(p, 0664);
	assert_int_equal(safefile_open_trusted(p, &config, &fd, err, sizeof(err)), PAI_ERR_REFUSED);
	assert_non_null(strstr(err, "writable by group or others (mode 0664); refusing to run"));
	chmod(p, 0644);
	assert_int_equal(chown(p, 65534, 0), 0);
	assert_int_equal(safefile_open_trusted(p, &config, &fd, err, sizeof(err)), PAI_ERR_REFUSED);
	assert_non_null(strstr(err, "not owned by root (uid 65534)"));
	assert_int_equal(chown(p, 0, 0), 0);
	/* a directory on the way others may write */
	chmod(home, 0777);
	assert_int_equal(safefile_open_trusted(p, &config, &fd, err, sizeof(err)), PAI_ERR_REFUSED);
	assert_non_null(strstr(err, home));
	chmod(home, 0755);
	/* a symbolic link, last or on the way */
	path_of(link, sizeof(link), "link");
	assert_int_equal(symlink(p, link), 0);
	assert_int_equal(safefile_open_trusted(link, &config, &fd, err, sizeof(err)),
	                 PAI_ERR_REFUSED);
	assert_non_null(strstr(err, "symbolic link"));
	unlink(link);
	assert_int_equal(symlink(home, link), 0);
	snprintf(p, sizeof(p), "%s/conf", link);
	assert_int_equal(safefile_open_trusted(p, &config, &fd, err, sizeof(err)), PAI_ERR_REFUSED);
	assert_non_null(strstr(err, "symbolic link"));
	/* a directory where a file belongs, and a file that is not there */
	assert_int_equal(safefile_open_trusted(home, &config, &fd, err, sizeof(err)),
	                 PAI_ERR_REFUSED);
	assert_non_null(strstr(err, "a directory, not a regular file"));
	path_of(p, sizeof(p), "nothing");
	assert_int_equal(safefile_open_trusted(p, &config, &fd, err, sizeof(err)),
	                 PAI_ERR_NOT_FOUND);
	assert_int_equal(safefile_open_trusted("relative/path", &config, &fd, err, sizeof(err)),
	                 PAI_ERR_INVALID);
}

static void read_refuses_what_is_not_a_plain_file_of_the_user(void **state)
{
	struct safedir h, aws;
	struct buf b;
	char p[256];

	(void)state;
	open_home_and_aws(&h, &aws);
	buf_init(&b, 0);
	put(".aws/credentials", "[default]\n");
	assert_int_equal(safefile_read(&aws, "credentials", 0, &b, err, sizeof(err)), PAI_OK);
	assert_string_equal(b.data, "[default]\n");
	assert_int_equal(safefile_read(&aws, "config", 0, &b, err, sizeof(err)), PAI_ERR_NOT_FOUND);
	assert_int_equal(b.len, 0);
	assert_int_equal(safefile_read(&aws, "credentials", 4, &b, err, sizeof(err)),
	                 PAI_ERR_TOOBIG);
	assert_int_equal(b.len, 0);

	path_of(p, sizeof(p), ".aws/link");
	assert_int_equal(symlink("/etc/shadow", p), 0);
	assert_int_equal(safefile_read(&aws, "link", 0, &b, err, sizeof(err)), PAI_ERR_FILE);
	assert_non_null(strstr(err, "/.aws/link: a symbolic link; refusing"));
	path_of(p, sizeof(p), ".aws/fifo");
	assert_int_equal(mkfifo(p, 0600), 0);
	assert_int_equal(safefile_read(&aws, "fifo", 0, &b, err, sizeof(err)), PAI_ERR_FILE);
	assert_non_null(strstr(err, "/.aws/fifo: a FIFO; refusing"));
	path_of(p, sizeof(p), ".aws/dir");
	assert_int_equal(mkdir(p, 0700), 0);
	assert_int_equal(safefile_read(&aws, "dir", 0, &b, err, sizeof(err)), PAI_ERR_FILE);
	assert_non_null(strstr(err, "/.aws/dir: a directory; refusing"));
	assert_int_equal(safefile_read(&aws, "../x", 0, &b, err, sizeof(err)), PAI_ERR_INVALID);
	if (geteuid() == 0) {
		path_of(p, sizeof(p), ".aws/credentials");
		assert_int_equal(chown(p, 65534, 65534), 0);
		assert_int_equal(safefile_read(&aws, "credentials", 0, &b, err, sizeof(err)),
		                 PAI_ERR_REFUSED);
		assert_non_null(strstr(err, "credentials: owned by uid 65534"));
	} else {
		print_message("foreign-owner read test skipped: needs root to chown\n");
	}
	buf_free(&b);
	safedir_close(&aws);
	safedir_close(&h);
}

static void replace_is_atomic_and_private(void **state)
{
	struct safedir h, aws;
	struct buf b;
	struct stat st;
	char p[256];

	(void)state;
	open_home_and_aws(&h, &aws);
	buf_init(&b, 0);
	assert_int_equal(safefile_replace(&aws, "credentials", "new\n", 4, 0600, err, sizeof(err)),
	                 PAI_OK);
	assert_int_equal(safefile_read(&aws, "credentials", 0, &b, err, sizeof(err)), PAI_OK);
	assert_string_equal(b.data, "new\n");
	path_of(p, sizeof(p), ".aws/credentials");
	assert_int_equal(chmod(p, 0644), 0);
	assert_int_equal(
	    safefile_replace(&aws, "credentials", "newer\n", 6, 0600, err, sizeof(err)), PAI_OK);
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(safefile_read(&aws, "credentials", 0, &b, err, sizeof(err)), PAI_OK);
	assert_string_equal(b.data, "newer\n");
	assert_int_equal(entries(".aws"), 1); /* no temporary file left */

	/* a symlink or FIFO in the file's place is refused, its target untouched */
	put("target", "keep");
	unlink(p);
	{
		char t[256];

		path_of(t, sizeof(t), "target");
		assert_int_equal(symlink(t, p), 0);
	}
	assert_int_equal(safefile_replace(&aws, "credentials", "x", 1, 0600, err, sizeof(err)),
	                 PAI_ERR_FILE);
	assert_non_null(strstr(err, "a symbolic link"));
	assert_int_equal(safefile_read(&h, "target", 0, &b, err, sizeof(err)), PAI_OK);
	assert_string_equal(b.data, "keep");
	unlink(p);
	assert_int_equal(mkfifo(p, 0600), 0);
	assert_int_equal(safefile_replace(&aws, "credentials", "x", 1, 0600, err, sizeof(err)),
	                 PAI_ERR_FILE);
	assert_non_null(strstr(err, "a FIFO"));
	unlink(p);
	assert_int_equal(entries(".aws"), 0);
	buf_free(&b);
	safedir_close(&aws);
	safedir_close(&h);
}

static void create_new_is_exclusive(void **state)
{
	struct safedir h, aws;
	struct stat st;
	char p[256];

	(void)state;
	open_home_and_aws(&h, &aws);
	assert_int_equal(safefile_create_new(&aws, "console-initial-password", "pw\n", 3, 0600, err,
	                                     sizeof(err)),
	                 PAI_OK);
	path_of(p, sizeof(p), ".aws/console-initial-password");
	assert_int_equal(stat(p, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_size, 3);
	assert_int_equal(
	    safefile_create_new(&aws, "console-initial-password", "x", 1, 0600, err, sizeof(err)),
	    PAI_ERR_EXISTS);
	assert_non_null(strstr(err, "already exists"));
	unlink(p);
	assert_int_equal(symlink("/tmp/pai-nonexistent-target", p), 0);
	assert_int_equal(
	    safefile_create_new(&aws, "console-initial-password", "x", 1, 0600, err, sizeof(err)),
	    PAI_ERR_EXISTS);
	assert_int_equal(access("/tmp/pai-nonexistent-target", F_OK), -1);
	unlink(p);
	safedir_close(&aws);
	safedir_close(&h);
}

/* In a child with RLIMIT_FSIZE (SIGXFSZ ignored): writes past the limit fail with EFBIG. */
static void full_disk_leaves_old_file_whole(void **state)
{
	struct safedir h, aws;
	struct buf b;
	pid_t pid;
	int status;
	static char big[256 * 1024];

	(void)state;
	open_home_and_aws(&h, &aws);
	assert_int_equal(safefile_replace(&aws, "credentials", "old\n", 4, 0600, err, sizeof(err)),
	                 PAI_OK);
	memset(big, 'k', sizeof(big));
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct rlimit rl = {64 * 1024, 64 * 1024};

		signal(SIGXFSZ, SIG_IGN);
		if (setrlimit(RLIMIT_FSIZE, &rl) != 0)
			_exit(3);
		if (safefile_replace(&aws, "credentials", big, sizeof(big), 0600, err,
		                     sizeof(err)) != PAI_ERR_FILE)
			_exit(1);
		if (!strstr(err, "the old file is unchanged"))
			_exit(2);
		if (safefile_create_new(&aws, "pw", big, sizeof(big), 0600, err, sizeof(err)) !=
		    PAI_ERR_FILE)
			_exit(4);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	buf_init(&b, 0);
	assert_int_equal(safefile_read(&aws, "credentials", 0, &b, err, sizeof(err)), PAI_OK);
	assert_string_equal(b.data, "old\n");
	assert_int_equal(entries(".aws"), 1); /* temporary and partial files removed */
	buf_free(&b);
	safedir_close(&aws);
	safedir_close(&h);
}

/* As root: a real full file system (a 64 KiB tmpfs) gives ENOSPC. */
static void full_tmpfs_leaves_old_file_whole(void **state)
{
	struct safedir h, aws;
	struct buf b;
	char mnt[128];
	static char big[256 * 1024];

	(void)state;
	if (geteuid() != 0)
		skip();
	snprintf(mnt, sizeof(mnt), "%s/mnt", home);
	assert_int_equal(mkdir(mnt, 0700), 0);
	if (mount("tmpfs", mnt, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=0700") != 0) {
		print_message("tmpfs test skipped: mount not permitted here\n");
		rmdir(mnt);
		skip();
	}
	assert_int_equal(safedir_open_home(&h, mnt, 0, err, sizeof(err)), PAI_OK);
	assert_int_equal(safedir_open_sub(&aws, &h, ".aws", true, err, sizeof(err)), PAI_OK);
	assert_int_equal(safefile_replace(&aws, "credentials", "old\n", 4, 0600, err, sizeof(err)),
	                 PAI_OK);
	memset(big, 'k', sizeof(big));
	assert_int_equal(
	    safefile_replace(&aws, "credentials", big, sizeof(big), 0600, err, sizeof(err)),
	    PAI_ERR_FILE);
	assert_non_null(strstr(err, "No space left on device"));
	buf_init(&b, 0);
	assert_int_equal(safefile_read(&aws, "credentials", 0, &b, err, sizeof(err)), PAI_OK);
	assert_string_equal(b.data, "old\n");
	buf_free(&b);
	safedir_close(&aws);
	safedir_close(&h);
	assert_int_equal(umount(mnt), 0);
	rmdir(mnt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(home_must_be_a_real_directory_of_the_user, setup,
	                                    teardown),
	    cmocka_unit_test_setup_teardown(aws_dir_is_created_0700_and_checked, setup, teardown),
	    cmocka_unit_test_setup_teardown(trust_judges_the_descriptor_and_every_directory_above,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(read_refuses_what_is_not_a_plain_file_of_the_user,
	                                    setup, teardown),
	    cmocka_unit_test_setup_teardown(replace_is_atomic_and_private, setup, teardown),
	    cmocka_unit_test_setup_teardown(create_new_is_exclusive, setup, teardown),
	    cmocka_unit_test_setup_teardown(full_disk_leaves_old_file_whole, setup, teardown),
	    cmocka_unit_test_setup_teardown(full_tmpfs_leaves_old_file_whole, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
