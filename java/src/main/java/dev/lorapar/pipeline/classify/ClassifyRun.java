package dev.lorapar.pipeline.classify;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lorapar.pipeline.stage.StageDir;
import dev.lorapar.pipeline.stage.StageKey;
import dev.lorapar.tokenizer.ChatTurn;
import dev.lorapar.train.data.DataReader;
import dev.lorapar.train.data.Example;
import dev.lorapar.train.data.ReadOptions;
import dev.lorapar.train.export.AtomicFiles;
import dev.lorapar.train.report.ProgressReporter;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The classify stage (method §1): every item of the data asked of every teacher (each with its own concurrency),
 * every call journalled in a {@link VoteJournal} before it counts, votes combined by majority. Tie rule: a tie
 * between System1 and System2 votes — also no vote at all — goes to {@code tieLabel} (default System2, so that
 * doubtful items get the reasoning stage). Outputs in a {@link StageDir} keyed by the data's content, the voters'
 * keys and the tie label: {@value #LABELLED} (one object per item: index, source, question, answer, label, votes by
 * voter (null = abstain), tie), {@value #S1} / {@value #S2} ({"question", "answer"} per item of that label, in data
 * order: the input of score and SFT), {@value #STATS} ({@link Agreement} and the counts).
 */
public final class ClassifyRun {
    public static final String LABELLED = "labelled.jsonl";
    public static final String S1 = "s1.jsonl";
    public static final String S2 = "s2.jsonl";
    public static final String STATS = "agreement.json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private ClassifyRun() {
    }

    /** Everything a classify run needs; {@code journal} is shared by runs (a cache of calls), {@code limit} 0 = all. */
    public record Settings(Path data, List<Teacher> teachers, Label tieLabel, boolean retryErrors, int limit,
                           Path journal, boolean force, ProgressReporter.Mode progress) {
        public Settings {
            teachers = List.copyOf(teachers);
            if (teachers.isEmpty()) throw new IllegalArgumentException("classify needs at least one teacher or voter");
            Set<String> names = new HashSet<>();
            for (Teacher t : teachers) {
                if (!names.add(t.name())) throw new IllegalArgumentException("two voters are named '" + t.name() + "'");
            }
        }
    }

    /** The outcome counts. */
    public record Outcome(StageDir stage, int items, long system1, long system2, long ties, long callsMade) {
    }

    public static StageKey key(Settings s) throws IOException {
        StageKey key = StageKey.of("classify").file("data", s.data());
        for (Teacher t : s.teachers()) key.setting("voter." + t.name(), t.key());
        return key.setting("tie_label", s.tieLabel()).setting("limit", s.limit());
    }

    public static Outcome run(Path root, Settings s, PrintStream out, PrintStream err) throws IOException,
            InterruptedException {
        StageDir stage = StageDir.of(root, key(s));
        if (!s.force() && stage.complete()) {
            out.println("classify: up to date in " + stage.dir() + ": skipped");
            return new Outcome(stage, 0, 0, 0, 0, 0);
        }
        Path dir = stage.create();
        List<Item> items = items(s.data(), s.limit());
        List<Label[]> votes = new ArrayList<>();
        for (int i = 0; i < items.size(); i++) votes.add(new Label[s.teachers().size()]);
        long calls;
        try (VoteJournal journal = VoteJournal.open(s.journal())) {
            if (journal.truncationNote() != null) err.println("classify: journal " + journal.truncationNote());
            AtomicLong done = new AtomicLong();
            try (ProgressReporter bar = ProgressReporter.builder("classify", (long) items.size() * s.teachers().size())
                    .out(err).mode(s.progress()).unit("votes").build()) {
                List<ExecutorService> pools = new ArrayList<>();
                List<Future<?>> futures = new ArrayList<>();
                try {
                    for (int t = 0; t < s.teachers().size(); t++) {
                        Teacher teacher = s.teachers().get(t);
                        ExecutorService pool = Executors.newFixedThreadPool(teacher.concurrency());
                        pools.add(pool);
                        int column = t;
                        for (int i = 0; i < items.size(); i++) {
                            int row = i;
                            futures.add(pool.submit(() -> {
                                votes.get(row)[column] = vote(items.get(row), teacher, journal, s.retryErrors());
                                synchronized (bar) {
                                    bar.update(done.incrementAndGet());
                                }
                                return null;
                            }));
                        }
                    }
                    for (Future<?> f : futures) {
                        try {
                            f.get();
                        } catch (java.util.concurrent.ExecutionException e) {
                            Throwable c = e.getCause();
                            if (c instanceof IOException io) throw io;
                            if (c instanceof RuntimeException re) throw re;
                            throw new IOException(c);
                        }
                    }
                } finally {
                    pools.forEach(ExecutorService::shutdownNow);
                }
            }
            calls = journal.appended();
        }
        return write(stage, dir, items, votes, s, calls, out);
    }

    /** The vote of {@code teacher} on {@code item}: from the journal when finished, else asked (and journalled). */
    static Label vote(Item item, Teacher teacher, VoteJournal journal, boolean retryErrors) throws IOException,
            InterruptedException {
        String tk = sha16(teacher.key());
        JsonNode fin = journal.finalRecord(item.id(), tk);
        if (fin != null && !(retryErrors && "error".equals(fin.path("status").asText()))) {
            return fin.path("label").isTextual() ? Label.of(fin.path("label").asText()) : null;
        }
        List<String> history = new ArrayList<>();
        if (fin == null) {
            for (JsonNode r : journal.records(item.id(), tk)) {
                if (!r.path("final").asBoolean() && r.path("raw").isTextual()) history.add(r.path("raw").asText());
            }
        }
        while (true) {
            int attempt = history.size() + 1;
            long t0 = System.nanoTime();
            ObjectNode rec = VoteJournal.record();
            rec.put("item", item.id()).put("index", item.index()).put("teacher", teacher.name()).put("teacher_key", tk)
                    .put("attempt", attempt);
            String raw;
            try {
                raw = teacher.ask(item, List.copyOf(history));
            } catch (Teacher.TeacherException e) {
                rec.putNull("raw").putNull("label").put("status", "error").put("error", e.getMessage()).put("final", true)
                        .put("ms", (System.nanoTime() - t0) / 1_000_000);
                journal.append(rec);
                return null;
            }
            var label = Label.parse(raw);
            rec.put("raw", raw).put("ms", (System.nanoTime() - t0) / 1_000_000);
            if (label.isPresent()) {
                rec.put("label", label.get().text()).put("status", "ok").put("final", true);
                journal.append(rec);
                return label.get();
            }
            boolean giveUp = attempt >= 2;
            rec.putNull("label").put("status", giveUp ? "abstain" : "unparseable").put("final", giveUp);
            journal.append(rec);
            if (giveUp) return null;
            history.add(raw);
        }
    }

    /** Majority of the non-abstaining votes; a tie (or no vote) gives {@code tieLabel}. */
    public static Label majority(Label[] votes, Label tieLabel) {
        int s1 = 0, s2 = 0;
        for (Label l : votes) {
            if (l == Label.SYSTEM1) s1++;
            else if (l == Label.SYSTEM2) s2++;
        }
        return s1 > s2 ? Label.SYSTEM1 : s2 > s1 ? Label.SYSTEM2 : tieLabel;
    }

    private static Outcome write(StageDir stage, Path dir, List<Item> items, List<Label[]> votes, Settings s, long calls,
                                 PrintStream out) throws IOException {
        StringBuilder labelled = new StringBuilder(), s1 = new StringBuilder(), s2 = new StringBuilder();
        List<Label> finals = new ArrayList<>();
        long n1 = 0, n2 = 0, ties = 0;
        for (int i = 0; i < items.size(); i++) {
            Item item = items.get(i);
            Label[] v = votes.get(i);
            Label fin = majority(v, s.tieLabel());
            boolean tie = isTie(v);
            finals.add(fin);
            if (tie) ties++;
            ObjectNode o = JSON.createObjectNode();
            o.put("index", item.index()).put("source", item.source()).put("question", item.question())
                    .put("answer", item.answer()).put("label", fin.text()).put("tie", tie);
            ObjectNode byVoter = o.putObject("votes");
            for (int t = 0; t < v.length; t++) {
                if (v[t] == null) byVoter.putNull(s.teachers().get(t).name());
                else byVoter.put(s.teachers().get(t).name(), v[t].text());
            }
            labelled.append(JSON.writeValueAsString(o)).append('\n');
            ObjectNode qa = JSON.createObjectNode().put("question", item.question()).put("answer", item.answer());
            if (fin == Label.SYSTEM1) {
                n1++;
                s1.append(JSON.writeValueAsString(qa)).append('\n');
            } else {
                n2++;
                s2.append(JSON.writeValueAsString(qa)).append('\n');
            }
        }
        AtomicFiles.writeString(dir.resolve(LABELLED), labelled.toString());
        AtomicFiles.writeString(dir.resolve(S1), s1.toString());
        AtomicFiles.writeString(dir.resolve(S2), s2.toString());
        List<String> names = s.teachers().stream().map(Teacher::name).toList();
        ObjectNode stats = Agreement.json(names, votes, finals);
        stats.put("system1", n1).put("system2", n2).put("ties", ties).put("tie_label", s.tieLabel().text());
        stats.put("tie_rule", "majority of non-abstaining votes; a tie or no vote goes to " + s.tieLabel().text());
        AtomicFiles.writeString(dir.resolve(STATS), JSON.writerWithDefaultPrettyPrinter().writeValueAsString(stats));
        stage.finish(List.of(LABELLED, S1, S2, STATS), null);
        out.printf("classify: %d items → %d System1, %d System2 (%d ties → %s); Fleiss κ %s; %d journal records new; "
                        + "outputs in %s%n", items.size(), n1, n2, ties, s.tieLabel(), stats.get("fleiss_kappa"), calls, dir);
        return new Outcome(stage, items.size(), n1, n2, ties, calls);
    }

    private static boolean isTie(Label[] v) {
        int s1 = 0, s2 = 0;
        for (Label l : v) {
            if (l == Label.SYSTEM1) s1++;
            else if (l == Label.SYSTEM2) s2++;
        }
        return s1 == s2;
    }

    /** The items of a data file (any shape the SFT reader takes; a dialog's turns are joined). */
    static List<Item> items(Path data, int limit) {
        List<Example> examples = DataReader.read(data, ReadOptions.defaults()).examples();
        List<Item> items = new ArrayList<>();
        for (Example e : examples) {
            if (limit > 0 && items.size() >= limit) break;
            String q, a;
            if (e instanceof Example.SingleTurn st) {
                q = st.prompt();
                a = st.answer();
            } else {
                StringBuilder qs = new StringBuilder(), as = new StringBuilder();
                for (ChatTurn t : ((Example.Dialog) e).turns()) {
                    qs.append(qs.isEmpty() ? "" : "\n").append(t.user());
                    as.append(as.isEmpty() ? "" : "\n").append(t.assistant());
                }
                q = qs.toString();
                a = as.toString();
            }
            items.add(Item.of(items.size(), e.source().toString(), q, a));
        }
        if (items.isEmpty()) throw new IllegalArgumentException(data + ": no items to classify");
        return items;
    }

    static String sha16(String text) {
        return StageKey.sha256Hex(text).substring(0, 16);
    }
}
