package dev.lorapar.bench.gpu;

import static dev.lorapar.bench.gpu.Check.fmt;

import dev.lorapar.core.Device;
import dev.lorapar.core.Lorapar;
import dev.lorapar.core.LoraparException;
import dev.lorapar.core.NativeLibraryException;
import dev.lorapar.core.Stream;
import dev.lorapar.core.ffi.NativeLibrary;
import java.io.IOException;
import java.io.PrintStream;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The GPU timing runner: measures this GPU's own ceilings (device copy, bf16 GEMM), then the
 * LoRA-PAR workload at LLaMA-2-7B shapes against them, and writes results.md and results.csv.
 *
 * <pre>
 * java --enable-native-access=ALL-UNNAMED -cp benchmarks/target/benchmarks.jar \
 *      dev.lorapar.bench.gpu.GpuBench [--out DIR] [--quick | --smoke] [--device cuda:0|cpu]
 * </pre>
 * Exit status: 0 when every part ran (MISS rows included: targets are goals), 1 when a part failed,
 * 2 for bad arguments or no such device.
 */
public final class GpuBench {
    private GpuBench() {}

    public static void main(String[] args) {
        int status = run(args, System.out, System.err);
        System.exit(status);
    }

    /** Runs the benchmark; returns the exit status (see the class comment). */
    static int run(String[] args, PrintStream out, PrintStream err) {
        BenchOptions options;
        try {
            options = BenchOptions.parse(args);
        } catch (IllegalArgumentException e) {
            err.println("GpuBench: " + e.getMessage());
            return 2;
        }
        Device device = options.device();
        Map<String, String> header;
        try {
            if (device.isCuda() && device.index() >= Lorapar.cudaDeviceCount()) {
                err.println(fmt("GpuBench: %s asked for, but this build of lorapar sees %d CUDA device(s) (%s). "
                        + "Build liblorapar.so with -DLORAPAR_CUDA=ON on a GPU machine, or use --smoke for a CPU "
                        + "rehearsal.", device, Lorapar.cudaDeviceCount(), Lorapar.buildInfo()));
                return 2;
            }
            header = header(options, args);
        } catch (NativeLibraryException | LoraparException e) {
            err.println("GpuBench: cannot start: " + e.getMessage());
            return 1;
        }
        long began = System.nanoTime();
        Report report = new Report(out, header);
        try (Stream stream = Stream.create(device); Timer timer = new Timer(stream, options.config())) {
            BenchContext context = new BenchContext(stream, options.config(), timer, report);
            part(report, "0 ceilings", () -> CeilingSection.run(context));
            for (long n : options.config().outFeatures()) {
                part(report, "a-c linear layer N=" + n, () -> LinearSection.run(context, n));
            }
            part(report, "d importance", () -> ImportanceSection.run(context));
            part(report, "e masked AdamW", () -> OptimizerSection.run(context));
            part(report, "f partition selection", () -> SelectionSection.run(context));
        } catch (RuntimeException e) {
            report.error("stream setup", e);
        }
        try {
            report.write(options.out());
        } catch (IOException e) {
            err.println("GpuBench: cannot write results into " + options.out() + ": " + e);
            return 1;
        }
        out.println(fmt("%nGpuBench: %d rows in %.1f s; results.md and results.csv in %s", report.rows().size(),
                (System.nanoTime() - began) / 1e9, options.out().toAbsolutePath()));
        return report.hasErrors() ? 1 : 0;
    }

    /** Runs one part; a failure is recorded and the next part still runs. */
    private static void part(Report report, String name, Runnable body) {
        try {
            body.run();
        } catch (RuntimeException | OutOfMemoryError e) {
            report.error(name, e);
        }
    }

    private static Map<String, String> header(BenchOptions options, String[] args) {
        Device device = options.device();
        Lorapar.MemInfo memory = Lorapar.memInfo(device);
        Map<String, String> header = new LinkedHashMap<>();
        header.put("date", Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
        header.put("device", Lorapar.deviceName(device) + " [" + device + "]");
        header.put("memory", fmt("%.1f GiB free of %.1f GiB", memory.freeBytes() / (double) BenchConfig.GIB,
                memory.totalBytes() / (double) BenchConfig.GIB));
        header.put("build", Lorapar.buildInfo());
        header.put("library", NativeLibrary.loadedFrom());
        header.put("java", System.getProperty("java.vm.name") + " " + Runtime.version());
        header.put("config", options.config().name() + (options.config().name().equals("smoke")
                ? " (a rehearsal of every code path: the numbers mean nothing)" : ""));
        header.put("command", "GpuBench " + String.join(" ", args));
        return header;
    }
}
