package dev.lorapar.tests.train.checkpoint;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Kills a training program with SIGKILL and checks that resuming gives what an uninterrupted run gives. It runs
 * {@code mainClass} in child JVMs (this JVM's java binary, this JVM's class path, {@code
 * --enable-native-access=ALL-UNNAMED}, every {@code -Dlorapar.*} property of this JVM): first once to the end in
 * {@code workDir/reference}, then repeatedly in {@code workDir/resumed}, each attempt killed
 * ({@link Process#destroyForcibly()}, SIGKILL on Linux) at a random moment, until {@code kills} kills have landed;
 * a last attempt runs to the end. Every {@code {dir}} in the arguments becomes the run's directory; the program
 * must resume by itself from what it finds there, and print one line per step (the progress line, e.g.
 * {@code "step 17 loss 3a8f21c0"}) whose group 1 names the step.
 *
 * <p>Kill moments, {@link Options#randomKills}: the reference run's time from its first progress line to its exit
 * is cut into {@code kills} equal strata and one moment drawn uniformly in each (stratified, so the kills spread
 * over the whole run: early, mid-checkpoint, late). Attempt i is killed at its moment in the reference's
 * timeline: when it prints the progress line the reference printed last before that moment (or any later one:
 * it may have resumed past it), plus the time the reference took from that line to the moment. So a moment that
 * fell inside a checkpoint write in the reference falls inside the same write in the attempt.
 * {@link Options#killAfterLine} aims instead at a line the program prints (e.g. while it writes a checkpoint).
 *
 * <pre>{@code
 * var options = KillResumeHarness.Options.randomKills(3, seed, Pattern.compile("^step (\\d+) "));
 * KillResumeHarness.Result r = KillResumeHarness.run(SftMain.class,
 *         List.of("--out", KillResumeHarness.DIR, "--steps", "40"), tempDir, options);
 * assertEquals(List.of(), r.mismatches(), r.describe());   // same step lines, last attempt completed
 * }</pre>
 */
public final class KillResumeHarness {
    /** Replaced in every argument by the run's own directory. */
    public static final String DIR = "{dir}";

    private KillResumeHarness() {
    }

    /**
     * @param kills                kills to land (≥ 0)
     * @param seed                 seed of the kill moments
     * @param progressLine         found in each per-step output line; group 1 is the step (the comparison key)
     * @param killTrigger          null: kills at stratified random moments; else kills timed from a line in which
     *                             this is found, the n-th one, n random in [1, maxTriggerOccurrence]
     * @param maxKillDelay         with a killTrigger: delays random in [0, this)
     * @param timeout              per child JVM
     * @param jvmArgs              extra JVM options of every child (before the main class)
     */
    public record Options(int kills, long seed, Pattern progressLine, Pattern killTrigger, int maxTriggerOccurrence,
                          Duration maxKillDelay, Duration timeout, List<String> jvmArgs) {
        public Options {
            if (kills < 0) throw new IllegalArgumentException("kills must be ≥ 0, got " + kills);
            Objects.requireNonNull(progressLine, "progressLine");
            Objects.requireNonNull(timeout, "timeout");
            if (killTrigger != null && (maxTriggerOccurrence < 1 || maxKillDelay == null)) {
                throw new IllegalArgumentException("a kill trigger needs maxTriggerOccurrence ≥ 1 and a maxKillDelay");
            }
            jvmArgs = List.copyOf(jvmArgs);
        }

        /** {@code kills} kills at stratified random moments of the run, 60 s per child. */
        public static Options randomKills(int kills, long seed, Pattern progressLine) {
            return new Options(kills, seed, progressLine, null, 0, null, Duration.ofSeconds(60), List.of());
        }

        /** Kills timed from the n-th line (n in [1, maxOccurrence]) containing {@code line}, delayed [0, maxDelay). */
        public Options killAfterLine(Pattern line, int maxOccurrence, Duration maxDelay) {
            return new Options(kills, seed, progressLine, Objects.requireNonNull(line, "line"), maxOccurrence, maxDelay,
                    timeout, jvmArgs);
        }

        public Options withJvmArgs(String... args) {
            return new Options(kills, seed, progressLine, killTrigger, maxTriggerOccurrence, maxKillDelay, timeout,
                    List.of(args));
        }

        public Options withTimeout(Duration perChild) {
            return new Options(kills, seed, progressLine, killTrigger, maxTriggerOccurrence, maxKillDelay, perChild,
                    jvmArgs);
        }
    }

    /**
     * One child JVM.
     *
     * @param stdout         its complete output lines (a line cut by the kill is in {@code cutLine})
     * @param lineTimes      when each line arrived, after the start
     * @param killPlan       when it was to be killed, in words; null when it was to run to the end
     * @param killed         whether the kill landed (SIGKILL while it was still running)
     * @param filesAfterExit "name size" of every file of its directory right after it ended
     */
    public record ChildRun(String label, List<String> stdout, List<Duration> lineTimes, String cutLine, String stderr,
                           int exitCode, String killPlan, boolean killed, Duration wallTime, List<String> filesAfterExit) {
        /** Ran to the end by itself with exit code 0. */
        public boolean completed() {
            return !killed && exitCode == 0;
        }

        /** A few lines for failure messages: what happened and the tail of its output. */
        public String describe() {
            String fate = killed ? "killed " + killPlan : killPlan != null ? "not killed (" + killPlan + "), exit " + exitCode
                    : "exit " + exitCode;
            List<String> tail = stdout.subList(Math.max(0, stdout.size() - 6), stdout.size());
            String err = stderr.isBlank() ? "" : "\n    stderr: " + tail(stderr, 1500).replace("\n", "\n    ");
            return label + ": " + fate + " after " + wallTime.toMillis() + " ms, " + stdout.size() + " lines, last "
                    + tail + (cutLine.isEmpty() ? "" : " cut '" + cutLine + "'") + ", files " + filesAfterExit + err;
        }
    }

    /** The reference run and the attempts in the resumed directory, the last of which ran to the end (or failed). */
    public record Result(Path referenceDir, Path resumedDir, Pattern progressLine, ChildRun reference,
                         List<ChildRun> attempts) {
        /** Kills that landed. */
        public int kills() {
            return (int) attempts.stream().filter(ChildRun::killed).count();
        }

        public ChildRun last() {
            return attempts.getLast();
        }

        /** Every output line of every attempt, in order. */
        public List<String> allResumedLines() {
            List<String> out = new ArrayList<>();
            for (ChildRun a : attempts) out.addAll(a.stdout());
            return out;
        }

        /** {@link #mismatches(Pattern)} with the progress line of the options. */
        public List<String> mismatches() {
            return mismatches(progressLine);
        }

        /**
         * What differs from the uninterrupted run, empty when nothing does: every line of every attempt in which
         * {@code keyedLine} is found (its group 1 the key, e.g. the step) must equal the reference's line of that
         * key, every reference key must be printed by some attempt, and the last attempt must have completed.
         */
        public List<String> mismatches(Pattern keyedLine) {
            List<String> out = new ArrayList<>();
            Map<String, String> ref = new LinkedHashMap<>();
            for (String line : reference.stdout()) {
                Matcher m = keyedLine.matcher(line);
                if (!m.find()) continue;
                String prev = ref.putIfAbsent(m.group(1), line);
                if (prev != null && !prev.equals(line)) out.add("reference prints key " + m.group(1) + " twice, differently");
            }
            if (ref.isEmpty()) out.add("the reference run printed no line matching " + keyedLine);
            Set<String> seen = new LinkedHashSet<>();
            for (ChildRun a : attempts) {
                for (String line : a.stdout()) {
                    Matcher m = keyedLine.matcher(line);
                    if (!m.find()) continue;
                    seen.add(m.group(1));
                    String want = ref.get(m.group(1));
                    if (!line.equals(want)) out.add(a.label() + " printed '" + line + "', the reference '" + want + "'");
                }
            }
            for (String key : ref.keySet()) {
                if (!seen.contains(key)) out.add("no attempt printed key " + key);
            }
            if (!last().completed()) out.add("the last attempt did not complete: " + last().describe());
            return out;
        }

        /** Every run, one paragraph each, for assertion messages. */
        public String describe() {
            StringBuilder s = new StringBuilder(reference.describe());
            for (ChildRun a : attempts) s.append('\n').append(a.describe());
            return s.toString();
        }
    }

    /** When to kill one attempt: {@code delay} after the first line for which {@code fires} says yes. */
    private record KillPlan(Predicate<String> fires, Duration delay, String words) {
    }

    /**
     * Runs {@code mainClass} once uninterrupted and then killed and resumed as {@code options} says, in fresh
     * subdirectories {@code reference} and {@code resumed} of {@code workDir}. Throws when the reference run
     * fails or a child outlives the timeout.
     */
    public static Result run(Class<?> mainClass, List<String> args, Path workDir, Options options)
            throws IOException, InterruptedException {
        Path refDir = Files.createDirectories(workDir.resolve("reference"));
        Path resDir = Files.createDirectories(workDir.resolve("resumed"));
        ScheduledExecutorService killer = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "kill-resume-killer");
            t.setDaemon(true);
            return t;
        });
        try {
            ChildRun reference = runChild("reference", command(mainClass, args, refDir, options), refDir, options,
                    null, killer);
            if (!reference.completed()) {
                throw new IllegalStateException("the uninterrupted reference run failed: " + reference.describe());
            }
            List<KillPlan> plans = plans(reference, options);
            List<ChildRun> attempts = new ArrayList<>();
            for (int i = 0; ; i++) {
                KillPlan plan = i < plans.size() ? plans.get(i) : null;
                ChildRun a = runChild("attempt " + (i + 1), command(mainClass, args, resDir, options), resDir, options,
                        plan, killer);
                attempts.add(a);
                if (!a.killed()) break; // ran to the end (or failed): nothing left to kill
            }
            return new Result(refDir, resDir, options.progressLine(), reference, List.copyOf(attempts));
        } finally {
            killer.shutdownNow();
        }
    }

    /** One kill plan per kill, as the class comment says. */
    private static List<KillPlan> plans(ChildRun reference, Options options) {
        Random random = new Random(options.seed());
        List<KillPlan> plans = new ArrayList<>();
        if (options.killTrigger() != null) {
            for (int k = 0; k < options.kills(); k++) {
                int n = 1 + random.nextInt(options.maxTriggerOccurrence());
                Duration delay = Duration.ofNanos((long) (random.nextDouble() * options.maxKillDelay().toNanos()));
                int[] seen = {0};
                plans.add(new KillPlan(line -> options.killTrigger().matcher(line).find() && ++seen[0] == n, delay,
                        delay.toMillis() + " ms after line #" + n + " matching '" + options.killTrigger() + "'"));
            }
            return plans;
        }
        // the reference's progress lines: key → index, and their times
        Map<String, Integer> index = new LinkedHashMap<>();
        List<String> keys = new ArrayList<>();
        List<Duration> times = new ArrayList<>();
        for (int i = 0; i < reference.stdout().size(); i++) {
            Matcher m = options.progressLine().matcher(reference.stdout().get(i));
            if (m.find() && !index.containsKey(m.group(1))) {
                index.put(m.group(1), keys.size());
                keys.add(m.group(1));
                times.add(reference.lineTimes().get(i));
            }
        }
        if (keys.isEmpty()) {
            throw new IllegalStateException("the reference run printed no progress line matching '"
                    + options.progressLine() + "': " + reference.describe());
        }
        long from = times.getFirst().toNanos();
        long span = reference.wallTime().toNanos() - from;
        for (int k = 0; k < options.kills(); k++) {
            long moment = from + (long) ((k + random.nextDouble()) * span / options.kills());
            int last = 0;
            while (last + 1 < keys.size() && times.get(last + 1).toNanos() <= moment) last++;
            int target = last;
            Duration delay = Duration.ofNanos(Math.max(0, moment - times.get(last).toNanos()));
            plans.add(new KillPlan(line -> {
                Matcher m = options.progressLine().matcher(line);
                if (!m.find()) return false;
                Integer at = index.get(m.group(1));
                return at != null && at >= target;
            }, delay, delay.toMillis() + " ms after progress line '" + keys.get(target) + "' (at "
                    + Duration.ofNanos(moment).toMillis() + " ms of the reference's " + reference.wallTime().toMillis() + ")"));
        }
        return plans;
    }

    private static List<String> command(Class<?> mainClass, List<String> args, Path dir, Options options) {
        String java = ProcessHandle.current().info().command()
                .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        List<String> cmd = new ArrayList<>();
        cmd.add(java);
        cmd.add("--enable-native-access=ALL-UNNAMED");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        for (String key : System.getProperties().stringPropertyNames()) {
            if (key.startsWith("lorapar.")) cmd.add("-D" + key + "=" + System.getProperty(key));
        }
        cmd.addAll(options.jvmArgs());
        cmd.add(mainClass.getName());
        for (String a : args) cmd.add(a.replace(DIR, dir.toString()));
        return cmd;
    }

    /** Output lines with their arrival times (ns after start), read from a child's stdout. */
    private static final class Lines {
        final List<String> lines = Collections.synchronizedList(new ArrayList<>());
        final List<Long> times = Collections.synchronizedList(new ArrayList<>());
        volatile String cut = "";
    }

    private static ChildRun runChild(String label, List<String> cmd, Path dir, Options options, KillPlan plan,
                                     ScheduledExecutorService killer)
            throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile());
        long start = System.nanoTime();
        Process p = pb.start();
        AtomicBoolean killSent = new AtomicBoolean();
        Lines out = new Lines();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        AtomicBoolean fired = new AtomicBoolean();
        Thread reader = Thread.ofPlatform().daemon().name(label + "-stdout").start(() -> readLines(p.getInputStream(), out, line -> {
            if (plan == null || fired.get() || !plan.fires().test(line)) return;
            fired.set(true);
            killer.schedule(() -> {
                if (p.isAlive()) {
                    killSent.set(true);
                    p.destroyForcibly();
                }
            }, plan.delay().toNanos(), TimeUnit.NANOSECONDS);
        }, start));
        Thread errReader = Thread.ofPlatform().daemon().name(label + "-stderr").start(() -> {
            try (InputStream in = p.getErrorStream()) {
                in.transferTo(err);
            } catch (IOException ignored) {
                // the child died: what was read is kept
            }
        });
        boolean ended = p.waitFor(options.timeout().toMillis(), TimeUnit.MILLISECONDS);
        if (!ended) {
            p.destroyForcibly().waitFor();
            reader.join(5000);
            List<String> lines = List.copyOf(out.lines);
            throw new IllegalStateException(label + " (" + String.join(" ", cmd.subList(cmd.indexOf("-cp") + 2, cmd.size()))
                    + ") ran past " + options.timeout() + " and was killed; last output "
                    + lines.subList(Math.max(0, lines.size() - 10), lines.size()));
        }
        Duration wall = Duration.ofNanos(System.nanoTime() - start);
        reader.join(5000);
        errReader.join(5000);
        int code = p.exitValue();
        List<String> files;
        try (Stream<Path> s = Files.list(dir)) {
            files = s.sorted().map(f -> f.getFileName() + " " + f.toFile().length()).toList();
        }
        List<Duration> times = new ArrayList<>();
        for (long t : List.copyOf(out.times)) times.add(Duration.ofNanos(t));
        return new ChildRun(label, List.copyOf(out.lines), times, out.cut, err.toString(StandardCharsets.UTF_8), code,
                plan == null ? null : plan.words(), killSent.get() && code != 0, wall, files);
    }

    private static void readLines(InputStream in, Lines out, java.util.function.Consumer<String> onLine, long start) {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        byte[] buf = new byte[8192];
        try (in) {
            int n;
            while ((n = in.read(buf)) > 0) {
                for (int i = 0; i < n; i++) {
                    if (buf[i] != '\n') {
                        line.write(buf[i]);
                        continue;
                    }
                    String s = line.toString(StandardCharsets.UTF_8);
                    if (s.endsWith("\r")) s = s.substring(0, s.length() - 1);
                    line.reset();
                    out.times.add(System.nanoTime() - start);
                    out.lines.add(s);
                    onLine.accept(s);
                }
            }
        } catch (IOException closed) {
            // the child died mid-read
        }
        out.cut = line.toString(StandardCharsets.UTF_8);
    }

    private static String tail(String s, int chars) {
        return s.length() <= chars ? s.strip() : "…" + s.substring(s.length() - chars).strip();
    }
}
