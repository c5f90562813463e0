package dev.lorapar.rl;

import dev.lorapar.core.DeviceOutOfMemoryException;
import dev.lorapar.train.NonFiniteLossException;
import dev.lorapar.train.TrainConfig;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;

/**
 * {@code lorapar grpo}: GRPO on the stage-2 LoRA elements from the command line. {@code --help} lists every setting;
 * exit status 0 done, 2 bad settings or data, 3 a non-finite loss (the last good checkpoint is kept), 4 out of device
 * memory (with what to change), 1 anything else.
 */
public final class GrpoMain {
    private GrpoMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** The command without System.exit, for tests and the {@code lorapar} dispatcher. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
            out.print("usage: lorapar grpo --config run.json [--key value ...]\nsettings:\n" + GrpoConfig.help());
            return 0;
        }
        TrainConfig config;
        try {
            config = GrpoConfig.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("lorapar grpo: " + e.getMessage());
            return 2;
        }
        try {
            GrpoRun.Outcome o = GrpoRun.run(config, new GrpoReporter(config, out, err));
            out.printf(Locale.ROOT, "lorapar grpo: done after %d steps, last mean reward %.4f, outputs in %s%n",
                    o.steps(), o.lastRewardMean(), o.outputDir());
            return 0;
        } catch (NonFiniteLossException e) {
            err.println("lorapar grpo: stopped: " + e.getMessage() + "; the last good checkpoint is kept in "
                    + config.text("output_dir") + "/checkpoints");
            return 3;
        } catch (DeviceOutOfMemoryException e) {
            err.println("lorapar grpo: out of device memory: " + e.getMessage() + ". Lower train_rows, "
                    + "prompts_per_step or max_completion, or set --recompute true");
            return 4;
        } catch (IllegalArgumentException e) {
            err.println("lorapar grpo: " + e.getMessage());
            return 2;
        } catch (IOException | RuntimeException e) {
            err.println("lorapar grpo: failed: " + e);
            return 1;
        }
    }
}
