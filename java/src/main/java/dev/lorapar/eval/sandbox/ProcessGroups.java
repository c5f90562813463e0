package dev.lorapar.eval.sandbox;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Process groups read from {@code /proc/<pid>/stat} (Linux): the members of a group, and killing all of them. */
public final class ProcessGroups {
    private ProcessGroups() {
    }

    /** Pids of the live processes whose process group is {@code pgid} (zombies excluded). */
    public static List<Long> members(long pgid) {
        List<Long> pids = new ArrayList<>();
        try (DirectoryStream<Path> procs = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path proc : procs) {
                String stat;
                try {
                    stat = Files.readString(proc.resolve("stat"), StandardCharsets.UTF_8);
                } catch (IOException | RuntimeException gone) {
                    continue;
                }
                // pid (comm) state ppid pgrp ...; comm may hold spaces and parentheses: split after the last ')'
                int close = stat.lastIndexOf(')');
                if (close < 0) continue;
                String[] fields = stat.substring(close + 2).split(" ");
                if (fields.length < 3 || fields[0].equals("Z") || fields[0].equals("X")) continue;
                if (Long.parseLong(fields[2]) == pgid) pids.add(Long.parseLong(proc.getFileName().toString()));
            }
        } catch (IOException | RuntimeException noProc) {
            return pids;
        }
        return pids;
    }

    /** SIGKILLs every member of the group, repeating while new members appear (a fork bomb), up to {@code rounds}. */
    public static void kill(long pgid, int rounds) {
        for (int round = 0; round < rounds; round++) {
            List<Long> pids = members(pgid);
            if (pids.isEmpty()) return;
            for (long pid : pids) ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
            Thread.onSpinWait();
        }
    }
}
