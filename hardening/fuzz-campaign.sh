#!/bin/sh
# fuzz-campaign.sh runs Fuzz* targets one at a time with -parallel 1 (the
# machine's cores are shared) and prints one summary line per target:
#
#   pkg target duration execs new_interesting corpus_total result
#
# Usage: hardening/fuzz-campaign.sh [-t FUZZTIME] [-l LOGDIR] [pkg:Target ...]
# With no targets, every Fuzz* target of every package (go test -list).
# A crasher is left by go test in the package's testdata/fuzz/<Target>/ and
# makes the script exit non-zero after the remaining targets have run.
set -u
FUZZTIME=150s
LOGDIR=${TMPDIR:-/tmp}/hotpath-fuzz
while getopts t:l: o; do
	case $o in
	t) FUZZTIME=$OPTARG ;;
	l) LOGDIR=$OPTARG ;;
	*) echo "usage: $0 [-t FUZZTIME] [-l LOGDIR] [pkg:Target ...]" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
GO=${GO:-go}
mkdir -p "$LOGDIR"

targets=$*
if [ -z "$targets" ]; then
	for pkg in $($GO list ./...); do
		for f in $($GO test -list '^Fuzz' "$pkg" 2>/dev/null | grep '^Fuzz' || true); do
			targets="$targets $pkg:$f"
		done
	done
fi

status=0
for t in $targets; do
	pkg=${t%%:*}
	fn=${t#*:}
	log="$LOGDIR/$(echo "$pkg" | tr '/.' '__')-$fn.log"
	$GO test -run '^$' -fuzz "^$fn\$" -fuzztime "$FUZZTIME" -parallel 1 "$pkg" >"$log" 2>&1
	rc=$?
	last=$(grep 'fuzz: elapsed' "$log" | tail -n 1)
	execs=$(echo "$last" | sed -n 's/.*execs: \([0-9]*\).*/\1/p')
	newi=$(echo "$last" | sed -n 's/.*new interesting: \([0-9]*\).*/\1/p')
	total=$(echo "$last" | sed -n 's/.*(total: \([0-9]*\)).*/\1/p')
	if [ $rc -eq 0 ]; then
		result=ok
	elif grep -q 'Failing input written to' "$log"; then
		result="CRASHER:$(sed -n 's/.*Failing input written to \(.*\)/\1/p' "$log" | head -n 1)"
		status=1
	else
		result="ERROR(see $log)"
		status=1
	fi
	echo "$pkg $fn $FUZZTIME ${execs:-?} ${newi:-?} ${total:-?} $result"
done
exit $status
