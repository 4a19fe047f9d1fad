#!/bin/sh
# Vulcan's shell entrypoint (/vulcan/entry.sh in the vulcan/busybox image).
#
# The daemon bind-mounts a private directory at /vulcan/io holding main.sh (the workload's script)
# and input.json. A script that does not parse is refused before it runs (syntax.txt gets the shell's
# complaint, which the daemon reports as syntax_error). Otherwise the script runs with the input JSON
# on stdin and in $VULCAN_INPUT (when under 100 kB: the environment has a size limit); what it
# writes to stdout is the output (one JSON string) and also the log, and its exit code is the result.
io=/vulcan/io
if ! /bin/sh -n "$io/main.sh" 2>"$io/syntax.txt"; then
  cat "$io/syntax.txt" >&2
  exit 2
fi
rm -f "$io/syntax.txt"
if [ "$(wc -c < "$io/input.json")" -lt 100000 ]; then
  VULCAN_INPUT="$(cat "$io/input.json")"
  export VULCAN_INPUT
fi
cd /tmp
exec /bin/sh "$io/main.sh" < "$io/input.json"
