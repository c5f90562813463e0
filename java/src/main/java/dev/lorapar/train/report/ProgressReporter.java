package dev.lorapar.train.report;

import java.io.Console;
import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * Progress of one long piece of work (training steps, loading a model, an importance pass): a label,
 * a total, and {@link #update(long, Field...)} calls from the one thread doing the work.
 *
 * <p>On a terminal it is a single line redrawn with {@code \r} (at most every {@code minRedraw}):
 * <pre>train  45% [=========>          ] 450/1000  0:12:34&lt;0:15:22  loss 1.2340 (last 1.3010)  lr 2.00e-04  mem 38.2/139.7 GiB</pre>
 * (elapsed&lt;remaining first, so a line cut to the terminal's width keeps them)
 * Elsewhere (CI, a log file) it prints plain lines, one per {@code plainEvery} units or interval, the
 * first and the last update always:
 * <pre>train 450/1000 (45.0%)  loss 1.2340 (last 1.3010)  lr 2.00e-04  mem 38.2/139.7 GiB  elapsed 0:12:34  eta 0:15:22</pre>
 *
 * <p>ETA = remaining × elapsed / (done − initial): the average since this reporter started, which
 * counts periodic interruptions (evaluation, checkpoints) into the estimate. Unknown total (≤ 0): no
 * bar, no percentage, no ETA. Methods are synchronized, so another thread may {@link #println} a
 * message (it goes above the bar) while the worker updates.
 */
public final class ProgressReporter implements AutoCloseable {

    /** How progress is shown. */
    public enum Mode {
        /** TERMINAL when the output is the process's stdout/stderr on an interactive terminal, else PLAIN. */
        AUTO,
        /** One line redrawn in place. */
        TERMINAL,
        /** Periodic plain lines. */
        PLAIN,
        /** Nothing printed (statistics still kept). */
        SILENT;

        /** "auto", "terminal" ("tty", "bar"), "plain" ("lines", "log"), "silent" ("off", "none"), any case. */
        public static Mode parse(String text) {
            Objects.requireNonNull(text, "progress mode is null");
            return switch (text.trim().toLowerCase(Locale.ROOT)) {
                case "auto" -> AUTO;
                case "terminal", "tty", "bar" -> TERMINAL;
                case "plain", "lines", "log" -> PLAIN;
                case "silent", "off", "none" -> SILENT;
                default -> throw new IllegalArgumentException("progress mode '" + text
                        + "' is not one of auto, terminal, plain, silent");
            };
        }
    }

    /** The environment variable that overrides {@link Mode#AUTO} (values as in {@link Mode#parse}). */
    public static final String MODE_ENV = "LORAPAR_PROGRESS";

    /** One "name value" group of the line; an empty name prints the value alone. */
    public record Field(String name, String value) {
        public Field {
            Objects.requireNonNull(name, "progress field name is null");
            Objects.requireNonNull(value, () -> "progress field '" + name + "' has a null value");
        }

        public static Field of(String name, String value) {
            return new Field(name, value);
        }

        /** A group printed as is, e.g. "12.3k tok/s". */
        public static Field value(String value) {
            return new Field("", value);
        }

        String render() {
            return name.isEmpty() ? value : name + " " + value;
        }
    }

    private static final int MIN_BAR = 10;
    private static final int DEFAULT_COLUMNS = 120;

    private final String label;
    private final long total;
    private final long initial;
    private final PrintStream out;
    private final Mode mode;
    private final int columns;
    private final int barWidth;
    private final String unitName;
    private final boolean bytes;
    private final boolean showRate;
    private final long plainEveryUnits;
    private final long plainEveryNanos;
    private final long minRedrawNanos;
    private final MemoryProbe memory;
    private final LongSupplier clock;
    private final long startNanos;

    private long done;
    private List<Field> fields = List.of();
    private boolean updated;
    private boolean closed;
    // terminal: length of the line on screen; both: when and at what count the last line was drawn
    private int shownLength;
    private long lastDrawNanos;
    private long lastPrintedDone = -1;
    private boolean lastUpdatePrinted;

    private ProgressReporter(Builder b) {
        this.label = b.label;
        this.total = b.total;
        this.initial = b.initial;
        this.out = b.out;
        this.mode = b.resolveMode();
        this.columns = b.columns > 0 ? b.columns : mode == Mode.TERMINAL ? terminalColumns() : DEFAULT_COLUMNS;
        this.barWidth = b.barWidth;
        this.unitName = b.unitName;
        this.bytes = b.bytes;
        this.showRate = b.showRate;
        this.plainEveryUnits = b.plainEveryUnits >= 0 ? b.plainEveryUnits
                : (b.total > 0 ? Math.max(1, b.total / 20) : 0);
        this.plainEveryNanos = b.plainEvery.toNanos();
        this.minRedrawNanos = b.minRedraw.toNanos();
        this.memory = b.memory;
        this.clock = b.clock;
        this.startNanos = clock.getAsLong();
        this.done = b.initial;
    }

    /** A reporter for {@code total} units of work named {@code label} (total ≤ 0: unknown). */
    public static Builder builder(String label, long total) {
        return new Builder(label, total);
    }

    /** Records that {@code done} units are finished, with the groups to show after the counter. */
    public void update(long done, Field... fields) {
        update(done, fields == null ? List.of() : List.of(fields));
    }

    /** As {@link #update(long, Field...)}. */
    public synchronized void update(long done, List<Field> fields) {
        if (closed) throw new IllegalStateException("progress '" + label + "' is closed; update(" + done + ") refused");
        if (done < 0) throw new IllegalArgumentException("progress '" + label + "': done " + done + " is negative");
        this.done = done;
        this.fields = List.copyOf(Objects.requireNonNull(fields, "fields"));
        long now = clock.getAsLong();
        boolean first = !updated;
        updated = true;
        boolean finished = total > 0 && done >= total;
        switch (mode) {
            case TERMINAL -> {
                if (first || finished || now - lastDrawNanos >= minRedrawNanos) draw(now);
                else lastUpdatePrinted = false;
            }
            case PLAIN -> {
                boolean due = first
                        || (finished && lastPrintedDone != done)
                        || (plainEveryUnits > 0 && done - lastPrintedDone >= plainEveryUnits)
                        || (plainEveryNanos > 0 && now - lastDrawNanos >= plainEveryNanos)
                        || (plainEveryUnits <= 0 && plainEveryNanos <= 0);
                if (due) printPlain(now);
                else lastUpdatePrinted = false;
            }
            default -> lastUpdatePrinted = false;
        }
    }

    /** Prints one message line; on a terminal above the bar, which is redrawn under it. */
    public synchronized void println(String message) {
        if (mode == Mode.SILENT) return;
        if (mode == Mode.TERMINAL && shownLength > 0) {
            out.print("\r" + " ".repeat(shownLength) + "\r" + message + "\n");
            shownLength = 0;
            if (updated && !closed) draw(clock.getAsLong());
        } else {
            out.print(message + "\n");
        }
        out.flush();
    }

    /** Shows the final state (terminal: and ends the bar's line); further updates are refused. */
    @Override
    public synchronized void close() {
        if (closed) return;
        if (updated) {
            if (mode == Mode.TERMINAL) {
                if (!lastUpdatePrinted) draw(clock.getAsLong());
                out.print("\n");
                out.flush();
                shownLength = 0;
            } else if (mode == Mode.PLAIN && !lastUpdatePrinted) {
                printPlain(clock.getAsLong());
            }
        }
        closed = true;
    }

    private void draw(long now) {
        String line = fitToColumns(now);
        int pad = Math.max(0, shownLength - line.length());
        out.print("\r" + line + " ".repeat(pad));
        out.flush();
        shownLength = line.length();
        lastDrawNanos = now;
        lastUpdatePrinted = true;
    }

    private void printPlain(long now) {
        out.print(plainLine(now) + "\n");
        out.flush();
        lastDrawNanos = now;
        lastPrintedDone = done;
        lastUpdatePrinted = true;
    }

    /**
     * The terminal line within columns − 1 characters (writing the last column makes some terminals
     * wrap): first the bar shrinks (not below 10), then trailing groups are left out, last the line is cut.
     */
    private String fitToColumns(long now) {
        int limit = columns - 1;
        List<String> groups = groups(now);
        String head = terminalHead(now, barWidth);
        int length = head.length();
        for (String g : groups) length += 2 + g.length();
        if (length > limit && total > 0) {
            int bar = Math.max(MIN_BAR, barWidth - (length - limit));
            head = terminalHead(now, bar);
        }
        StringBuilder sb = new StringBuilder(head);
        for (String g : groups) {
            if (sb.length() + 2 + g.length() > limit) break;
            sb.append("  ").append(g);
        }
        return sb.length() > limit ? sb.substring(0, Math.max(0, limit)) : sb.toString();
    }

    /** Label, percentage, bar, counter and time: "train  45% [=========>          ] 450/1000  0:12:34<0:15:22". */
    private String terminalHead(long now, int bar) {
        StringBuilder sb = new StringBuilder(label);
        if (total > 0) {
            int pct = (int) Math.min(100, Math.max(0, (100.0 * done) / total));
            sb.append(String.format(Locale.ROOT, " %3d%% [", pct)).append(bar(bar)).append(']');
        }
        sb.append(' ').append(counter());
        // time before the groups: when groups are left out for the terminal's width, the ETA stays
        sb.append("  ").append(NumbersFormat.duration(seconds(now - startNanos)));
        if (total > 0) sb.append('<').append(NumbersFormat.duration(etaSeconds(now)));
        return sb.toString();
    }

    /** The plain line, e.g. "train 450/1000 (45.0%)  loss 1.2340  elapsed 0:12:34  eta 0:15:22". */
    String plainLine(long now) {
        StringBuilder sb = new StringBuilder(label).append(' ').append(counter());
        if (total > 0) sb.append(" (").append(NumbersFormat.percent(done, total)).append(')');
        for (String g : groups(now)) sb.append("  ").append(g);
        sb.append("  elapsed ").append(NumbersFormat.duration(seconds(now - startNanos)));
        if (total > 0) sb.append("  eta ").append(NumbersFormat.duration(etaSeconds(now)));
        return sb.toString();
    }

    /** The caller's fields, then the rate and the memory, each as one "name value" group. */
    private List<String> groups(long now) {
        List<String> out = new ArrayList<>(fields.size() + 2);
        for (Field f : fields) out.add(f.render());
        if (showRate) {
            double rate = ratePerSecond(now);
            String r = Double.isNaN(rate) ? "?" : bytes ? NumbersFormat.bytes(Math.round(rate)) : NumbersFormat.count(rate);
            out.add(r + (bytes ? "/s" : " " + unitName + "/s"));
        }
        if (memory != null) out.add("mem " + memoryText());
        return out;
    }

    private String counter() {
        if (bytes) return total > 0 ? NumbersFormat.bytesOf(done, total) : NumbersFormat.bytes(done);
        return total > 0 ? done + "/" + total : Long.toString(done);
    }

    private String bar(int width) {
        double frac = total > 0 ? Math.min(1.0, Math.max(0.0, (double) done / total)) : 0;
        int filled = (int) Math.floor(frac * width);
        if (filled >= width) return "=".repeat(width);
        return "=".repeat(filled) + ">" + " ".repeat(width - filled - 1);
    }

    private String memoryText() {
        try {
            MemoryProbe.MemoryUse use = memory.read();
            if (use == null) return "?";
            return NumbersFormat.bytesOf(use.usedBytes(), use.totalBytes());
        } catch (RuntimeException e) { // a failing probe must not stop the work it reports on
            return "?";
        }
    }

    private static double seconds(long nanos) {
        return nanos / 1e9;
    }

    private double ratePerSecond(long now) {
        double s = seconds(now - startNanos);
        long progressed = done - initial;
        return s > 0 && progressed >= 0 ? progressed / s : Double.NaN;
    }

    private double etaSeconds(long now) {
        if (total <= 0) return Double.NaN;
        if (done >= total) return 0;
        double rate = ratePerSecond(now);
        return rate > 0 ? (total - done) / rate : Double.NaN;
    }

    /** Units per second since the start (counting from {@code initial}); NaN before any time passed. */
    public synchronized double ratePerSecond() {
        return ratePerSecond(clock.getAsLong());
    }

    /** Seconds still to go at the average rate so far; NaN when unknown, 0 when done. */
    public synchronized double etaSeconds() {
        return etaSeconds(clock.getAsLong());
    }

    public String label() {
        return label;
    }

    public long total() {
        return total;
    }

    public synchronized long done() {
        return done;
    }

    /** The mode in effect ({@link Mode#AUTO} resolved). */
    public Mode mode() {
        return mode;
    }

    /** The clock this reporter reads (nanoseconds), for helpers that time the same work. */
    public LongSupplier clock() {
        return clock;
    }

    /** Configures a {@link ProgressReporter}. */
    public static final class Builder {
        private final String label;
        private final long total;
        private long initial;
        private PrintStream out = System.err;
        private Mode mode = Mode.AUTO;
        private int columns = -1;
        private int barWidth = 30;
        private String unitName = "it";
        private boolean bytes;
        private boolean showRate = true;
        private long plainEveryUnits = -1;
        private Duration plainEvery = Duration.ofSeconds(60);
        private Duration minRedraw = Duration.ofMillis(100);
        private MemoryProbe memory;
        private LongSupplier clock = System::nanoTime;

        private Builder(String label, long total) {
            this.label = Objects.requireNonNull(label, "progress label is null");
            this.total = total;
        }

        /** Where lines go (default System.err). */
        public Builder out(PrintStream out) {
            this.out = Objects.requireNonNull(out, "progress output is null");
            return this;
        }

        public Builder mode(Mode mode) {
            this.mode = Objects.requireNonNull(mode, "progress mode is null");
            return this;
        }

        /** Terminal width the bar line must fit in (default: $COLUMNS, else what {@code stty size} says, else 120). */
        public Builder columns(int columns) {
            if (columns < 20) throw new IllegalArgumentException("progress columns " + columns + " < 20");
            this.columns = columns;
            return this;
        }

        /** Characters between the brackets of the bar (default 30; shrunk to fit the columns, not below 10). */
        public Builder barWidth(int barWidth) {
            if (barWidth < MIN_BAR) throw new IllegalArgumentException("progress bar width " + barWidth + " < " + MIN_BAR);
            this.barWidth = barWidth;
            return this;
        }

        /** Units already done when the work (re)starts, e.g. the step a run resumes at; ETA counts from here. */
        public Builder initial(long initial) {
            if (initial < 0) throw new IllegalArgumentException("progress initial " + initial + " is negative");
            this.initial = initial;
            return this;
        }

        /** The name of a unit in the rate ("3.20 it/s" for "it", the default). */
        public Builder unit(String unitName) {
            this.unitName = Objects.requireNonNull(unitName, "unit");
            this.bytes = false;
            return this;
        }

        /** The units are bytes: counter "1.2/13.5 GiB", rate "1.1 GiB/s". */
        public Builder bytes() {
            this.bytes = true;
            return this;
        }

        /** Whether to show the rate of units per second (default true). */
        public Builder showRate(boolean showRate) {
            this.showRate = showRate;
            return this;
        }

        /**
         * Plain mode: a line when {@code units} more are done or {@code interval} passed since the last
         * line, whichever comes first (defaults: total/20 units, 60 s; 0 turns a condition off; both
         * off prints every update).
         */
        public Builder plainEvery(long units, Duration interval) {
            if (units < 0) throw new IllegalArgumentException("plainEvery units " + units + " is negative");
            if (interval == null || interval.isNegative()) {
                throw new IllegalArgumentException("plainEvery interval " + interval + " is null or negative");
            }
            this.plainEveryUnits = units;
            this.plainEvery = interval;
            return this;
        }

        /** Terminal mode: the shortest time between redraws (default 100 ms; the last update always shows). */
        public Builder minRedraw(Duration minRedraw) {
            if (minRedraw == null || minRedraw.isNegative()) {
                throw new IllegalArgumentException("minRedraw " + minRedraw + " is null or negative");
            }
            this.minRedraw = minRedraw;
            return this;
        }

        /** Adds "mem used/total" read from {@code probe} on each drawn line (null: no memory group). */
        public Builder memory(MemoryProbe probe) {
            this.memory = probe;
            return this;
        }

        /** The nanosecond clock (default System::nanoTime); tests pass a fake one. */
        public Builder clock(LongSupplier nanoClock) {
            this.clock = Objects.requireNonNull(nanoClock, "clock");
            return this;
        }

        public ProgressReporter build() {
            return new ProgressReporter(this);
        }

        private Mode resolveMode() {
            if (mode != Mode.AUTO) return mode;
            String env = System.getenv(MODE_ENV);
            if (env != null && !env.isBlank()) {
                Mode forced;
                try {
                    forced = Mode.parse(env);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("environment variable " + MODE_ENV + ": " + e.getMessage(), e);
                }
                if (forced != Mode.AUTO) return forced;
            }
            boolean standard = out == System.out || out == System.err;
            return standard && interactiveTerminal() ? Mode.TERMINAL : Mode.PLAIN;
        }
    }

    /** The terminal's width: $COLUMNS, else {@code stty size} on /dev/tty, else 120. Read once per reporter. */
    static int terminalColumns() {
        String env = System.getenv("COLUMNS");
        if (env != null) {
            try {
                int c = Integer.parseInt(env.trim());
                if (c >= 20) return c;
            } catch (NumberFormatException ignored) {
                // a malformed $COLUMNS: ask stty
            }
        }
        File tty = new File("/dev/tty");
        if (!tty.exists()) return DEFAULT_COLUMNS;
        try {
            Process p = new ProcessBuilder("stty", "size").redirectInput(tty).redirectErrorStream(true).start();
            if (!p.waitFor(500, TimeUnit.MILLISECONDS)) {
                p.destroyForcibly();
                return DEFAULT_COLUMNS;
            }
            String[] rowsCols = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII).trim().split("\\s+");
            if (p.exitValue() == 0 && rowsCols.length == 2) {
                int c = Integer.parseInt(rowsCols[1]);
                if (c >= 20) return c;
            }
        } catch (IOException | NumberFormatException e) {
            // no stty or no terminal: the default width
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return DEFAULT_COLUMNS;
    }

    /** Whether this process runs on an interactive terminal (a console that is a terminal, TERM not "dumb"). */
    public static boolean interactiveTerminal() {
        Console console = System.console();
        if (console == null || !console.isTerminal()) return false;
        String term = System.getenv("TERM");
        return term == null || !term.equals("dumb");
    }

    /** The groups of the last update (for tests and for callers that want to repeat them). */
    public synchronized List<Field> fields() {
        return new ArrayList<>(fields);
    }
}
