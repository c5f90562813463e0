package dev.lorapar.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The settings of one pipeline command: declared keys with defaults (null = required) and help, overridden by a JSON
 * file ({@code --config FILE}: an object of key → value; arrays become comma lists) and then by flags ({@code --key
 * value} or {@code --key=value}; '-' and '_' are the same). Unknown keys and badly typed values are errors naming
 * the key and where the value came from.
 */
public final class CommandFlags {
    private final String command;
    private final Map<String, String[]> keys = new LinkedHashMap<>(); // key → {default, help}
    private final Map<String, String> values = new LinkedHashMap<>();
    private final Map<String, String> origin = new LinkedHashMap<>();

    public CommandFlags(String command) {
        this.command = command;
    }

    /** Declares a key; {@code defaultValue} null makes it required. */
    public CommandFlags key(String name, String defaultValue, String help) {
        keys.put(name, new String[] {defaultValue, help});
        return this;
    }

    /** The work of a command once its flags are parsed. */
    @FunctionalInterface
    public interface Body {
        void run(CommandFlags flags) throws Exception;
    }

    /**
     * Runs a command: {@code --help} prints {@link #help()} (status 0); otherwise parses {@code args} and runs
     * {@code body}. Status 0 done, 2 bad settings or input (IllegalArgumentException, message printed as
     * "lorapar &lt;command&gt;: …"), 1 anything else.
     */
    public int execute(String[] args, PrintStream out, PrintStream err, Body body) {
        if (wantsHelp(args)) {
            out.print(help());
            return 0;
        }
        try {
            body.run(parse(args));
            return 0;
        } catch (IllegalArgumentException e) {
            err.println("lorapar " + command + ": " + e.getMessage());
            return 2;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            err.println("lorapar " + command + ": interrupted");
            return 1;
        } catch (Exception e) {
            err.println("lorapar " + command + ": failed: " + e);
            return 1;
        }
    }

    /** True when {@code args} asks for help. */
    public static boolean wantsHelp(String[] args) {
        for (String a : args) if (a.equals("--help") || a.equals("-h")) return true;
        return false;
    }

    /** Fills the values from defaults, the config file and the flags; IllegalArgumentException on any problem. */
    public CommandFlags parse(String[] args) {
        keys.forEach((k, v) -> {
            if (v[0] != null) set(k, v[0], "default");
        });
        List<String[]> flags = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--")) throw new IllegalArgumentException("expected --key value, got '" + args[i] + "'");
            String k = args[i].substring(2), v;
            int eq = k.indexOf('=');
            if (eq >= 0) {
                v = k.substring(eq + 1);
                k = k.substring(0, eq);
            } else {
                if (i + 1 >= args.length) throw new IllegalArgumentException("--" + k + " needs a value");
                v = args[++i];
            }
            flags.add(new String[] {k.replace('-', '_'), v});
        }
        for (String[] f : flags) if (f[0].equals("config")) readConfig(Path.of(f[1]));
        for (String[] f : flags) if (!f[0].equals("config")) put(f[0], f[1], "flag --" + f[0]);
        for (var e : keys.entrySet()) {
            if (!values.containsKey(e.getKey())) {
                throw new IllegalArgumentException("missing --" + e.getKey() + " (" + e.getValue()[1] + ")");
            }
        }
        return this;
    }

    private void readConfig(Path file) {
        JsonNode root;
        try {
            root = new ObjectMapper().readTree(Files.readString(file));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read config file " + file + ": " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) throw new IllegalArgumentException(file + ": must hold a JSON object");
        for (var e : root.properties()) {
            JsonNode v = e.getValue();
            if (v.isObject()) throw new IllegalArgumentException(file + ": '" + e.getKey() + "' must be a value or a list");
            List<String> parts = new ArrayList<>();
            if (v.isArray()) v.forEach(x -> parts.add(x.asText()));
            put(e.getKey(), v.isArray() ? String.join(",", parts) : v.asText(), file.toString());
        }
    }

    private void put(String key, String value, String from) {
        if (!keys.containsKey(key)) {
            throw new IllegalArgumentException("unknown setting '" + key + "' (" + from + "); known: "
                    + String.join(", ", keys.keySet()));
        }
        set(key, value, from);
    }

    private void set(String key, String value, String from) {
        values.put(key, value);
        origin.put(key, from);
    }

    public String text(String key) {
        String v = values.get(key);
        if (v == null) throw new IllegalArgumentException(command + ": no setting '" + key + "'");
        return v;
    }

    public boolean isSet(String key) {
        return !text(key).isBlank();
    }

    public long integer(String key) {
        try {
            return Long.parseLong(text(key).trim());
        } catch (NumberFormatException e) {
            throw bad(key, "an integer");
        }
    }

    public double real(String key) {
        try {
            double d = Double.parseDouble(text(key).trim());
            if (!Double.isFinite(d)) throw bad(key, "a finite number");
            return d;
        } catch (NumberFormatException e) {
            throw bad(key, "a number");
        }
    }

    public boolean bool(String key) {
        return switch (text(key).trim().toLowerCase(Locale.ROOT)) {
            case "true", "yes", "1" -> true;
            case "false", "no", "0" -> false;
            default -> throw bad(key, "true or false");
        };
    }

    /** The comma-separated items, trimmed, empty ones dropped. */
    public List<String> list(String key) {
        List<String> out = new ArrayList<>();
        for (String s : text(key).split(",")) if (!s.isBlank()) out.add(s.trim());
        return out;
    }

    public Path path(String key) {
        return Path.of(text(key));
    }

    /** An IllegalArgumentException naming the key, its value, where it came from and what was expected. */
    public IllegalArgumentException bad(String key, String expected) {
        return new IllegalArgumentException(key + " must be " + expected + ", got '" + values.get(key) + "' (from "
                + origin.get(key) + ")");
    }

    /** One line per key: name, default, help. */
    public String help() {
        StringBuilder s = new StringBuilder("usage: lorapar " + command + " [--config file.json] [--key value …]\n");
        keys.forEach((k, v) -> s.append(String.format(Locale.ROOT, "  --%-18s %s%s%n", k, v[1],
                v[0] == null ? " (required)" : v[0].isEmpty() ? "" : " [" + v[0] + "]")));
        return s.toString();
    }

    /** Every effective value and its origin, one per line. */
    public String describe() {
        StringBuilder s = new StringBuilder();
        values.forEach((k, v) -> s.append("  ").append(k).append(" = ").append(v).append("  (").append(origin.get(k))
                .append(")\n"));
        return s.toString();
    }

    public Map<String, String> values() {
        return Map.copyOf(values);
    }
}
