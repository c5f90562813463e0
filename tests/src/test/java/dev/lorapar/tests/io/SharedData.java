package dev.lorapar.tests.io;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds ../shared/data (the folder holding {@code shared/data/README.md}, searched walking up from the
 * working directory); a test that needs it is skipped, with the reason, when it is missing.
 */
public final class SharedData {
    private SharedData() {
    }

    /** The data folder, or null when there is none. */
    public static Path find() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path data = dir.resolve("shared").resolve("data");
            if (Files.isRegularFile(data.resolve("README.md"))) return data;
        }
        return null;
    }

    /** {@code shared/data/<relative>}; skips the calling test when the file is not there. */
    public static Path require(String relative) {
        Path data = find();
        Assumptions.assumeTrue(data != null, "shared/data not found walking up from " + Path.of("").toAbsolutePath());
        Path file = data.resolve(relative);
        Assumptions.assumeTrue(Files.isRegularFile(file), file + " is missing");
        return file;
    }
}
