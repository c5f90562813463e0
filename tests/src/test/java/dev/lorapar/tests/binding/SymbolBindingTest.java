package dev.lorapar.tests.binding;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.core.ffi.LpNative;
import dev.lorapar.core.ffi.NativeLibrary;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The FFM bindings against the two ground truths, independently of FFM: every bound symbol is a
 * defined dynamic symbol of the loaded liblorapar.so (read with nm -D), and every LP_API function
 * of native/include/lorapar.h is bound.
 */
class SymbolBindingTest {

    /**
     * The repository root: the first folder holding native/include/lorapar.h upward from the working
     * directory, else upward from the loaded library (the console-launcher runs of the GPU check).
     */
    static Path repoRoot() {
        List<Path> starts = List.of(Path.of("").toAbsolutePath(), Path.of(NativeLibrary.loadedFrom()).toAbsolutePath());
        for (Path start : starts) {
            for (Path p = start; p != null; p = p.getParent()) {
                if (Files.isRegularFile(p.resolve("native/include/lorapar.h"))) return p;
            }
        }
        throw new AssertionError("no native/include/lorapar.h above " + starts);
    }

    /** Names of the functions declared with LP_API in the header (comments stripped first). */
    static Set<String> headerFunctions() throws IOException {
        String text = Files.readString(repoRoot().resolve("native/include/lorapar.h"), StandardCharsets.UTF_8);
        text = text.replaceAll("(?s)/\\*.*?\\*/", " ").replaceAll("//[^\\n]*", " ");
        Set<String> names = new TreeSet<>();
        Matcher m = Pattern.compile("\\bLP_API\\s+[^;()]*?\\b(lp_\\w+)\\s*\\(").matcher(text);
        while (m.find()) names.add(m.group(1));
        return names;
    }

    /** Defined dynamic symbols of the shared library, via nm -D --defined-only. */
    static Set<String> exportedSymbols(Path library) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("nm", "-D", "--defined-only", library.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "nm did not finish");
        assertEquals(0, p.exitValue(), "nm -D failed on " + library + ":\n" + out);
        Set<String> names = new TreeSet<>();
        for (String line : out.split("\\R")) {
            String[] f = line.trim().split("\\s+");
            if (f.length >= 3 && "TtWwiV".indexOf(f[f.length - 2].charAt(0)) >= 0) names.add(f[f.length - 1].replaceAll("@.*", ""));
        }
        return names;
    }

    @Test
    void headerDeclaresTheAbi() throws IOException {
        Set<String> header = headerFunctions();
        // sanity of the parser itself: known functions from each section of the header
        for (String known : List.of("lp_abi_version", "lp_last_error", "lp_stream_create", "lp_malloc", "lp_gemm",
                "lp_lora_backward", "lp_adamw_masked", "lp_select_top_mass", "lp_partition_masks")) {
            assertTrue(header.contains(known), "header parse missed " + known + ": " + header);
        }
        assertTrue(header.size() >= 30, "only " + header.size() + " LP_API functions parsed: " + header);
    }

    @Test
    void everyHeaderFunctionIsBound() throws IOException {
        Set<String> bound = new TreeSet<>(LpNative.boundSymbols());
        List<String> missing = new ArrayList<>();
        for (String f : headerFunctions()) if (!bound.contains(f)) missing.add(f);
        assertTrue(missing.isEmpty(), "LP_API functions without a binding in LpNative: " + missing);
        List<String> extra = new ArrayList<>();
        for (String b : bound) if (!headerFunctions().contains(b)) extra.add(b);
        assertTrue(extra.isEmpty(), "LpNative binds names the header does not declare: " + extra);
    }

    @Test
    void everyBoundSymbolIsExported() throws IOException, InterruptedException {
        Path library = Path.of(NativeLibrary.loadedFrom());
        assertTrue(Files.isRegularFile(library), "loadedFrom() = " + library);
        Set<String> exported = exportedSymbols(library);
        assertFalse(exported.isEmpty(), "nm -D listed nothing for " + library);
        List<String> missing = new ArrayList<>();
        for (String s : LpNative.boundSymbols()) if (!exported.contains(s)) missing.add(s);
        assertTrue(missing.isEmpty(), "bound but not exported by " + library + ": " + missing);
        // internals stay hidden: every exported lp_* symbol is a function of the header
        Set<String> header = headerFunctions();
        List<String> leaked = new ArrayList<>();
        for (String s : exported) if (s.startsWith("lp_") && !header.contains(s)) leaked.add(s);
        assertTrue(leaked.isEmpty(), "internal symbols exported by " + library + " (not in lorapar.h): " + leaked);
    }
}
