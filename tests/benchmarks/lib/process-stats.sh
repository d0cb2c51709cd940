# shellcheck shell=bash
# Per-process figures read from /proc, shared by the benchmarks that sample a running agent (sourced, not run).

# cpu_ticks PID: utime + stime in clock ticks (fields 14 and 15 of /proc/PID/stat, counted after the command name's
# closing parenthesis, which may itself hold spaces).
cpu_ticks() { sed 's/^.*) //' "/proc/$1/stat" | awk '{ print $12 + $13 }'; }

# hwm_kib PID: VmHWM, the peak resident set so far, in KiB.
hwm_kib() { awk '/^VmHWM:/ { print $2 }' "/proc/$1/status"; }
