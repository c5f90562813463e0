package dev.lorapar.model.io;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** Read-only memory mapping of whole files into an arena, with I/O failures as CheckpointExceptions. */
final class MappedFiles {
    private MappedFiles() {
    }

    /**
     * Maps {@code file} read-only for the lifetime of {@code arena}. The segment is unmapped when the
     * arena closes. (A file truncated by another process while mapped can still crash the reader: the
     * operating system gives no safe way to see that.)
     */
    static MemorySegment map(Path file, Arena arena) {
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException(file, Files.exists(file) ? "is not a regular file" : "no such file");
        }
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = channel.size();
            return channel.map(FileChannel.MapMode.READ_ONLY, 0, size, arena);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(file, null, "no such file", e);
        } catch (IOException e) {
            throw new CheckpointException(file, null, "cannot be mapped: " + e, e);
        }
    }

    /** The whole small file as bytes, refusing files over {@code maxBytes} (a JSON config, an index). */
    static byte[] readSmall(Path file, long maxBytes) {
        try {
            if (!Files.isRegularFile(file)) {
                throw new CheckpointException(file, Files.exists(file) ? "is not a regular file" : "no such file");
            }
            long size = Files.size(file);
            if (size > maxBytes) {
                throw new CheckpointException(file, "is " + size + " bytes, over the limit of " + maxBytes);
            }
            return Files.readAllBytes(file);
        } catch (IOException e) {
            throw new CheckpointException(file, null, "cannot be read: " + e, e);
        }
    }
}
