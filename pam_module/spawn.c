/* SPDX-License-Identifier: MIT */
/* spawn.c — start a child, sanitise it, become the user, execve the helper; read its output
 * against a deadline; kill and reap. The Linux-PAM helper pattern (pam_mkhomedir, unix_chkpwd),
 * with a deadline, since a login must never wait on the network.
 *
 * The child is started the way posix_spawn does it: clone(CLONE_VM | CLONE_VFORK) on a stack
 * of its own. Copying the page tables of a large login process (sshd with OpenSSL) costs more
 * than everything else here together, and the application's pthread_atfork handlers do not
 * run. The price: until execve the child shares the parent's memory, so it makes system calls
 * only, writes nothing but its own stack, and changes identity with raw system calls (glibc's
 * set*id wrappers would signal the parent's threads to change theirs too). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sched.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "spawn.h"

#define CHILD_FAILED     127   /* exit status when the child cannot get as far as the helper */
#define OPEN_MAX_CAP     65536 /* last-resort close loop bound */
#define SLICE_BYTES      (64 * 1024)  /* read per wakeup before looking at the clock again */
#define DRAIN_BYTES      (256 * 1024) /* read after the helper exited: what it wrote last */
#define NO_PIDFD_POLL_MS 20           /* exit check interval when the kernel has no pidfd_open */
#define CHILD_STACK      (128 * 1024) /* the child's stack until execve; lowest page a guard */
#define GUARD_PAGE       4096

/* 32-bit ABIs keep 16-bit ids on the historic numbers and full ones on the *32 calls. */
#ifdef SYS_setresuid32
#define NR_SETGROUPS SYS_setgroups32
#define NR_SETRESGID SYS_setresgid32
#define NR_SETRESUID SYS_setresuid32
#else
#define NR_SETGROUPS SYS_setgroups
#define NR_SETRESGID SYS_setresgid
#define NR_SETRESUID SYS_setresuid
#endif

/* ---- the child: until execve only system calls, no allocation, no shared state ---- */

static void child_write(const char *s)
{
	size_t n = strlen(s);

	while (n > 0) {
		ssize_t w = write(STDERR_FILENO, s, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		n -= (size_t)w;
	}
}

/* Says why on stderr when stderr is already the pipe, then exits. */
static __attribute__((noreturn)) void child_fail(int stderr_is_pipe, const char *why)
{
	if (stderr_is_pipe) {
		child_write("pam_aws_iam: ");
		child_write(why);
		child_write("\n");
	}
	_exit(CHILD_FAILED);
}

static void child_reset_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = SIG_DFL;
	sigemptyset(&sa.sa_mask);
	/* SIGKILL and SIGSTOP refuse; that is fine. */
	for (int sig = 1; sig < NSIG; sig++)
		(void)sigaction(sig, &sa, NULL);
	/* The C library refuses its own signals (32, 33) in sigaction(), but an ignored one
	 * would still be inherited across execve: reset those with the raw system call. */
	struct {
		/* cppcheck-suppress unusedStructMember */
		void (*handler)(int);
		/* cppcheck-suppress unusedStructMember */
		unsigned long flags;
		/* cppcheck-suppress unusedStructMember */
		void (*restorer)(void);
		unsigned long mask;
	} k = {SIG_DFL, 0, NULL, 0};
	for (int sig = 32; sig < SIGRTMIN; sig++)
		(void)syscall(SYS_rt_sigaction, sig, &k, NULL, sizeof(k.mask));
}

static int parse_fd(const char *name)
{
	int fd = 0;

	if (*name == '\0')
		return -1;
	for (; *name; name++) {
		if (*name < '0' || *name > '9' || fd > (INT_MAX - 9) / 10)
			return -1;
		fd = fd * 10 + (*name - '0');
	}
	return fd;
}

/* Closes every descriptor from 3 up. close_range when the kernel has it (5.9), else the list
 * in /proc/self/fd read with getdents64 (opendir allocates), else a bounded loop. */
