package dev.lorapar.eval.sandbox;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * One way to start the child: the command before the wrapper shell, whether the wrapper makes the mounts read-only,
 * and which user runs the program. Every mode starts with {@code setsid}, so the child leads a new session and process
 * group.
 *
 * <ul>
 * <li>{@link Kind#USER_NAMESPACE}: {@code unshare -rmnpf --kill-child --mount-proc}: new user, mount, network and PID
 *     namespaces; a root JVM first drops to {@code nobody} with {@code setpriv}, so the namespace's root maps to an
 *     unprivileged user.
 * <li>{@link Kind#ROOT_NAMESPACES}: a root JVM without user namespaces: {@code unshare -mnpf}; the wrapper makes the
 *     mounts read-only as root and then drops to {@code nobody} with {@code setpriv}.
 * <li>{@link Kind#PLAIN}: no namespaces; only limits, the process group, and (for a root JVM) the user drop.
 * </ul>
 */
record LaunchMode(Kind kind, String python, int dropToUid, java.util.Map<String, String> tools) {
    enum Kind { USER_NAMESPACE, ROOT_NAMESPACES, PLAIN }

    /** uid and gid of {@code nobody}, the user a root JVM's programs run as. */
    static final int NOBODY = 65534;

    /**
     * The wrapper: $1 dir, $2 ro|none, $3 inner drop uid or -, $4 CPU s, $5 address space KiB, $6 processes,
     * $7 file KiB, $8 python. The CPU soft limit (SIGXCPU) sits one second under the hard one (SIGKILL); Python
     * starts with a cleared environment but for PATH, HOME, TMPDIR, LANG and LC_ALL. Exit 125 with a "lorapar-sandbox:" line when the set-up fails. It waits for Python
     * (rather than exec) so a death by signal n comes back as exit code 128 + n.
     */
    static final String WRAPPER = """
            set -u
            dir=$1; mounts=$2; drop=$3; python=$8
            if [ "$mounts" = ro ]; then
              mount --bind "$dir" "$dir" || { echo "lorapar-sandbox: cannot bind $dir" >&2; exit 125; }
              mapfile -t lines < /proc/self/mountinfo
              for line in "${lines[@]}"; do
                read -r _ _ _ _ mp _ <<< "$line"
                [ "$mp" = "$dir" ] && continue
                mount -o remount,bind,ro "$mp" 2>/dev/null || { echo "lorapar-sandbox: cannot make $mp read-only" >&2; exit 125; }
              done
            fi
            ulimit -c 0 -v "$5" -u "$6" -f "$7" && ulimit -S -t "$4" && ulimit -H -t $(($4 + 1)) || { echo "lorapar-sandbox: ulimit failed" >&2; exit 125; }
            cd "$dir" || { echo "lorapar-sandbox: cannot enter $dir" >&2; exit 125; }
            clean=(env -i "PATH=$PATH" "HOME=$HOME" "TMPDIR=$TMPDIR" "LANG=$LANG" "LC_ALL=$LC_ALL")
            if [ "$drop" != - ]; then
              setpriv --reuid="$drop" --regid="$drop" --clear-groups --no-new-privs -- "${clean[@]}" "$python" -I -B main.py
            else
              "${clean[@]}" "$python" -I -B main.py
            fi
            exit $?
            """;

    boolean networkIsolated() {
        return kind != Kind.PLAIN;
    }

    boolean filesystemReadOnly() {
        return kind != Kind.PLAIN;
    }

    boolean pidNamespace() {
        return kind != Kind.PLAIN;
    }

    boolean separateUser() {
        return dropToUid >= 0;
    }

    String describe() {
        return switch (kind) {
            case USER_NAMESPACE -> "unshare user+mount+network+pid namespaces";
            case ROOT_NAMESPACES -> "unshare mount+network+pid namespaces (root), setpriv to uid " + dropToUid;
            case PLAIN -> "no namespaces (setsid + ulimit only)";
        };
    }

    /** The full command line for a run in {@code dir}. */
    List<String> command(Path dir, Limits limits) {
        List<String> cmd = new ArrayList<>();
        cmd.add(tools.get("setsid"));
        boolean outerDrop = dropToUid >= 0 && kind != Kind.ROOT_NAMESPACES;
        if (outerDrop) {
            cmd.addAll(List.of(tools.get("setpriv"), "--reuid=" + dropToUid, "--regid=" + dropToUid, "--clear-groups", "--no-new-privs"));
        } else if (tools.containsKey("setpriv") && kind != Kind.ROOT_NAMESPACES) {
            cmd.addAll(List.of(tools.get("setpriv"), "--no-new-privs"));
        }
        switch (kind) {
            case USER_NAMESPACE -> cmd.addAll(List.of(tools.get("unshare"), "--user", "--map-root-user", "--mount", "--net", "--pid",
                    "--fork", "--kill-child", "--mount-proc", "--propagation", "private"));
            case ROOT_NAMESPACES -> cmd.addAll(List.of(tools.get("unshare"), "--mount", "--net", "--pid", "--fork", "--kill-child",
                    "--mount-proc", "--propagation", "private"));
            case PLAIN -> { }
        }
        cmd.addAll(List.of(tools.get("bash"), "-c", WRAPPER, "lorapar-sandbox", dir.toString(),
                kind == Kind.PLAIN ? "none" : "ro",
                kind == Kind.ROOT_NAMESPACES ? Integer.toString(dropToUid) : "-",
                Long.toString(limits.cpuSeconds()),
                Long.toString(Math.max(1, limits.memoryBytes() / 1024)),
                Integer.toString(limits.maxProcesses()),
                Long.toString(Math.max(1, limits.maxFileBytes() / 1024)),
                python));
        return cmd;
    }
}
