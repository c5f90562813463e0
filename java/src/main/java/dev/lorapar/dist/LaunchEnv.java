package dev.lorapar.dist;

import java.util.Locale;
import java.util.Map;

/**
 * Where this process sits in a multi-process run: rank, world size, local rank (the GPU of this host) and the
 * rendezvous address of rank 0. Each value comes from a flag when given (non-blank), else from the customary
 * environment variable (RANK, WORLD_SIZE, LOCAL_RANK, MASTER_ADDR, MASTER_PORT), else a default (rank 0 of 1,
 * local rank = rank, 127.0.0.1:29500).
 */
public record LaunchEnv(int rank, int worldSize, int localRank, String masterAddr, int masterPort) {
    public static final int DEFAULT_PORT = 29500;

    public LaunchEnv {
        if (worldSize < 1) {
            throw new IllegalArgumentException("world size must be ≥ 1, got " + worldSize);
        }
        if (rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("rank " + rank + " is outside [0, world size " + worldSize + ")");
        }
        if (localRank < 0) {
            throw new IllegalArgumentException("local rank must be ≥ 0, got " + localRank);
        }
        if (masterAddr == null || masterAddr.isBlank()) {
            throw new IllegalArgumentException("master address is empty");
        }
        if (masterPort < 0 || masterPort > 65535) {
            throw new IllegalArgumentException("master port " + masterPort + " is outside [0, 65535]");
        }
    }

    /** One process alone. */
    public static LaunchEnv single() {
        return new LaunchEnv(0, 1, 0, "127.0.0.1", DEFAULT_PORT);
    }

    /**
     * From {@code flags} (keys rank, world_size, local_rank, master_addr, master_port; blank or absent = not given)
     * over {@code env} (the process environment). Bad values name the flag or variable they came from.
     */
    public static LaunchEnv resolve(Map<String, String> flags, Map<String, String> env) {
        int worldSize = integer(flags, env, "world_size", 1);
        int rank = integer(flags, env, "rank", 0);
        int localRank = integer(flags, env, "local_rank", rank);
        String addr = text(flags, env, "master_addr", "127.0.0.1");
        int port = integer(flags, env, "master_port", DEFAULT_PORT);
        return new LaunchEnv(rank, worldSize, localRank, addr, port);
    }

    public boolean distributed() {
        return worldSize > 1;
    }

    private static String text(Map<String, String> flags, Map<String, String> env, String key, String fallback) {
        String flag = flags.get(key);
        if (flag != null && !flag.isBlank()) {
            return flag.trim();
        }
        String var = env.get(key.toUpperCase(Locale.ROOT));
        return var != null && !var.isBlank() ? var.trim() : fallback;
    }

    private static int integer(Map<String, String> flags, Map<String, String> env, String key, int fallback) {
        String flag = flags.get(key);
        String source = "--" + key;
        String value = flag;
        if (flag == null || flag.isBlank()) {
            source = key.toUpperCase(Locale.ROOT) + " (environment)";
            value = env.get(key.toUpperCase(Locale.ROOT));
        }
        if (value == null || value.isBlank()) {
            return fallback;
        }
        try {
            return Integer.parseInt(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(source + " must be an integer, got '" + value + "'");
        }
    }

    @Override
    public String toString() {
        return "rank " + rank + " of " + worldSize + " (local rank " + localRank + ", rendezvous " + masterAddr + ":"
                + masterPort + ")";
    }
}
