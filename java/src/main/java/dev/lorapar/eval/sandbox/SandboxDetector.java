package dev.lorapar.eval.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * Finds the strongest launch mode that works here by running a probe program through each, strongest first, with
 * each candidate interpreter: the probe reports whether a socket to 127.0.0.1 can be attempted, whether a file can be
 * created beside the run directory, and whether it sits in a PID namespace. A mode is taken only when the probe
 * confirms what the mode claims.
 */
final class SandboxDetector {
    private static final Limits PROBE = new Limits(Duration.ofSeconds(10), Duration.ofSeconds(5), 512L << 20, 16,
            16 << 10, 1 << 20, false);

    private SandboxDetector() {
    }

    static Sandbox detect() {
        Path base = Path.of(System.getProperty(Sandbox.TMP_PROPERTY, System.getProperty("java.io.tmpdir")));
        Map<String, String> tools = new LinkedHashMap<>();
        for (String t : List.of("setsid", "unshare", "setpriv", "bash")) {
            String found = which(t);
            if (found != null) tools.put(t, found);
        }
        List<String> notes = new ArrayList<>();
        if (!tools.containsKey("setsid") || !tools.containsKey("bash")) {
            notes.add("setsid or bash not found on PATH: no sandbox");
            return new Sandbox(null, new Isolation(false, false, false, false, "", "none", notes), base);
        }
        boolean root = currentUid() == 0;
        boolean setpriv = tools.containsKey("setpriv");
        int drop = root && setpriv ? LaunchMode.NOBODY : -1;
        if (root && !setpriv) notes.add("running as root without setpriv: programs run as root (process limit not enforced for root)");
        List<LaunchMode.Kind> kinds = new ArrayList<>();
        if (tools.containsKey("unshare")) {
            kinds.add(LaunchMode.Kind.USER_NAMESPACE);
            if (root && setpriv) kinds.add(LaunchMode.Kind.ROOT_NAMESPACES);
        } else {
            notes.add("unshare not found: network not isolated, filesystem not read-only");
        }
        kinds.add(LaunchMode.Kind.PLAIN);
        List<String> pythons = pythonCandidates();
        for (LaunchMode.Kind kind : kinds) {
            String firstFailure = null;
            for (String python : pythons) {
                LaunchMode mode = new LaunchMode(kind, python, drop, Map.copyOf(tools));
                String failure = probe(mode, base);
                if (failure == null) {
                    if (kind == LaunchMode.Kind.PLAIN) notes.add("network not isolated");
                    Isolation isolation = new Isolation(mode.networkIsolated(), mode.filesystemReadOnly(),
                            mode.pidNamespace(), mode.separateUser(), python, mode.describe(), notes);
                    return new Sandbox(mode, isolation, base);
                }
                if (firstFailure == null) firstFailure = python + ": " + failure;
            }
            notes.add(new LaunchMode(kind, "", drop, tools).describe() + " unavailable (" + firstFailure + ")");
        }
        return new Sandbox(null, new Isolation(false, false, false, false, "", "none", notes), base);
    }

    /** null when the mode works as it claims, else why not. */
    private static String probe(LaunchMode mode, Path base) {
        String program = """
                import errno, os, socket
                try:
                    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
                    s.settimeout(1)
                    s.connect(('127.0.0.1', 9))
                    print('net=open')
                except OSError as e:
                    print('net=isolated' if e.errno in (errno.ENETUNREACH, errno.EADDRNOTAVAIL) else 'net=open')
                outside = os.path.join(os.path.dirname(os.getcwd()), 'lorapar-probe-' + str(os.getpid()) + '-' + os.path.basename(os.getcwd()))
                try:
                    with open(outside, 'w') as f:
                        f.write('x')
                    os.unlink(outside)
                    print('fs=writable')
                except OSError:
                    print('fs=ro')
                print('pidns=' + ('yes' if os.getppid() == 1 else 'no'))
                """;
        Sandbox trial = new Sandbox(mode, new Isolation(false, false, false, false, mode.python(), "probe", List.of()), base);
        Outcome o = trial.run(program, PROBE);
        if (o.status() != Status.PASSED) {
            String why = o.detail() + (o.stderr().isBlank() ? "" : " / " + o.stderr().strip());
            return why.length() > 300 ? why.substring(0, 300) + "..." : why;
        }
        Set<String> seen = new LinkedHashSet<>(o.stdout().lines().map(String::strip).toList());
        if (mode.networkIsolated() && !seen.contains("net=isolated")) return "network still reachable";
        if (mode.filesystemReadOnly() && !seen.contains("fs=ro")) return "filesystem still writable";
        if (mode.pidNamespace() && !seen.contains("pidns=yes")) return "no PID namespace";
        return null;
    }

    private static List<String> pythonCandidates() {
        Set<String> out = new LinkedHashSet<>();
        String given = System.getProperty(Sandbox.PYTHON_PROPERTY);
        if (given != null && !given.isBlank()) out.add(given);
        String onPath = which("python3");
        if (onPath != null) {
            String real = executableOf(onPath);
            if (real != null) out.add(real);
        }
        for (String p : List.of("/usr/bin/python3", "/usr/local/bin/python3", "/bin/python3")) {
            if (Files.isExecutable(Path.of(p))) out.add(p);
        }
        if (out.isEmpty()) out.add("python3");
        return List.copyOf(out);
    }

    /** sys.executable of an interpreter found on PATH (resolves pyenv-like shims), or null. */
    private static String executableOf(String python) {
        try {
            Process p = new ProcessBuilder(python, "-c", "import sys; print(sys.executable)")
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .redirectErrorStream(true).start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return null;
            }
            String s = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
            return p.exitValue() == 0 && s.startsWith("/") ? s : null;
        } catch (IOException e) {
            return null;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    static String which(String name) {
        Set<String> dirs = new LinkedHashSet<>();
        String path = System.getenv("PATH");
        if (path != null) dirs.addAll(List.of(path.split(":")));
        dirs.addAll(List.of("/usr/local/bin", "/usr/bin", "/bin", "/usr/sbin", "/sbin"));
        for (String d : dirs) {
            if (d.isEmpty()) continue;
            Path p = Path.of(d, name);
            if (Files.isRegularFile(p) && Files.isExecutable(p)) return p.toString();
        }
        return null;
    }

    private static int currentUid() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) return Integer.parseInt(line.substring(4).strip().split("\\s+")[0]);
            }
        } catch (IOException | RuntimeException e) {
            return -1;
        }
        return -1;
    }
}
