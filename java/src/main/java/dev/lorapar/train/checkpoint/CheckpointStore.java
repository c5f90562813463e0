package dev.lorapar.train.checkpoint;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The checkpoints of one run in one directory, {@code ckpt-<step>.lpck}, written so that a kill at any moment
 * (SIGKILL, power loss after the fsyncs) never leaves a partial file under a final name, and read back by
 * taking the newest one that verifies.
 *
 * <p>{@link #save}: write {@code ckpt-<step>.lpck.tmp} in the same directory, {@code force(true)} it, rename it
 * ({@code ATOMIC_MOVE}) to {@code ckpt-<step>.lpck}, fsync the directory, then delete: checkpoints of a later
 * step than the one saved (a timeline abandoned by resuming from an earlier checkpoint), the oldest beyond
 * {@code keepLast}, and leftover temporary files. One writer per directory (the run); readers any time.
 *
 * <p>{@link #loadLatest}: tries the checkpoints newest first; a corrupt, truncated or misnamed one, and any
 * leftover temporary file, is skipped with its reason (in the {@link LoadResult} and logged at WARNING through
 * {@code System.Logger} "dev.lorapar.train.checkpoint.CheckpointStore").
 */
public final class CheckpointStore {
    static final String PREFIX = "ckpt-";
    /** The suffix of a checkpoint being written. */
    public static final String TEMP_SUFFIX = ".tmp";
    private static final Pattern FINAL = Pattern.compile("ckpt-(0|[1-9]\\d{0,18})" + Pattern.quote(CheckpointFile.EXTENSION));
    private static final System.Logger LOG = System.getLogger(CheckpointStore.class.getName());

    private final Path dir;
    private final int keepLast;
    private final WriteProgress progress;

    /** The checkpoints in {@code dir} (created at the first save), keeping the newest {@code keepLast} (≥ 1). */
    public CheckpointStore(Path dir, int keepLast) {
        this(dir, keepLast, WriteProgress.NONE);
    }

    private CheckpointStore(Path dir, int keepLast, WriteProgress progress) {
        this.dir = Objects.requireNonNull(dir, "checkpoint directory");
        if (keepLast < 1) throw new IllegalArgumentException("keepLast must be ≥ 1, got " + keepLast);
        this.keepLast = keepLast;
        this.progress = Objects.requireNonNull(progress, "progress");
    }

    /** The same store, telling {@code listener} the progress of every save. */
    public CheckpointStore withProgress(WriteProgress listener) {
        return new CheckpointStore(dir, keepLast, listener);
    }

    public Path dir() {
        return dir;
    }

    public int keepLast() {
        return keepLast;
    }

    /** The final name of the checkpoint of {@code step} in {@code dir}. */
    public static Path fileFor(Path dir, long step) {
        if (step < 0) throw new IllegalArgumentException("step must be ≥ 0, got " + step);
        return dir.resolve(PREFIX + step + CheckpointFile.EXTENSION);
    }

    /**
     * Saves {@code state} atomically as {@code ckpt-<step>.lpck} (replacing one of the same step) and prunes the
     * directory as the class comment says; returns the final path. On failure the temporary file is removed and
     * the previous checkpoints are untouched.
     */
    public synchronized Path save(TrainingState state) throws IOException {
        Objects.requireNonNull(state, "state");
        Files.createDirectories(dir);
        Path target = fileFor(dir, state.step());
        Path temp = dir.resolve(target.getFileName() + TEMP_SUFFIX);
        try {
            CheckpointWriter.write(temp, state, progress);
            Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException | Error e) {
            try {
                Files.deleteIfExists(temp);
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        syncDirectory(dir);
        prune(state.step());
        return target;
    }

    /** Makes the rename durable: fsync of the directory (POSIX; a no-op where directories cannot be opened). */
    private static void syncDirectory(Path dir) throws IOException {
        FileChannel ch;
        try {
            ch = FileChannel.open(dir, StandardOpenOption.READ);
        } catch (IOException | UnsupportedOperationException notOpenable) {
            return; // Windows: no directory handles; NTFS orders the rename itself
        }
        try (ch) {
            ch.force(true);
        }
    }

    private void prune(long savedStep) throws IOException {
        List<Checkpoint> all = list();
        List<Checkpoint> kept = new ArrayList<>();
        for (Checkpoint c : all) {
            if (c.step > savedStep) {
                LOG.log(System.Logger.Level.INFO, "deleting {0}: later than the step just saved ({1}), from a run"
                        + " resumed at an earlier checkpoint", c.path.getFileName(), savedStep);
                Files.deleteIfExists(c.path);
            } else {
                kept.add(c);
            }
        }
        for (int i = 0; i < kept.size() - keepLast; i++) {
            Files.deleteIfExists(kept.get(i).path);
        }
        for (Path t : temporaries()) {
            Files.deleteIfExists(t);
        }
    }

    /** The checkpoint files under their final names, oldest step first (not verified). */
    public List<Path> checkpoints() throws IOException {
        List<Path> out = new ArrayList<>();
        for (Checkpoint c : list()) out.add(c.path);
        return out;
    }

    private record Checkpoint(long step, Path path) {
    }

    private List<Checkpoint> list() throws IOException {
        List<Checkpoint> out = new ArrayList<>();
        for (Path p : entries()) {
            Matcher m = FINAL.matcher(p.getFileName().toString());
            if (!m.matches()) continue;
            try {
                out.add(new Checkpoint(Long.parseLong(m.group(1)), p));
            } catch (NumberFormatException beyondLong) {
                // 19 digits above Long.MAX_VALUE: reported as misnamed by loadLatest
            }
        }
        out.sort(Comparator.comparingLong(Checkpoint::step));
        return out;
    }

    private static boolean isFinalName(String name) {
        Matcher m = FINAL.matcher(name);
        if (!m.matches()) return false;
        try {
            Long.parseLong(m.group(1));
            return true;
        } catch (NumberFormatException beyondLong) {
            return false;
        }
    }

    private List<Path> temporaries() throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path p : entries()) {
            String n = p.getFileName().toString();
            if (n.startsWith(PREFIX) && n.endsWith(CheckpointFile.EXTENSION + TEMP_SUFFIX)) out.add(p);
        }
        return out;
    }

    private List<Path> entries() throws IOException {
        List<Path> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) out.add(p);
        } catch (NoSuchFileException none) {
            return out;
        }
        out.sort(Comparator.comparing(p -> p.getFileName().toString()));
        return out;
    }

    /**
     * The newest checkpoint that verifies, with every file passed over and why; empty when there is none (no
     * directory, no checkpoint, or all corrupt). Throws only when the directory cannot be listed.
     */
    public LoadResult loadLatest() throws IOException {
        List<LoadResult.Skipped> skipped = new ArrayList<>();
        for (Path t : temporaries()) {
            skip(skipped, t, "leftover temporary file of an interrupted save, ignored");
        }
        for (Path p : entries()) {
            String n = p.getFileName().toString();
            if (n.startsWith(PREFIX) && n.endsWith(CheckpointFile.EXTENSION) && !isFinalName(n)) {
                skip(skipped, p, "name does not follow ckpt-<step>" + CheckpointFile.EXTENSION);
            }
        }
        List<Checkpoint> all = list();
        for (int i = all.size() - 1; i >= 0; i--) {
            Checkpoint c = all.get(i);
            try {
                TrainingState s = CheckpointReader.read(c.path);
                if (s.step() != c.step) {
                    skip(skipped, c.path, "holds step " + s.step() + " but is named for step " + c.step);
                    continue;
                }
                if (!skipped.isEmpty()) {
                    LOG.log(System.Logger.Level.WARNING, "resuming from {0} (step {1}) after skipping {2} file(s)",
                            c.path.getFileName(), s.step(), skipped.size());
                }
                return new LoadResult(Optional.of(s), Optional.of(c.path), skipped);
            } catch (CorruptCheckpointException bad) {
                skip(skipped, c.path, bad.reason());
            } catch (IOException unreadable) {
                skip(skipped, c.path, "cannot be read: " + unreadable);
            }
        }
        if (!skipped.isEmpty()) {
            LOG.log(System.Logger.Level.WARNING, "no usable checkpoint in {0}: all {1} file(s) skipped", dir, skipped.size());
        }
        return new LoadResult(Optional.empty(), Optional.empty(), skipped);
    }

    private static void skip(List<LoadResult.Skipped> skipped, Path file, String reason) {
        LoadResult.Skipped s = new LoadResult.Skipped(file, reason);
        LOG.log(System.Logger.Level.WARNING, "checkpoint skipped: {0}", s);
        skipped.add(s);
    }
}
