package dev.lorapar.core.ffi;

import dev.lorapar.core.NativeLibraryException;

import java.io.IOException;
import java.io.InputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Finds and loads {@code liblorapar.so} once per JVM. Places tried, in order:
 * <ol>
 *   <li>an explicit file: system property {@code lorapar.library.path}, else environment variable
 *       {@code LORAPAR_LIBRARY}. When one is given, nothing else is tried (a failure there is final, so
 *       a broken GPU build never silently falls back to another copy);</li>
 *   <li>the build folder: {@code <lorapar.build.dir>/liblorapar.so} when that property is set, else the
 *       first {@code native/build/liblorapar.so} found walking up from the working directory;</li>
 *   <li>the copy inside the jar at {@code /native/linux-x86_64/liblorapar.so}, extracted to a temp file;</li>
 *   <li>{@code System.mapLibraryName("lorapar")} in each folder of {@code java.library.path}.</li>
 * </ol>
 * A candidate is accepted when {@link SymbolLookup#libraryLookup(Path, Arena)} opens it and its
 * {@code lp_abi_version()} is {@value #ABI_VERSION}. The library stays loaded for the JVM's life.
 */
public final class NativeLibrary {
    /** The ABI version this binding is written for ({@code LP_ABI_VERSION} of lorapar.h). */
    public static final int ABI_VERSION = 1;

    /** Inside the jar. */
    static final String RESOURCE = "/native/linux-x86_64/liblorapar.so";

    private NativeLibrary() {
    }

    /** The outcome of loading: either a lookup and its path, or the failure report. */
    private record Loaded(SymbolLookup lookup, String path, String failure) {
    }

    /** Lazy holder: the JVM runs {@link #load()} once, on first use, thread-safely. */
    private static final class Holder {
        static final Loaded LOADED = load();
    }

    /**
     * The loaded library's symbols.
     *
     * @throws NativeLibraryException if it could not be loaded (the message lists every attempt)
     */
    public static SymbolLookup lookup() {
        Loaded loaded = Holder.LOADED;
        if (loaded.lookup == null) {
            throw new NativeLibraryException(loaded.failure);
        }
        return loaded.lookup;
    }

    /** The absolute path of the loaded library file (loads it if needed). */
    public static String loadedFrom() {
        lookup();
        return Holder.LOADED.path;
    }

    /** The failure report when loading failed, empty when it succeeded (loads if needed). */
    static Optional<String> failure() {
        return Optional.ofNullable(Holder.LOADED.failure);
    }

    private static Loaded load() {
        List<String> attempts = new ArrayList<>();
        String explicit = System.getProperty("lorapar.library.path");
        String explicitSource = "system property lorapar.library.path";
        if (explicit == null || explicit.isBlank()) {
            explicit = System.getenv("LORAPAR_LIBRARY");
            explicitSource = "environment variable LORAPAR_LIBRARY";
        }
        if (explicit != null && !explicit.isBlank()) {
            Loaded l = tryPath(Path.of(explicit), explicitSource, attempts);
            return l != null ? l : failed(attempts);
        }
        for (Path candidate : buildFolderCandidates(attempts)) {
            Loaded l = tryPath(candidate, "build folder", attempts);
            if (l != null) {
                return l;
            }
        }
        Path extracted = extractFromJar(attempts);
        if (extracted != null) {
            Loaded l = tryPath(extracted, "copy inside the jar (" + RESOURCE + ")", attempts);
            if (l != null) {
                return l;
            }
        }
        String libraryPath = System.getProperty("java.library.path", "");
        String fileName = System.mapLibraryName("lorapar");
        boolean anyFolder = false;
        for (String dir : libraryPath.split(java.io.File.pathSeparator)) {
            if (dir.isBlank()) {
                continue;
            }
            anyFolder = true;
            Path candidate = Path.of(dir).resolve(fileName);
            if (Files.isRegularFile(candidate)) {
                Loaded l = tryPath(candidate, "java.library.path", attempts);
                if (l != null) {
                    return l;
                }
            } else {
                attempts.add("java.library.path: " + candidate + ": no such file");
            }
        }
        if (!anyFolder) {
            attempts.add("java.library.path: empty");
        }
        return failed(attempts);
    }

    private static List<Path> buildFolderCandidates(List<String> attempts) {
        List<Path> out = new ArrayList<>();
        String buildDir = System.getProperty("lorapar.build.dir");
        if (buildDir != null && !buildDir.isBlank()) {
            out.add(Path.of(buildDir).resolve("liblorapar.so"));
            return out;
        }
        Path dir = Path.of(System.getProperty("user.dir", ".")).toAbsolutePath();
        for (; dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("native").resolve("build").resolve("liblorapar.so");
            if (Files.isRegularFile(candidate)) {
                out.add(candidate);
                return out;
            }
        }
        attempts.add("build folder: no native/build/liblorapar.so in " + Path.of(System.getProperty("user.dir", "."))
                .toAbsolutePath() + " or any folder above it (and no -Dlorapar.build.dir)");
        return out;
    }

    private static Path extractFromJar(List<String> attempts) {
        try (InputStream in = NativeLibrary.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                attempts.add("copy inside the jar: no resource " + RESOURCE);
                return null;
            }
            Path tmp = Files.createTempFile("liblorapar-", ".so");
            tmp.toFile().deleteOnExit();
            Files.copy(in, tmp, StandardCopyOption.REPLACE_EXISTING);
            return tmp;
        } catch (IOException | RuntimeException e) {
            attempts.add("copy inside the jar: extracting " + RESOURCE + " failed: " + e);
            return null;
        }
    }

    /** Opens one candidate; on failure appends why to attempts and returns null. */
    private static Loaded tryPath(Path path, String source, List<String> attempts) {
        Path abs = path.toAbsolutePath().normalize();
        String where = source + ": " + abs;
        if (!Files.isRegularFile(abs)) {
            attempts.add(where + ": no such file");
            return null;
        }
        SymbolLookup lookup;
        try {
            lookup = SymbolLookup.libraryLookup(abs, Arena.global());
        } catch (IllegalArgumentException | IllegalCallerException e) {
            attempts.add(where + ": the dynamic loader refused it: " + DynamicLoader.explain(abs) + " (" + e.getMessage() + ")");
            return null;
        }
        Optional<MemorySegment> abiSymbol = lookup.find("lp_abi_version");
        if (abiSymbol.isEmpty()) {
            attempts.add(where + ": loaded, but it has no symbol lp_abi_version (not a lorapar library?)");
            return null;
        }
        int abi;
        try {
            MethodHandle h = Linker.nativeLinker().downcallHandle(abiSymbol.get(), FunctionDescriptor.of(ValueLayout.JAVA_INT));
            abi = (int) h.invokeExact();
        } catch (Throwable t) {
            attempts.add(where + ": calling lp_abi_version failed: " + t);
            return null;
        }
        if (abi != ABI_VERSION) {
            attempts.add(where + ": lp_abi_version() = " + abi + ", this binding needs " + ABI_VERSION);
            return null;
        }
        return new Loaded(lookup, abs.toString(), null);
    }

    private static Loaded failed(List<String> attempts) {
        StringBuilder sb = new StringBuilder("could not load the lorapar native library; tried:");
        for (String a : attempts) {
            sb.append("\n  - ").append(a);
        }
        sb.append("\nBuild it with `mvn -pl java install -DskipTests` (or cmake -S native -B native/build && cmake --build native/build),")
          .append(" or point -Dlorapar.library.path / LORAPAR_LIBRARY at liblorapar.so.");
        return new Loaded(null, null, sb.toString());
    }
}
