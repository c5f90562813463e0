package dev.lorapar.eval.sandbox;

import java.util.List;

/**
 * What the sandbox achieves on this machine, detected once by running probe programs through each launch mode.
 *
 * @param networkIsolated    the program runs in a new network namespace (only a down loopback: connect fails)
 * @param filesystemReadOnly every mount is read-only for the program except its own temporary directory
 * @param pidNamespace       the program runs in a new PID namespace: when its init dies, the kernel kills everything in it
 * @param separateUser       the program runs as a user other than the JVM's (root's JVM drops to {@code nobody})
 * @param python             the Python interpreter used
 * @param mode               the launch mode, in words
 * @param notes              why a stronger mode was not available (empty when the strongest one works)
 */
public record Isolation(boolean networkIsolated, boolean filesystemReadOnly, boolean pidNamespace, boolean separateUser,
                        String python, String mode, List<String> notes) {
    public Isolation {
        notes = List.copyOf(notes);
    }

    /** One line: each property, "network not isolated" when it is not, and the notes. */
    public String describe() {
        StringBuilder b = new StringBuilder(mode).append(": ");
        b.append(networkIsolated ? "network isolated" : "network not isolated");
        b.append(filesystemReadOnly ? ", filesystem read-only outside its directory" : ", filesystem writable where the user may write");
        b.append(pidNamespace ? ", own PID namespace" : ", no PID namespace (process group kill only)");
        b.append(separateUser ? ", separate unprivileged user" : ", same user as the JVM");
        b.append(", python ").append(python);
        for (String note : notes) b.append("; ").append(note);
        return b.toString();
    }
}
