package dev.lorapar.bench.gpu;

import dev.lorapar.core.Device;
import java.nio.file.Path;

/**
 * Command line of GpuBench: {@code [--out DIR] [--quick | --smoke] [--device cuda:0|cpu]}.
 *
 * @param out    folder for results.md and results.csv (default /tmp/lorapar-gpu-out)
 * @param config the shapes and sample counts
 * @param device where to run (default cuda:0; cpu by default with --smoke)
 */
record BenchOptions(Path out, BenchConfig config, Device device) {

    static final String USAGE = """
            usage: GpuBench [--out DIR] [--quick | --smoke] [--device cuda:N|cpu]
              --out DIR     write results.md and results.csv there (default /tmp/lorapar-gpu-out)
              --quick       r = 16 only and 20 samples per measurement (default: r = 8, 16, 64 and 50 samples)
              --smoke       tiny shapes, a rehearsal of every code path (numbers mean nothing; default device cpu)
              --device DEV  cuda:0 (default), cuda:N or cpu""";

    /** Parses args; throws IllegalArgumentException with the reason and the usage text. */
    static BenchOptions parse(String[] args) {
        Path out = Path.of("/tmp/lorapar-gpu-out");
        boolean quick = false;
        boolean smoke = false;
        Device device = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--out" -> out = Path.of(value(args, ++i, "--out"));
                case "--quick" -> quick = true;
                case "--smoke" -> smoke = true;
                case "--device" -> device = Device.parse(value(args, ++i, "--device"));
                default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'\n" + USAGE);
            }
        }
        if (quick && smoke) {
            throw new IllegalArgumentException("--quick and --smoke exclude each other\n" + USAGE);
        }
        BenchConfig config = smoke ? BenchConfig.smoke() : quick ? BenchConfig.quick() : BenchConfig.full();
        if (device == null) {
            device = smoke ? Device.CPU : Device.cuda(0);
        }
        return new BenchOptions(out, config, device);
    }

    private static String value(String[] args, int index, String option) {
        if (index >= args.length) {
            throw new IllegalArgumentException(option + " needs a value\n" + USAGE);
        }
        return args[index];
    }
}