static int child_close_from_3(long open_max)
{
	if (close_range(3, ~0U, 0) == 0)
		return 0;

	int dfd = open("/proc/self/fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		char buf[4096] __attribute__((aligned(8)));
		ssize_t n;

		while ((n = getdents64(dfd, buf, sizeof(buf))) > 0) {
			for (ssize_t off = 0; off < n;) {
				const struct dirent64 *d = (const struct dirent64 *)(buf + off);
				int fd = parse_fd(d->d_name);

				if (fd >= 3 && fd != dfd)
					(void)close(fd);
				off += d->d_reclen;
			}
		}
		(void)close(dfd);
		return n == 0 ? 0 : -1;
	}
	for (long fd = 3; fd < open_max; fd++)
		(void)close((int)fd);
	return 0;
}

/* setgroups (the user's primary group only), setresgid, setresuid, each checked, then proof
 * that root cannot come back. Raw system calls: they change this task's credentials and
 * nobody else's. */
static void child_become_user(const struct spawn_req *r)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (syscall(NR_SETGROUPS, 1, &r->gid) != 0)
		child_fail(1, "cannot set the user's groups");
	if (syscall(NR_SETRESGID, r->gid, r->gid, r->gid) != 0)
		child_fail(1, "cannot set the user's group id");
	if (syscall(NR_SETRESUID, r->uid, r->uid, r->uid) != 0)
		child_fail(1, "cannot set the user's id");
	if (getresuid(&ru, &eu, &su) != 0 || ru != r->uid || eu != r->uid || su != r->uid)
		child_fail(1, "user id did not change");
	if (getresgid(&rg, &eg, &sg) != 0 || rg != r->gid || eg != r->gid || sg != r->gid)
		child_fail(1, "group id did not change");
	if (r->uid != 0 && (syscall(NR_SETRESUID, 0, 0, 0) == 0 ||
	                    syscall(NR_SETRESUID, (uid_t)-1, 0, (uid_t)-1) == 0))
		child_fail(1, "root privileges could be regained");
}

static __attribute__((noreturn)) void child_run(const struct spawn_req *r, int out_w, int err_w,
                                                long open_max)
{
	static char path_env[] = SPAWN_PATH_ENV;
	char *const envp[] = {path_env, NULL};
	sigset_t none;

	child_reset_signals();

	/* Lift every descriptor we need above 2 first: the application may have closed its
	 * stdio, so a pipe end can sit on 0, 1 or 2. */
	int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
	if (nul < 0)
		child_fail(0, "cannot open /dev/null");
	nul = fcntl(nul, F_DUPFD_CLOEXEC, 3);
	out_w = fcntl(out_w, F_DUPFD_CLOEXEC, 3);
	err_w = fcntl(err_w, F_DUPFD_CLOEXEC, 3);
	if (nul < 0 || out_w < 0 || err_w < 0)
		child_fail(0, "cannot move descriptors");
	if (dup2(err_w, STDERR_FILENO) < 0)
		child_fail(0, "cannot set up stderr");
	if (dup2(nul, STDIN_FILENO) < 0 || dup2(out_w, STDOUT_FILENO) < 0)
		child_fail(1, "cannot set up stdin and stdout");
	if (child_close_from_3(open_max) != 0)
		child_fail(1, "cannot close inherited descriptors");

	/* Own session: no controlling terminal to write to, and one process group the parent
	 * can kill at the deadline, grandchildren included. */
	if (setsid() < 0)
		child_fail(1, "cannot start a new session");
	if (chdir("/") != 0)
		child_fail(1, "cannot change to /");
	umask(077);
	if (r->become_user)
		child_become_user(r);

	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) != 0)
		child_fail(1, "cannot reset the signal mask");
	execve(r->path, r->argv, envp);
	child_fail(1, errno == ENOENT   ? "cannot execute the helper: no such file"
	              : errno == EACCES ? "cannot execute the helper: permission denied"
	                                : "cannot execute the helper");
}

struct child_args {
	const struct spawn_req *req;
	int out_w, err_w;
	long open_max;
};

