package dev.lorapar.cli;

import java.io.PrintStream;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * {@code lorapar <command> [args…]}: one entry point for every job. Each command is a class with
 * {@code static int run(String[] args, PrintStream out, PrintStream err)} (its exit status); the table names them.
 * A command whose class is not in this build is listed as unavailable rather than failing at start-up.
 */
public final class Lorapar {
    /** command → (main class, one-line summary), in the order {@code --help} lists them. */
    static final Map<String, String[]> COMMANDS = new LinkedHashMap<>();

    static {
        add("demo", "dev.lorapar.demo.DemoMain", "the whole method on a built-in synthetic benchmark and tiny model");
        add("run", "dev.lorapar.pipeline.RunMain", "every stage of an experiment file (classify → report)");
        add("classify", "dev.lorapar.pipeline.ClassifyMain", "System-1 / System-2 labels by teacher voting");
        add("score", "dev.lorapar.pipeline.ScoreMain", "Taylor importance of every LoRA element per system");
        add("partition", "dev.lorapar.pipeline.PartitionMain", "θ/α/β masks from importance scores");
        add("sft", "dev.lorapar.train.SftMain", "supervised fine-tuning (LoRA, masked LoRA, full)");
        add("grpo", "dev.lorapar.rl.GrpoMain", "GRPO reinforcement learning on masked LoRA elements");
        add("eval", "dev.lorapar.eval.EvalMain", "benchmarks (GSM8K, MMLU, HumanEval, ARC, …) and run comparison");
        add("serve", "dev.lorapar.serve.ServeMain", "OpenAI-compatible HTTP server with per-request adapters");
    }

    private Lorapar() {
    }

    private static void add(String name, String className, String summary) {
        COMMANDS.put(name, new String[] {className, summary});
    }

    public static void main(String[] args) {
        System.exit(run(args, System.out, System.err));
    }

    /** Dispatches to the command's {@code run}; exit status 2 for an unknown or unavailable command. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            (args.length == 0 ? err : out).print(usage());
            return args.length == 0 ? 2 : 0;
        }
        String[] entry = COMMANDS.get(args[0]);
        if (entry == null) {
            err.print("lorapar: unknown command '" + args[0] + "'\n" + usage());
            return 2;
        }
        MethodHandle command = commandHandle(entry[0]);
        if (command == null) {
            err.println("lorapar: '" + args[0] + "' is not part of this build (" + entry[0] + " not found)");
            return 2;
        }
        String[] rest = new String[args.length - 1];
        System.arraycopy(args, 1, rest, 0, rest.length);
        try {
            return (int) command.invokeExact(rest, out, err);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }

    static String usage() {
        StringBuilder s = new StringBuilder("usage: lorapar <command> [--help | options…]\ncommands:\n");
        for (Map.Entry<String, String[]> e : COMMANDS.entrySet()) {
            boolean available = commandHandle(e.getValue()[0]) != null;
            s.append(String.format("  %-10s %s%s%n", e.getKey(), e.getValue()[1], available ? "" : " (not in this build)"));
        }
        return s.toString();
    }

    private static MethodHandle commandHandle(String className) {
        try {
            Class<?> c = Class.forName(className, true, Lorapar.class.getClassLoader());
            return MethodHandles.publicLookup().findStatic(c, "run",
                    MethodType.methodType(int.class, String[].class, PrintStream.class, PrintStream.class));
        } catch (ClassNotFoundException | NoSuchMethodException | IllegalAccessException e) {
            return null;
        }
    }
}
