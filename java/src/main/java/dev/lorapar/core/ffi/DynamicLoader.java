package dev.lorapar.core.ffi;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Diagnostics only: asks the C dynamic loader itself ({@code dlopen} / {@code dlerror} of libc) why a
 * file cannot be opened, because {@link java.lang.foreign.SymbolLookup#libraryLookup} reports just
 * "Cannot open library". Never used to load lorapar.
 */
final class DynamicLoader {
    private static final int RTLD_LAZY = 0x0001;

    private DynamicLoader() {
    }

    /** What dlopen/dlerror say about {@code path}; a short note when that cannot be asked. */
    static String explain(Path path) {
        Linker linker = Linker.nativeLinker();
        Optional<MemorySegment> dlopen = linker.defaultLookup().find("dlopen");
        Optional<MemorySegment> dlerror = linker.defaultLookup().find("dlerror");
        Optional<MemorySegment> dlclose = linker.defaultLookup().find("dlclose");
        if (dlopen.isEmpty() || dlerror.isEmpty() || dlclose.isEmpty()) {
            return "no loader detail (dlopen/dlerror not found in the default lookup)";
        }
        try (Arena arena = Arena.ofConfined()) {
            MethodHandle open = linker.downcallHandle(dlopen.get(),
                    FunctionDescriptor.of(ValueLayout.ADDRESS, ValueLayout.ADDRESS, ValueLayout.JAVA_INT));
            MethodHandle error = linker.downcallHandle(dlerror.get(), FunctionDescriptor.of(ValueLayout.ADDRESS));
            MethodHandle close = linker.downcallHandle(dlclose.get(),
                    FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.ADDRESS));
            MemorySegment handle = (MemorySegment) open.invokeExact(arena.allocateFrom(path.toString()), RTLD_LAZY);
            if (!handle.equals(MemorySegment.NULL)) {
                int ignored = (int) close.invokeExact(handle);
                return "dlopen accepted it on a second try (transient failure?)";
            }
            MemorySegment text = (MemorySegment) error.invokeExact();
            if (text.equals(MemorySegment.NULL)) {
                return "dlopen failed without a dlerror message";
            }
            return text.reinterpret(Long.MAX_VALUE).getString(0);
        } catch (Throwable t) {
            return "no loader detail (asking dlopen failed: " + t + ")";
        }
    }
}
