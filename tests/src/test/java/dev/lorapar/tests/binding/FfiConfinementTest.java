package dev.lorapar.tests.binding;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.lorapar.core.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Only dev.lorapar.core.ffi may touch the linker: no other class file of lorapar-core names
 * java/lang/foreign/Linker, SymbolLookup or FunctionDescriptor in its constant pool.
 */
class FfiConfinementTest {
    static final String[] LINKER_TYPES = {"java/lang/foreign/Linker", "java/lang/foreign/SymbolLookup",
            "java/lang/foreign/FunctionDescriptor"};
    static final String FFI_PACKAGE = "dev/lorapar/core/ffi/";

    /** Every .class of lorapar-core (jar or classes folder), by its path inside the code source. */
    static Map<String, byte[]> coreClasses() throws IOException, URISyntaxException {
        Path source = Path.of(Tensor.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Map<String, byte[]> classes = new LinkedHashMap<>();
        if (Files.isDirectory(source)) {
            try (Stream<Path> files = Files.walk(source)) {
                for (Path p : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                    classes.put(source.relativize(p).toString().replace('\\', '/'), Files.readAllBytes(p));
                }
            }
        } else {
            try (JarFile jar = new JarFile(source.toFile())) {
                for (JarEntry e : jar.stream().filter(e -> e.getName().endsWith(".class")).toList()) {
                    try (InputStream in = jar.getInputStream(e)) { classes.put(e.getName(), in.readAllBytes()); }
                }
            }
        }
        return classes;
    }

    static boolean contains(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) if (haystack[i + j] != needle[j]) continue outer;
            return true;
        }
        return false;
    }

    @Test
    void onlyTheFfiPackageUsesTheLinker() throws Exception {
        Map<String, byte[]> classes = coreClasses();
        assertTrue(classes.containsKey("dev/lorapar/core/Tensor.class"), "scan found no Tensor.class: " + classes.keySet());
        List<String> offenders = new ArrayList<>();
        boolean ffiUsesLinker = false;
        for (Map.Entry<String, byte[]> e : classes.entrySet()) {
            for (String type : LINKER_TYPES) {
                if (!contains(e.getValue(), type.getBytes(StandardCharsets.UTF_8))) continue;
                if (e.getKey().startsWith(FFI_PACKAGE)) ffiUsesLinker = true;
                else offenders.add(e.getKey() + " → " + type);
            }
        }
        // the scan must be able to see a use: the ffi package itself references the linker
        assertTrue(ffiUsesLinker, "no class of " + FFI_PACKAGE + " references the linker: the scan is broken");
        assertTrue(offenders.isEmpty(), "linker types used outside " + FFI_PACKAGE + ": " + offenders);
        assertFalse(classes.isEmpty());
    }
}
