package dev.lorapar.train;

import dev.lorapar.core.DeviceOutOfMemoryException;
import java.io.IOException;
import java.io.PrintStream;

/**
 * {@code lorapar sft}: supervised fine-tuning from the command line. {@code --help} lists every setting; exit
 * status 0 done, 2 bad settings or data, 3 a non-finite loss (the last good checkpoint is kept), 4 out of device
 * memory (with what to change), 1 anything else.
 */
public final class SftMain {
    private SftMain() {
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** The command without System.exit, for tests. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 1 && (args[0].equals("--help") || args[0].equals("-h"))) {
            out.print("usage: lorapar sft --config run.json [--key value ...]\nsettings:\n" + TrainConfig.help());
            return 0;
        }
        TrainConfig config;
        try {
            config = TrainConfig.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("lorapar sft: " + e.getMessage());
            return 2;
        }
        try {
            SftRun.Outcome o = SftRun.run(config, new ReportingListener(config, out, err));
            out.printf("lorapar sft: done after %d steps, last loss %s, eval loss %s, outputs in %s%n", o.steps(),
                    SftRun.loss(o.lastLoss()), SftRun.loss(o.lastEvalLoss()), o.outputDir());
            return 0;
        } catch (NonFiniteLossException e) {
            err.println("lorapar sft: stopped: " + e.getMessage() + "; the last good checkpoint is kept in "
                    + config.text("output_dir") + "/checkpoints");
            return 3;
        } catch (DeviceOutOfMemoryException e) {
            err.println("lorapar sft: out of device memory: " + e.getMessage() + ". Lower batch_size or max_length, "
                    + "or set --recompute true (recomputes activations in the backward)");
            return 4;
        } catch (IllegalArgumentException e) {
            err.println("lorapar sft: " + e.getMessage());
            return 2;
        } catch (IOException | RuntimeException e) {
            err.println("lorapar sft: failed: " + e);
            return 1;
        }
    }
}
