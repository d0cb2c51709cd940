# shellcheck shell=bash disable=SC2154,SC2034  # the caller sets the inputs and reads the outputs
# Shared by run-benchmark.sh and run-daemon-benchmark.sh (sourced, not run): the reference workload of
# tests/SocketAgent.Workload — building it, checking the host's limits for it, starting it and stopping it — and the
# native publish of the program under test. The caller defines log() and die(), and sets repo_root, artifacts,
# work_dir, processes, tcp_connections, udp, unix and ready_timeout before calling these functions.

workload_pid=""
workload_in=""
workload_out=""
workload_children=""
workload_tag=""

# bench_rid: the .NET runtime identifier of this machine.
bench_rid() {
    case $(uname -m) in
        x86_64) echo linux-x64 ;;
        aarch64) echo linux-arm64 ;;
        *) die "unsupported architecture $(uname -m)" ;;
    esac
}

# publish_native PROJECT OUT_DIR: native AOT publish of PROJECT (a path under the repo) into OUT_DIR.
publish_native() {
    local project=$1 out_dir=$2
    command -v dotnet >/dev/null || die "dotnet not found"
    log "publishing $(basename "$project" .csproj) ($(bench_rid), AOT) to $out_dir"
    if ! dotnet publish "$repo_root/$project" -c Release -r "$(bench_rid)" -p:PublishAot=true \
            -o "$out_dir" >"$work_dir/publish.log" 2>&1; then
        tail -n 40 "$work_dir/publish.log" >&2
        die "AOT publish of $project failed (log above)"
    fi
}

# workload_binary: prints the workload's path ($WORKLOAD_BIN, or a Release build into $artifacts/workload).
workload_binary() {
    local bin
    if [[ -n ${WORKLOAD_BIN:-} ]]; then
        bin=$WORKLOAD_BIN
    else
        command -v dotnet >/dev/null || die "dotnet not found (or set WORKLOAD_BIN)"
        log "building the workload (Release) to $artifacts/workload"
        if ! dotnet build "$repo_root/tests/SocketAgent.Workload/SocketAgent.Workload.csproj" -c Release \
                -o "$artifacts/workload" >"$work_dir/build.log" 2>&1; then
            tail -n 40 "$work_dir/build.log" >&2
            die "build of tests/SocketAgent.Workload failed (log above)"
        fi
        bin="$artifacts/workload/SocketAgent.Workload"
    fi
    [[ -x $bin ]] || die "workload binary not found or not executable: $bin"
    echo "$bin"
}

# check_workload_limits: raises the open-files limit and checks the port range fit the workload. Sets hard_nofile,
# port_low, port_high and somaxconn for the report.
check_workload_limits() {
    # The busiest child holds 2 fds per TCP connection and UNIX pair, 1 per UDP socket, listeners, and the runtime's own.
    local per_child_fds=$(( 2 * ((tcp_connections + processes - 1) / processes) + (udp + processes - 1) / processes
                            + 2 * ((unix + processes - 1) / processes) + 256 ))
    hard_nofile=$(ulimit -Hn)
    [[ $hard_nofile == unlimited ]] && hard_nofile=$(cat /proc/sys/fs/nr_open)
    ulimit -n "$hard_nofile" || die "could not raise the open-files limit to $hard_nofile"
    ((hard_nofile >= per_child_fds)) ||
        die "open-files limit $hard_nofile is below the $per_child_fds one workload process needs; use more --processes or raise the hard limit"

    read -r port_low port_high </proc/sys/net/ipv4/ip_local_port_range
    somaxconn=$(cat /proc/sys/net/core/somaxconn)
    # Connections to distinct listener ports may share a source port, so one listener's share is what must fit.
    if (( port_high - port_low + 1 < (tcp_connections + processes - 1) / processes )); then
        die "net.ipv4.ip_local_port_range ($port_low-$port_high) is too small for $((tcp_connections / processes)) connections per listener"
    fi
}

# start_workload BINARY TAG: starts the workload and waits until it holds its sockets. Sets workload_sockets
# (how many it reported), setup_ms and sockets_before (the host's sockets before it). Stop it with stop_workload (from the caller's EXIT trap).
start_workload() {
    local bin=$1
    workload_tag=$2
    sockets_before=$(ss -tuwaxnH | wc -l)
    if ((sockets_before > 1000)); then
        log "warning: the host already has $sockets_before sockets; results will not match the reference workload"
    fi
    mkfifo "$work_dir/workload.stdin" "$work_dir/workload.stdout"
    log "starting workload: $processes processes, $tcp_connections TCP connections, $udp UDP, $unix UNIX pairs"
    local setup_start=$EPOCHREALTIME
    # DOTNET_EnableDiagnostics=0: the runtime's diagnostics endpoint would add one UNIX listener to the coordinator.
    DOTNET_EnableDiagnostics=0 "$bin" --processes "$processes" --tcp-connections "$tcp_connections" \
        --udp "$udp" --unix "$unix" --unix-dir "$work_dir" --tag "$workload_tag" \
        --ready-timeout "$ready_timeout" \
        <"$work_dir/workload.stdin" >"$work_dir/workload.stdout" 2>"$work_dir/workload.log" &
    workload_pid=$!
    # Our write end is the workload's stdin: it stops when we close it, and also if this script dies.
    exec {workload_in}>"$work_dir/workload.stdin"
    exec {workload_out}<"$work_dir/workload.stdout"

    local ready_line=""
    if ! IFS= read -r -t "$((ready_timeout + 10))" -u "$workload_out" ready_line || [[ ! $ready_line =~ ^READY\ ([0-9]+)$ ]]; then
        cat "$work_dir/workload.log" >&2 || true
        die "workload did not become ready (got '${ready_line}'; its log is above)"
    fi
    workload_sockets=${BASH_REMATCH[1]}
    setup_ms=$(( (${EPOCHREALTIME/./} - ${setup_start/./}) / 1000 ))
    workload_children=$(pgrep -P "$workload_pid" | tr '\n' ' ' || true)
    log "workload ready: $workload_sockets sockets in ${setup_ms} ms (process start included)"
}

# stop_workload: stops and reaps the workload and its children, if started. Safe to call twice.
stop_workload() {
    [[ -n $workload_pid ]] || return 0
    # Closing its stdin is the polite stop (it stops and reaps its children); then SIGTERM, then SIGKILL.
    [[ -n $workload_in ]] && exec {workload_in}>&-
    [[ -n $workload_out ]] && exec {workload_out}<&-
    local signal i
    for signal in TERM KILL; do
        for ((i = 0; i < 100; i++)); do
            kill -0 "$workload_pid" 2>/dev/null || break 2
            sleep 0.1
        done
        log "workload $workload_pid still running; sending SIG$signal"
        kill "-$signal" "$workload_pid" 2>/dev/null || true
    done
    wait "$workload_pid" 2>/dev/null || true
    # The children die with the coordinator (PR_SET_PDEATHSIG); make sure, by pid and tag.
    local pid
    for pid in $workload_children; do
        if grep -qs -- "$workload_tag" "/proc/$pid/cmdline"; then
            log "killing leftover workload child $pid"
            kill -KILL "$pid" 2>/dev/null || true
        fi
    done
    workload_pid=""
}
