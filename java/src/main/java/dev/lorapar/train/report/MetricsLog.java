package dev.lorapar.train.report;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The metrics of a run as JSON Lines: one {@link MetricsRecord} per line ({@link MetricsJson} shows
 * the fields), each line handed to the operating system as it is appended, so a killed process loses
 * at most the line it was writing.
 *
 * <p>Steps never go back: a record's step must be ≥ the previous one's (equal is allowed: a training
 * record and the evaluation record of the same step). Resume policy ({@link #resume}): the records
 * with step ≤ the checkpoint's step are kept byte for byte, every later one is removed (the resumed
 * run writes them again), as are a torn last line and lines that do not parse, which are
 * reported in {@link #resumeReport()} with their line numbers. The file is rewritten atomically
 * (temporary file, fsync, rename) before appending starts.
 */
public final class MetricsLog implements AutoCloseable {

    /** A line that was not a valid record: its 1-based number and what was wrong. */
    public record BadLine(long lineNumber, String reason) {
        @Override
        public String toString() {
            return "line " + lineNumber + ": " + reason;
        }
    }

    /** What {@link #read} found: the records in file order, and the lines that were not records. */
    public record Contents(List<MetricsRecord> records, List<BadLine> badLines) {
        public Contents {
            records = List.copyOf(records);
            badLines = List.copyOf(badLines);
        }
    }

    /** What {@link #resume} did to the file. */
    public record ResumeReport(long resumedStep, int keptRecords, int droppedRecords, List<BadLine> droppedLines) {
        public ResumeReport {
            droppedLines = List.copyOf(droppedLines);
        }

        /** One sentence for the run's log. */
        public String describe() {
            String s = "metrics log resumed at step " + resumedStep + ": kept " + keptRecords + " records, dropped "
                    + droppedRecords + " after that step";
            if (!droppedLines.isEmpty()) s += " and " + droppedLines.size() + " unreadable lines " + droppedLines;
            return s;
        }
    }

    private final Path file;
    private final FileChannel channel;
    private final ResumeReport resumeReport;
    private long lastStep;
    private boolean closed;

    private MetricsLog(Path file, FileChannel channel, long lastStep, ResumeReport report) {
        this.file = file;
        this.channel = channel;
        this.lastStep = lastStep;
        this.resumeReport = report;
    }

    /** Starts a new log at {@code file} (parent folders made), replacing any file there. */
    public static MetricsLog create(Path file) throws IOException {
        Objects.requireNonNull(file, "metrics log file is null");
        makeParent(file);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING);
        return new MetricsLog(file, ch, -1, null);
    }

    /**
     * Continues the log of a run resumed from the checkpoint of {@code resumedStep}: keeps the records
     * with step ≤ resumedStep (see the class comment) and appends after them. A missing file starts empty.
     */
    public static MetricsLog resume(Path file, long resumedStep) throws IOException {
        Objects.requireNonNull(file, "metrics log file is null");
        if (resumedStep < 0) throw new IllegalArgumentException("metrics log: resumed step " + resumedStep + " is negative");
        makeParent(file);
        List<String> kept = new ArrayList<>();
        List<BadLine> bad = new ArrayList<>();
        int dropped = 0;
        long lastStep = -1;
        if (Files.exists(file)) {
            for (Line line : lines(file)) {
                MetricsRecord r;
                try {
                    r = line.parse();
                } catch (IllegalArgumentException e) {
                    bad.add(new BadLine(line.number(), e.getMessage()));
                    continue;
                }
                if (r.step() > resumedStep) {
                    dropped++;
                } else if (r.step() < lastStep) {
                    bad.add(new BadLine(line.number(), "step " + r.step() + " after step " + lastStep));
                } else {
                    kept.add(line.text());
                    lastStep = r.step();
                }
            }
        }
        rewriteAtomically(file, kept);
        FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        return new MetricsLog(file, ch, lastStep, new ResumeReport(resumedStep, kept.size(), dropped, bad));
    }

    /** Appends one record as one line; its step must not be below the previous record's. */
    public synchronized void append(MetricsRecord record) throws IOException {
        Objects.requireNonNull(record, "metrics record is null");
        if (closed) throw new IllegalStateException("metrics log " + file + " is closed");
        if (record.step() < lastStep) {
            throw new IllegalArgumentException("metrics log " + file + ": step " + record.step()
                    + " comes after step " + lastStep + " (steps must not go back)");
        }
        ByteBuffer bytes = ByteBuffer.wrap((MetricsJson.encode(record) + "\n").getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) channel.write(bytes);
        lastStep = record.step();
    }

    /** Forces the lines written so far to the storage device (e.g. when a checkpoint is written). */
    public synchronized void force() throws IOException {
        if (!closed) channel.force(false);
    }

    /** What {@link #resume} kept and dropped; null for a log made by {@link #create}. */
    public ResumeReport resumeReport() {
        return resumeReport;
    }

    public Path file() {
        return file;
    }

    /** The step of the last record in the file, -1 when there is none. */
    public synchronized long lastStep() {
        return lastStep;
    }

    @Override
    public synchronized void close() throws IOException {
        if (closed) return;
        closed = true;
        channel.close();
    }

    /**
     * Reads a log: every line that is a record, in file order, and the others (a torn last line
     * included) as {@link BadLine}s. Empty lines are skipped.
     */
    public static Contents read(Path file) throws IOException {
        Objects.requireNonNull(file, "metrics log file is null");
        List<MetricsRecord> records = new ArrayList<>();
        List<BadLine> bad = new ArrayList<>();
        for (Line line : lines(file)) {
            try {
                records.add(line.parse());
            } catch (IllegalArgumentException e) {
                bad.add(new BadLine(line.number(), e.getMessage()));
            }
        }
        return new Contents(records, bad);
    }

    /** A non-empty line of the file; {@code complete} is false for a last line without its newline. */
    private record Line(long number, String text, boolean complete) {
        MetricsRecord parse() {
            if (!complete) throw new IllegalArgumentException("torn last line (no newline: the writer was interrupted)");
            return MetricsJson.decode(text);
        }
    }

    private static List<Line> lines(Path file) throws IOException {
        String all = new String(Files.readAllBytes(file), StandardCharsets.UTF_8); // malformed bytes → U+FFFD
        List<Line> out = new ArrayList<>();
        int start = 0;
        long number = 1;
        while (start < all.length()) {
            int nl = all.indexOf('\n', start);
            boolean complete = nl >= 0;
            int end = complete ? nl : all.length();
            String text = all.substring(start, end);
            if (text.endsWith("\r")) text = text.substring(0, text.length() - 1);
            if (!text.isBlank()) out.add(new Line(number, text, complete));
            number++;
            start = end + 1;
        }
        return out;
    }

    private static void rewriteAtomically(Path file, List<String> lines) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        // a sibling with the umask's permissions (Files.createTempFile would make it owner-only)
        Path tmp = dir.resolve("." + file.getFileName() + "." + ProcessHandle.current().pid() + "." + System.nanoTime() + ".tmp");
        try {
            StringBuilder sb = new StringBuilder();
            for (String l : lines) sb.append(l).append('\n');
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW)) {
                ByteBuffer bytes = ByteBuffer.wrap(sb.toString().getBytes(StandardCharsets.UTF_8));
                while (bytes.hasRemaining()) ch.write(bytes);
                ch.force(true);
            }
            try {
                Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    private static void makeParent(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        if (parent != null) Files.createDirectories(parent);
    }
}