static int child_main(void *p)
{
	const struct child_args *a = p;

	child_run(a->req, a->out_w, a->err_w, a->open_max);
}

/* ---- the parent ---- */

/* Starts child_main on its own stack; returns when it has called execve or exited. */
static pid_t start_child(struct child_args *args)
{
	char *stack = mmap(NULL, CHILD_STACK, PROT_READ | PROT_WRITE,
	                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	pid_t pid;
	int saved;

	if (stack == MAP_FAILED)
		return -1;
	if (mprotect(stack, GUARD_PAGE, PROT_NONE) != 0) {
		saved = errno;
		munmap(stack, CHILD_STACK);
		errno = saved;
		return -1;
	}
	pid = clone(child_main, stack + CHILD_STACK, CLONE_VM | CLONE_VFORK | SIGCHLD, args);
	saved = errno;
	munmap(stack, CHILD_STACK); /* CLONE_VFORK: the child is done with it */
	errno = saved;
	return pid;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		(void)close(*fd);
	*fd = -1;
}

/* Reads up to budget bytes that are ready on *fd into c; closes *fd at end of file. */
static void read_ready(int *fd, struct capture *c, size_t budget)
{
	char buf[16384];
	size_t total = 0;

	while (*fd >= 0 && total < budget) {
		ssize_t n = read(*fd, buf, sizeof(buf));

		if (n > 0) {
			capture_add(c, buf, (size_t)n);
			total += (size_t)n;
		} else if (n < 0 && errno == EINTR) {
			continue;
		} else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			return;
		} else {
			close_fd(fd);
		}
	}
}

enum watch_end {
	CHILD_RUNNING, /* only from child_state */
	CHILD_ENDED,   /* exited or killed, not reaped yet */
	CHILD_LOST,    /* reaped by someone else in the application: its pid is not ours */
	DEADLINE,      /* still running at the deadline */
	POLL_BROKE,    /* poll failed (errno) */
};

/* Whether the child has ended; it stays a zombie (WNOWAIT) so its pid, and so its process
 * group id, cannot be reused before we kill the group. */
static enum watch_end child_state(pid_t pid)
{
	siginfo_t si;

	memset(&si, 0, sizeof(si));
	if (waitid(P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT) != 0)
		return errno == ECHILD ? CHILD_LOST : CHILD_RUNNING;
	return si.si_pid == pid ? CHILD_ENDED : CHILD_RUNNING;
}

/* Reads both pipes until the child ends or the deadline passes. */
static enum watch_end watch(pid_t pid, int64_t deadline, int *outfd, int *errfd,
                            struct spawn_result *res)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0); /* -1 before Linux 5.3: we poll */
	enum watch_end ret;

	for (;;) {
		struct pollfd p[3];
		nfds_t n = 0;
		int64_t left;

		ret = child_state(pid);
		if (ret != CHILD_RUNNING)
			break;
		left = deadline - now_ms();
		if (left <= 0) {
			ret = DEADLINE;
			break;
		}
		if (*outfd >= 0)
			p[n++] = (struct pollfd){.fd = *outfd, .events = POLLIN};
		if (*errfd >= 0)
			p[n++] = (struct pollfd){.fd = *errfd, .events = POLLIN};
		if (pidfd >= 0)
			p[n++] = (struct pollfd){.fd = pidfd, .events = POLLIN};
		else if (left > NO_PIDFD_POLL_MS)
			left = NO_PIDFD_POLL_MS;
		if (left > INT_MAX)
			left = INT_MAX;

		if (poll(p, n, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			ret = POLL_BROKE;
			break;
		}
		for (nfds_t i = 0; i < n; i++) {
			if (p[i].revents == 0)
				continue;
			if (p[i].fd == *outfd)
				read_ready(outfd, &res->out, SLICE_BYTES);
			else if (p[i].fd == *errfd)
				read_ready(errfd, &res->err, SLICE_BYTES);
		}
	}
	int saved = errno;
	close_fd(&pidfd);
	errno = saved;
	return ret;
}

