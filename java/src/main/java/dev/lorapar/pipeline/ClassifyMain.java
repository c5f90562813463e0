package dev.lorapar.pipeline;

import dev.lorapar.pipeline.classify.ClassifyRun;
import dev.lorapar.pipeline.classify.Label;
import dev.lorapar.pipeline.classify.LocalVoter;
import dev.lorapar.pipeline.classify.Teacher;
import dev.lorapar.pipeline.classify.TeacherConfigs;
import dev.lorapar.train.report.ProgressReporter;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code lorapar classify}: System-1 / System-2 labels by teacher voting (see {@link ClassifyRun}). Exit status 0
 * done, 2 bad settings or data, 1 anything else.
 */
public final class ClassifyMain {
    private ClassifyMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static CommandFlags flags() {
        return new CommandFlags("classify")
                .key("data", null, "question/answer data (JSON / JSONL in any shape lorapar sft reads)")
                .key("teachers", "", "JSON array of voters: OpenAI-compatible endpoints and local voters")
                .key("voters", "", "local voters to add: steps, equations, sentences (comma list)")
                .key("target_model", "LLaMA-2 7B", "the model the teachers role-play")
                .key("role_play", "true", "use the role-play prompt (false: the plain variant)")
                .key("tie_label", "System2", "label of a tie or of an item no voter labelled")
                .key("retry_errors", "false", "ask again where the journal holds a failed call")
                .key("limit", "0", "classify only the first N items (0 = all)")
                .key("journal", "", "the call journal (default output_dir/journals/classify.jsonl)")
                .key("output_dir", "runs", "root folder; the stage writes into output_dir/classify-<key>")
                .key("progress", "auto", "progress display: auto, terminal, plain, silent")
                .key("force", "false", "run even when an up-to-date result is there");
    }

    static ClassifyRun.Settings settings(CommandFlags f) {
        List<Teacher> teachers = new ArrayList<>();
        if (f.isSet("teachers")) {
            teachers.addAll(TeacherConfigs.read(f.path("teachers"), f.bool("role_play"), f.text("target_model")));
        }
        for (String v : f.list("voters")) teachers.add(LocalVoter.of(LocalVoter.Kind.parse(v)));
        return new ClassifyRun.Settings(f.path("data"), teachers, Label.of(f.text("tie_label")),
                f.bool("retry_errors"), (int) f.integer("limit"),
                f.isSet("journal") ? f.path("journal") : f.path("output_dir").resolve("journals").resolve("classify.jsonl"),
                f.bool("force"), ProgressReporter.Mode.parse(f.text("progress")));
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        return flags().execute(args, out, err, f -> ClassifyRun.run(f.path("output_dir"), settings(f), out, err));
    }
}
