package dev.lorapar.pipeline.classify;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The two labels of method §1 and the strict parser of a teacher's answer. An answer is understood when its last
 * non-empty line, with surrounding whitespace, Markdown emphasis ({@code *}, {@code _}, {@code `}), quotes, a
 * trailing '.' and an optional {@code Answer:} / {@code Label:} prefix removed, is exactly "System1" or "System2"
 * (any case; "System 1", "System-1", "System_1" too). Anything else — both labels, prose, an empty answer — is
 * unparseable.
 */
public enum Label {
    SYSTEM1("System1"), SYSTEM2("System2");

    private static final Pattern STRICT = Pattern.compile("(?i)(?:(?:answer|label|classification)\\s*:\\s*)?system[ _-]?([12])");

    private final String text;

    Label(String text) {
        this.text = text;
    }

    /** "System1" / "System2". */
    public String text() {
        return text;
    }

    /** The label of {@code text()} form (any case); IllegalArgumentException otherwise. */
    public static Label of(String s) {
        Optional<Label> l = parse(s);
        if (l.isEmpty()) throw new IllegalArgumentException("'" + s + "' is not System1 or System2");
        return l.get();
    }

    /** The label of a teacher's raw answer under the strict rule, or empty when unparseable. */
    public static Optional<Label> parse(String raw) {
        if (raw == null) return Optional.empty();
        String[] lines = raw.strip().split("\\R");
        String last = lines[lines.length - 1].strip();
        String core = last.replaceAll("^[*_`\"'\\s]+|[*_`\"'\\s.]+$", "");
        Matcher m = STRICT.matcher(core);
        if (!m.matches()) return Optional.empty();
        return Optional.of(m.group(1).equals("1") ? SYSTEM1 : SYSTEM2);
    }

    @Override
    public String toString() {
        return text;
    }
}