static void wait_for_child(const struct spawn_req *req, pid_t pid, int outfd, int errfd,
                           struct spawn_result *res)
{
	int64_t deadline = now_ms() + req->timeout_ms;
	enum watch_end end;
	int status = 0;
	int watch_errno;

	(void)fcntl(outfd, F_SETFL, O_NONBLOCK);
	(void)fcntl(errfd, F_SETFL, O_NONBLOCK);
	end = watch(pid, deadline, &outfd, &errfd, res);
	watch_errno = errno;
	if (end == CHILD_ENDED || end == CHILD_LOST) {
		read_ready(&outfd, &res->out, DRAIN_BYTES);
		read_ready(&errfd, &res->err, DRAIN_BYTES);
	}
	close_fd(&outfd);
	close_fd(&errfd);
	if (end == CHILD_LOST) {
		/* Its pid may already name another process: signal nothing. */
		res->how = SPAWN_FAILED;
		res->code = ECHILD;
		return;
	}

	/* At the deadline: the helper and its group. After an exit: whatever it left behind in
	 * its group. The leader is still unreaped, so -pid names only its group. */
	(void)kill(-pid, SIGKILL);
	if (end != CHILD_ENDED)
		(void)kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0) {
		if (errno == EINTR)
			continue;
		res->how = SPAWN_FAILED;
		res->code = errno;
		return;
	}

	if (end == DEADLINE) {
		res->how = SPAWN_TIMEOUT;
		res->code = 0;
	} else if (end == POLL_BROKE) {
		res->how = SPAWN_FAILED;
		res->code = watch_errno;
	} else if (WIFEXITED(status)) {
		res->how = SPAWN_EXITED;
		res->code = WEXITSTATUS(status);
	} else {
		res->how = SPAWN_SIGNALED;
		res->code = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	}
}

void spawn_run(const struct spawn_req *req, struct spawn_result *res)
{
	int out[2] = {-1, -1}, err[2] = {-1, -1};
	struct sigaction dfl, old_chld;
	sigset_t all, old_mask;
	struct child_args args;
	int chld_saved = 0;
	long open_max = sysconf(_SC_OPEN_MAX);
	pid_t pid;

	capture_init(&res->out, CAPTURE_KEEP_HEAD);
	capture_init(&res->err, CAPTURE_KEEP_TAIL);
	res->how = SPAWN_FAILED;
	res->code = 0;
	if (open_max < 0 || open_max > OPEN_MAX_CAP)
		open_max = OPEN_MAX_CAP;

	if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) {
		res->code = errno;
		goto out;
	}
	/* SIGCHLD at its default for the wait: the application's handler must not reap (or even
	 * see) our child, and SIG_IGN would make the kernel reap it before we can. */
	memset(&dfl, 0, sizeof(dfl));
	dfl.sa_handler = SIG_DFL;
	sigemptyset(&dfl.sa_mask);
	if (sigaction(SIGCHLD, &dfl, &old_chld) != 0) {
		res->code = errno;
		goto out;
	}
	chld_saved = 1;

	/* Every signal blocked across the start, so none of the application's handlers runs in
	 * the child (on the parent's memory) before the child resets them. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old_mask);
	args =
	    (struct child_args){.req = req, .out_w = out[1], .err_w = err[1], .open_max = open_max};
	pid = start_child(&args);
	res->code = errno;
	pthread_sigmask(SIG_SETMASK, &old_mask, NULL);
	if (pid < 0)
		goto out;
	res->code = 0;
	close_fd(&out[1]);
	close_fd(&err[1]);
	wait_for_child(req, pid, out[0], err[0], res);
	out[0] = err[0] = -1; /* closed by wait_for_child */
out:
	close_fd(&out[0]);
	close_fd(&out[1]);
	close_fd(&err[0]);
	close_fd(&err[1]);
	if (chld_saved)
		(void)sigaction(SIGCHLD, &old_chld, NULL);
}
