package dev.lorapar.tests.io;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Assumptions;

/**
 * Finds ../shared/data (the folder holding {@code shared/data/README.md}, searched walking up from the
 * working directory, or named by {@link #PROPERTY} / {@link #ENVIRONMENT}); a test that needs it is skipped, with
 * the reason, when it is missing.
 */
public final class SharedData {
    private SharedData() {
    }

    /** Names a data folder explicitly (a partial copy travels with the GPU bundle): property or environment. */
    public static final String PROPERTY = "lorapar.shared.data", ENVIRONMENT = "LORAPAR_SHARED_DATA";

    /** The data folder, or null when there is none. */
    public static Path find() {
        String given = System.getProperty(PROPERTY, System.getenv(ENVIRONMENT));
        if (given != null && !given.isBlank()) {
            Path data = Path.of(given);
            return Files.isRegularFile(data.resolve("README.md")) ? data : null;
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path data = dir.resolve("shared").resolve("data");
            if (Files.isRegularFile(data.resolve("README.md"))) return data;
        }
        return null;
    }

    /** {@code shared/data/<relative>} (a file or a folder); skips the calling test when it is not there. */
    public static Path require(String relative) {
        Path data = find();
        Assumptions.assumeTrue(data != null, "shared/data not found walking up from " + Path.of("").toAbsolutePath());
        Path file = data.resolve(relative);
        Assumptions.assumeTrue(Files.exists(file), file + " is missing");
        return file;
    }
}
