package dev.lorapar.eval.sandbox;

import java.nio.file.Path;

/**
 * The file the sandbox runs: a prologue, the optional guard, the untrusted program, and an epilogue that proves the
 * program reached its end.
 *
 * <p>The prologue deletes the file itself (Python has compiled the whole module before running it), so the program
 * cannot read the epilogue's random token from its own source; the epilogue writes the token to a file the sandbox
 * checks. A program that leaves early with exit code 0 ({@code sys.exit(0)}, {@code os._exit(0)}) therefore does not
 * pass.
 *
 * <p>The guard (written for lorapar; the idea follows human-eval's reliability guard) lowers the resource limits
 * again from inside and replaces process, signal, file-removal and permission functions of {@code os}, {@code shutil}
 * and {@code subprocess} with ones that raise {@link PermissionError}-like errors, and blocks importing
 * {@code ctypes}, {@code socket}, {@code multiprocessing} and {@code subprocess}. It is a convenience: code can undo
 * parts of it; the operating-system limits of the wrapper are the boundary.
 */
final class PythonProgram {
    static final String FILE_NAME = "main.py", DONE_FILE = ".lorapar-done";

    private PythonProgram() {
    }

    static String assemble(String program, Limits limits, Path dir, String token) {
        StringBuilder b = new StringBuilder(program.length() + 4096);
        b.append("import os as _lorapar_os\n");
        b.append("_lorapar_os.unlink(__file__)\n");
        if (limits.pythonGuard()) b.append(guard(limits));
        b.append(program);
        b.append("\n\n");
        b.append("import os as _lorapar_os\n");
        b.append("_lorapar_fd = _lorapar_os.open(").append(pythonString(dir.resolve(DONE_FILE).toString()))
                .append(", _lorapar_os.O_WRONLY | _lorapar_os.O_CREAT | _lorapar_os.O_TRUNC, 0o600)\n");
        b.append("_lorapar_os.write(_lorapar_fd, b").append(pythonString(token)).append(")\n");
        b.append("_lorapar_os.close(_lorapar_fd)\n");
        return b.toString();
    }

    private static String guard(Limits limits) {
        long mem = limits.memoryBytes(), cpu = limits.cpuSeconds(), files = limits.maxFileBytes();
        int procs = limits.maxProcesses();
        return """
                def _lorapar_guard():
                    import builtins, faulthandler, os, resource, shutil, subprocess, sys
                    for name, value in (('RLIMIT_AS', %d), ('RLIMIT_CPU', %d), ('RLIMIT_NPROC', %d), ('RLIMIT_FSIZE', %d)):
                        try:
                            soft, hard = resource.getrlimit(getattr(resource, name))
                            if hard == resource.RLIM_INFINITY or value < hard:
                                resource.setrlimit(getattr(resource, name), (value, value))
                        except (ValueError, OSError, AttributeError):
                            pass
                    faulthandler.disable()
                    def refuse(*args, **kwargs):
                        raise PermissionError('disabled in the lorapar sandbox')
                    for name in ('system', 'popen', 'fork', 'forkpty', 'vfork', 'kill', 'killpg', 'abort',
                                 'execl', 'execle', 'execlp', 'execlpe', 'execv', 'execve', 'execvp', 'execvpe',
                                 'spawnl', 'spawnle', 'spawnlp', 'spawnlpe', 'spawnv', 'spawnve', 'spawnvp', 'spawnvpe',
                                 'posix_spawn', 'posix_spawnp', 'remove', 'unlink', 'rmdir', 'removedirs', 'rename',
                                 'renames', 'replace', 'truncate', 'ftruncate', 'chmod', 'fchmod', 'lchmod', 'chown',
                                 'fchown', 'lchown', 'chroot', 'chflags', 'lchflags', 'setuid', 'setgid', 'seteuid',
                                 'setegid', 'setreuid', 'setregid', 'setresuid', 'setresgid', 'putenv', 'unsetenv',
                                 'link', 'symlink', 'mkfifo', 'mknod', 'plock'):
                        if hasattr(os, name):
                            setattr(os, name, refuse)
                    for name in ('rmtree', 'move', 'chown'):
                        setattr(shutil, name, refuse)
                    subprocess.Popen = refuse
                    for name in ('ctypes', '_ctypes', 'socket', '_socket', 'multiprocessing', 'subprocess', 'resource'):
                        sys.modules[name] = None
                    builtins.help = None
                _lorapar_guard()
                del _lorapar_guard
                """.formatted(mem, cpu, procs, files);
    }

    /** A Python string literal (single-quoted, escaped). */
    static String pythonString(String s) {
        StringBuilder b = new StringBuilder("'");
        for (char c : s.toCharArray()) {
            switch (c) {
                case '\\' -> b.append("\\\\");
                case '\'' -> b.append("\\'");
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                default -> {
                    if (c < 0x20 || c > 0x7e) b.append(String.format("\\u%04x", (int) c));
                    else b.append(c);
                }
            }
        }
        return b.append('\'').toString();
    }
}
