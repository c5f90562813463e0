package dev.lorapar.train.checkpoint;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What {@link CheckpointStore#loadLatest()} found: the newest checkpoint that verifies (empty when none does)
 * and every file passed over on the way, with the reason.
 *
 * @param state   the loaded state, empty when no checkpoint verified (start from scratch)
 * @param file    the file it came from
 * @param skipped files passed over: leftover temporary files, corrupt or truncated checkpoints, misnamed ones
 */
public record LoadResult(Optional<TrainingState> state, Optional<Path> file, List<Skipped> skipped) {
    public LoadResult {
        Objects.requireNonNull(state, "state");
        Objects.requireNonNull(file, "file");
        skipped = List.copyOf(skipped);
        if (state.isPresent() != file.isPresent()) throw new IllegalArgumentException("state and file go together");
    }

    /** A file not used, and why. */
    public record Skipped(Path file, String reason) {
        public Skipped {
            Objects.requireNonNull(file, "file");
            Objects.requireNonNull(reason, "reason");
        }

        @Override
        public String toString() {
            return file.getFileName() + ": " + reason;
        }
    }

    /** Whether a checkpoint verified. */
    public boolean found() {
        return state.isPresent();
    }

    /** One line for a log: what was loaded and what was skipped. */
    public String summary() {
        String head = state.map(s -> "loaded " + file.orElseThrow().getFileName() + " (step " + s.step() + ")")
                .orElse("no usable checkpoint");
        if (skipped.isEmpty()) return head;
        List<String> parts = new ArrayList<>();
        for (Skipped s : skipped) parts.add(s.toString());
        return head + "; skipped " + String.join("; ", parts);
    }
}
