package dev.lorapar.eval.sandbox;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;

/** The run directory: handing it to the sandbox user, and deleting it whatever the program left in it. */
final class RunDirectory {
    private RunDirectory() {
    }

    /** Makes {@code dir} and its files owned by {@code uid} (a root JVM handing the directory to {@code nobody}). */
    static void giveTo(Path dir, int uid) throws IOException {
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) chown(f, uid);
        }
        chown(dir, uid);
    }

    private static void chown(Path p, int uid) throws IOException {
        Files.setAttribute(p, "unix:uid", uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", uid, LinkOption.NOFOLLOW_LINKS);
    }

    /**
     * Deletes the tree without following links; directories the program made unreadable are opened up first.
     * Best effort: what cannot be deleted is left (and reported on stderr).
     */
    static void delete(Path dir) {
        try {
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        } catch (IOException | RuntimeException ignored) {
            // the walk reports what it cannot delete
        }
        try {
            Files.walkFileTree(dir, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) {
                    try {
                        Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx------"));
                    } catch (IOException | RuntimeException ignored) {
                        // deletion below says whether it mattered
                    }
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(f);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult visitFileFailed(Path f, IOException e) throws IOException {
                    Files.deleteIfExists(f);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                    Files.deleteIfExists(d);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            System.err.println("lorapar sandbox: could not delete " + dir + ": " + e);
        }
    }
}
