package dev.lorapar.pipeline;

import dev.lorapar.pipeline.partition.PartitionRun;
import dev.lorapar.pipeline.score.ScoreRun;
import dev.lorapar.train.RunSetup;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code lorapar partition}: importance scores → stage masks (see {@link PartitionRun}). Exit status 0 done, 2 bad
 * settings or input files, 1 anything else.
 */
public final class PartitionMain {
    private PartitionMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    static CommandFlags flags() {
        return new CommandFlags("partition")
                .key("scores", "", "folder of a score stage (its " + ScoreRun.SUMMARY + " names the systems and files)")
                .key("importance", "", "instead of --scores: importance files, one per system (comma list)")
                .key("systems", "", "with --importance: the systems' names, same order (default s1,s2,…)")
                .key("theta", "0.9", "share of each system's total importance its set must hold, in [0, 1]")
                .key("alpha", "1", "share of the shared elements stage 1 takes (ranked by system 1's importance)")
                .key("beta", "1", "share of the shared elements stage 2 takes (ranked by system 2's importance)")
                .key("shares", "", "K > 2 systems: one share per system (comma list; replaces alpha, beta)")
                .key("output_dir", "runs", "root folder; the stage writes into output_dir/partition-<key>")
                .key("device", "auto", "cpu, cuda:N or auto")
                .key("force", "false", "run even when an up-to-date result is there");
    }

    public static int run(String[] args, PrintStream out, PrintStream err) {
        return flags().execute(args, out, err, f -> {
            List<PartitionRun.Input> inputs = inputs(f);
            double[] shares = new double[inputs.size()];
            if (f.isSet("shares")) {
                List<String> s = f.list("shares");
                if (s.size() != inputs.size()) throw f.bad("shares", inputs.size() + " numbers (one per system)");
                for (int i = 0; i < s.size(); i++) shares[i] = Double.parseDouble(s.get(i));
            } else {
                if (inputs.size() > 2) throw f.bad("shares", "given for " + inputs.size() + " systems (alpha, beta are for 2)");
                shares[0] = f.real("alpha");
                shares[1] = f.real("beta");
            }
            PartitionRun.run(f.path("output_dir"), inputs, f.real("theta"), shares, RunSetup.device(f.text("device")),
                    f.bool("force"), out);
        });
    }

    static List<PartitionRun.Input> inputs(CommandFlags f) throws java.io.IOException {
        if (f.isSet("scores") == f.isSet("importance")) {
            throw new IllegalArgumentException("give either --scores DIR or --importance FILES");
        }
        if (f.isSet("scores")) return ScoreRun.partitionInputs(f.path("scores"));
        List<String> files = f.list("importance");
        List<String> names = f.isSet("systems") ? f.list("systems") : new ArrayList<>();
        if (names.isEmpty()) for (int i = 0; i < files.size(); i++) names.add("s" + (i + 1));
        if (names.size() != files.size()) throw f.bad("systems", files.size() + " names (one per importance file)");
        List<PartitionRun.Input> inputs = new ArrayList<>();
        for (int i = 0; i < files.size(); i++) inputs.add(new PartitionRun.Input(names.get(i), Path.of(files.get(i))));
        return inputs;
    }
}
