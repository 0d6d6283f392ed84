#!/bin/sh
# Median wall time of pam_open_session with pam_aws_iam.so, through real libpam
# (build/pam-session), over N runs. What a login pays for the module plus the helper.
#
#   HELPER=path  helper to run (default: a trivial script that prints a sign-in URL,
#                which measures the module's own fork/exec/relay overhead)
#   CONFIG=path  passed as config= (optional)
#   PAM_USER=name  session user (default: nobody when root, else the caller; the module
#                  never runs the helper for root)
#   N=20  runs;  B=build  build dir
# Prints one line per run with -v, then "pam_open_session median: X.XX ms (N runs)".
set -eu
N=${N:-20}
B=${B:-build}
top=$(cd "$(dirname "$0")/../.." && pwd)
case $B in /*) ;; *) B=$top/$B ;; esac
module=$B/pam_aws_iam.so
driver=$B/pam-session
for f in "$module" "$driver"; do
	[ -e "$f" ] || { echo "pam_fastpath: $f missing (make B=... all)" >&2; exit 1; }
done
if [ "$(id -u)" -eq 0 ]; then user=${PAM_USER:-nobody}; else user=${PAM_USER:-$(id -un)}; fi

work=$(mktemp -d /tmp/pai-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT INT TERM
chmod 755 "$work"
if [ -z "${HELPER:-}" ]; then
	HELPER=$work/helper
	printf '#!/bin/sh\necho "Sign in: https://123456789012.signin.aws.amazon.com/console"\n' >"$HELPER"
	chmod 755 "$HELPER"
fi
opts="helper=$HELPER quiet"
[ -n "${CONFIG:-}" ] && opts="$opts config=$CONFIG"
echo "session required $module $opts" >"$work/bench"
echo "#" >"$work/other"

i=0
: >"$work/times"
while [ "$i" -lt "$N" ]; do
	out=$("$driver" --time "$work" bench "$user") || {
		echo "pam_fastpath: run $i failed:" >&2
		echo "$out" >&2
		exit 1
	}
	us=$(echo "$out" | sed -n 's/^open_session_us: //p')
	[ "${V:-}" ] && echo "run $i: $us us"
	echo "$us" >>"$work/times"
	i=$((i + 1))
done
sort -n "$work/times" | awk -v n="$N" '
	{ t[NR] = $1 }
	END {
		m = (n % 2) ? t[(n + 1) / 2] : (t[n / 2] + t[n / 2 + 1]) / 2
		printf "pam_open_session median: %.2f ms (%d runs, min %.2f, max %.2f)\n",
		       m / 1000, n, t[1] / 1000, t[n] / 1000
	}'
