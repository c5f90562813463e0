package dev.lorapar.core.ffi;

import dev.lorapar.core.LoraparException;
import dev.lorapar.core.NativeLibraryException;

import java.lang.foreign.AddressLayout;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Hand-written FFM bindings of every function of {@code native/include/lorapar.h} (internal: the public
 * API is {@code dev.lorapar.core}). One {@code static final} downcall handle per symbol, built once when
 * this class initialises and invoked with {@code invokeExact}. Every wrapper checks the returned
 * {@code lp_status} through {@link #check(String, int)}, the one place that builds a
 * {@link LoraparException} (it reads {@code lp_last_error()} on the same thread).
 *
 * <p>When the library cannot be loaded, or lacks a symbol, the handle is replaced by one that throws
 * {@link NativeLibraryException} with the loader report, so this class always initialises and the
 * failure surfaces on the first call that needs the library.
 *
 * <p>Pointer arguments are zero-length native {@link MemorySegment}s ({@link MemorySegment#NULL} for
 * C {@code NULL}); arguments are passed through unvalidated (the callers in {@code dev.lorapar.core}
 * validate, and the C side validates again).
 */
public final class LpNative {
    private LpNative() {
    }

    // ------------------------------------------------------------------ layouts (from the C ABI)

    private static final Linker LINKER = Linker.nativeLinker();
    static final ValueLayout.OfInt C_INT32 = canonical("int32_t", ValueLayout.OfInt.class);
    static final ValueLayout.OfLong C_INT64 = canonical("int64_t", ValueLayout.OfLong.class);
    private static final ValueLayout.OfLong C_SIZE_T = canonical("size_t", ValueLayout.OfLong.class);
    private static final ValueLayout.OfFloat C_FLOAT = canonical("float", ValueLayout.OfFloat.class);
    static final ValueLayout.OfDouble C_DOUBLE = canonical("double", ValueLayout.OfDouble.class);
    static final AddressLayout C_POINTER = canonical("void*", AddressLayout.class);
    /** lp_status, lp_dtype, lp_copy_kind, lp_mask_mode are int32_t. */
    private static final ValueLayout.OfInt C_STATUS = C_INT32;

    private static <T extends MemoryLayout> T canonical(String cType, Class<T> expected) {
        MemoryLayout layout = LINKER.canonicalLayouts().get(cType);
        if (!expected.isInstance(layout)) {
            throw new IllegalStateException("lorapar binds " + cType + " as " + expected.getSimpleName()
                    + " but this platform's C layout is " + layout + " (64-bit Linux / macOS needed)");
        }
        return expected.cast(layout);
    }

    // ------------------------------------------------------------------ binding machinery

    private static final List<String> BOUND = java.util.Collections.synchronizedList(new ArrayList<>());
    private static final MethodHandle NEW_LIBRARY_FAILURE;

    static {
        try {
            NEW_LIBRARY_FAILURE = MethodHandles.lookup().findStatic(LpNative.class, "libraryFailure",
                    MethodType.methodType(NativeLibraryException.class, String.class));
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private static NativeLibraryException libraryFailure(String message) {
        return new NativeLibraryException(message);
    }

    static FunctionDescriptor status(MemoryLayout... args) {
        return FunctionDescriptor.of(C_STATUS, args);
    }

    static MethodHandle bind(String name, FunctionDescriptor descriptor, Linker.Option... options) {
        BOUND.add(name);
        MethodType type = descriptor.toMethodType();
        Optional<String> failure = NativeLibrary.failure();
        if (failure.isPresent()) {
            return thrower(type, failure.get());
        }
        SymbolLookup library = NativeLibrary.lookup();
        Optional<MemorySegment> symbol = library.find(name);
        if (symbol.isEmpty()) {
            return thrower(type, "symbol " + name + " is missing from " + NativeLibrary.loadedFrom()
                    + " (library built from an older lorapar.h, or the function is not implemented yet)");
        }
        return LINKER.downcallHandle(symbol.get(), descriptor, options);
    }

    /** A handle of {@code type} that throws a fresh NativeLibraryException(message) on every call. */
    private static MethodHandle thrower(MethodType type, String message) {
        MethodHandle make = MethodHandles.insertArguments(NEW_LIBRARY_FAILURE, 0, message);
        MethodHandle toss = MethodHandles.throwException(type.returnType(), NativeLibraryException.class);
        MethodHandle tossIgnoringArgs = MethodHandles.dropArguments(toss, 1, type.parameterList());
        return MethodHandles.foldArguments(tossIgnoringArgs, make);
    }

    // ------------------------------------------------------------------ handles, one per symbol

    private static final MethodHandle LP_ABI_VERSION = bind("lp_abi_version", FunctionDescriptor.of(C_INT32),
            Linker.Option.critical(false));
    private static final MethodHandle LP_BUILD_INFO = bind("lp_build_info", FunctionDescriptor.of(C_POINTER));
    private static final MethodHandle LP_LAST_ERROR = bind("lp_last_error", FunctionDescriptor.of(C_POINTER),
            Linker.Option.critical(false));
    private static final MethodHandle LP_CUDA_DEVICE_COUNT = bind("lp_cuda_device_count", status(C_POINTER));
    private static final MethodHandle LP_MEM_INFO = bind("lp_mem_info", status(C_INT32, C_POINTER, C_POINTER));
    private static final MethodHandle LP_DEVICE_NAME = bind("lp_device_name", status(C_INT32, C_POINTER, C_SIZE_T));

    private static final MethodHandle LP_STREAM_CREATE = bind("lp_stream_create", status(C_INT32, C_POINTER));
    private static final MethodHandle LP_STREAM_DESTROY = bind("lp_stream_destroy", status(C_POINTER));
    private static final MethodHandle LP_STREAM_SYNCHRONIZE = bind("lp_stream_synchronize", status(C_POINTER));
    private static final MethodHandle LP_STREAM_DEVICE = bind("lp_stream_device", status(C_POINTER, C_POINTER));
    private static final MethodHandle LP_EVENT_CREATE = bind("lp_event_create", status(C_INT32, C_POINTER));
    private static final MethodHandle LP_EVENT_DESTROY = bind("lp_event_destroy", status(C_POINTER));
    private static final MethodHandle LP_EVENT_RECORD = bind("lp_event_record", status(C_POINTER, C_POINTER));
    private static final MethodHandle LP_EVENT_SYNCHRONIZE = bind("lp_event_synchronize", status(C_POINTER));
    private static final MethodHandle LP_STREAM_WAIT_EVENT = bind("lp_stream_wait_event", status(C_POINTER, C_POINTER));
    private static final MethodHandle LP_EVENT_ELAPSED_MS = bind("lp_event_elapsed_ms",
            status(C_POINTER, C_POINTER, C_POINTER));

    private static final MethodHandle LP_MALLOC = bind("lp_malloc", status(C_INT32, C_SIZE_T, C_POINTER));
    private static final MethodHandle LP_FREE = bind("lp_free", status(C_INT32, C_POINTER));
    private static final MethodHandle LP_HOST_ALLOC_PINNED = bind("lp_host_alloc_pinned", status(C_SIZE_T, C_POINTER));
    private static final MethodHandle LP_HOST_FREE_PINNED = bind("lp_host_free_pinned", status(C_POINTER));
    private static final MethodHandle LP_MEMCPY = bind("lp_memcpy",
            status(C_POINTER, C_POINTER, C_POINTER, C_SIZE_T, C_INT32));
    private static final MethodHandle LP_FILL = bind("lp_fill", status(C_POINTER, C_POINTER, C_INT32, C_INT64, C_DOUBLE));
    private static final MethodHandle LP_CONVERT = bind("lp_convert",
            status(C_POINTER, C_POINTER, C_INT32, C_POINTER, C_INT32, C_INT64));

    private static final MethodHandle LP_GEMM = bind("lp_gemm", status(
            C_POINTER, C_INT32, C_INT32,
            C_INT64, C_INT64, C_INT64, C_FLOAT,
            C_POINTER, C_INT64, C_INT64,
            C_POINTER, C_INT64, C_INT64,
            C_FLOAT, C_POINTER, C_INT64, C_INT64,
            C_INT64, C_INT32, C_INT32));

    private static final MethodHandle LP_LORA_FORWARD = bind("lp_lora_forward", status(
            C_POINTER, C_INT32,
            C_INT64, C_INT64, C_INT64, C_INT64, C_FLOAT,
            C_POINTER, C_POINTER, C_POINTER,
            C_POINTER, C_POINTER, C_INT32,
            C_POINTER, C_POINTER));
    private static final MethodHandle LP_LORA_FORWARD_GROUP = bind("lp_lora_forward_group", status(
            C_POINTER, C_INT32, C_INT64,
            C_INT64, C_INT64, C_POINTER, C_INT64, C_FLOAT,
            C_POINTER, C_POINTER, C_POINTER,
            C_POINTER, C_POINTER, C_INT32,
            C_POINTER, C_POINTER));
    private static final MethodHandle LP_LORA_LINEAR_FORWARD = bind("lp_lora_linear_forward", status(
            C_POINTER, C_INT32,
            C_INT64, C_INT64, C_INT64, C_INT64, C_FLOAT,
            C_POINTER, C_POINTER, C_FLOAT,
            C_POINTER, C_POINTER,
            C_POINTER, C_POINTER, C_INT32,
            C_POINTER, C_POINTER));
    private static final MethodHandle LP_LORA_BACKWARD = bind("lp_lora_backward", status(
            C_POINTER, C_INT32,
            C_INT64, C_INT64, C_INT64, C_INT64, C_FLOAT,
            C_POINTER, C_POINTER, C_POINTER,
            C_POINTER, C_POINTER, C_INT32,
            C_POINTER, C_POINTER, C_POINTER,
            C_POINTER, C_POINTER, C_POINTER, C_INT32));
    private static final MethodHandle LP_LORA_LINEAR_BACKWARD = bind("lp_lora_linear_backward", status(
            C_POINTER, C_INT32,
            C_INT64, C_INT64, C_INT64, C_INT64, C_FLOAT,
            C_POINTER, C_POINTER, C_POINTER, C_POINTER,
            C_POINTER, C_POINTER, C_INT32,
            C_POINTER, C_POINTER, C_POINTER,
            C_FLOAT, C_POINTER, C_POINTER, C_POINTER, C_INT32));
    private static final MethodHandle LP_MASK_APPLY = bind("lp_mask_apply",
            status(C_POINTER, C_INT32, C_POINTER, C_POINTER, C_INT64));

    private static final MethodHandle LP_IMPORTANCE_ACCUMULATE = bind("lp_importance_accumulate", status(
            C_POINTER, C_INT32, C_POINTER,
            C_POINTER, C_INT32,
            C_POINTER, C_INT32,
            C_POINTER, C_POINTER));
    private static final MethodHandle LP_IMPORTANCE_FINALIZE = bind("lp_importance_finalize", status(
            C_POINTER, C_INT32, C_POINTER,
            C_POINTER, C_POINTER,
            C_POINTER, C_INT64));
    private static final MethodHandle LP_GLOBAL_NORM = bind("lp_global_norm", status(
            C_POINTER, C_INT32, C_POINTER,
            C_POINTER, C_INT32, C_POINTER));

    private static final MethodHandle LP_ADAMW_MASKED = bind("lp_adamw_masked", status(
            C_POINTER, C_INT32, C_POINTER,
            C_POINTER, C_POINTER,
            C_POINTER, C_POINTER,
            C_POINTER,
            C_POINTER, C_INT32,
            C_FLOAT, C_FLOAT, C_FLOAT, C_FLOAT, C_FLOAT,
            C_INT64, C_POINTER, C_FLOAT));

    private static final MethodHandle LP_SELECT_TOP_MASS = bind("lp_select_top_mass", status(
            C_POINTER, C_POINTER, C_INT64, C_DOUBLE, C_POINTER, C_POINTER));
    private static final MethodHandle LP_SELECT_TOP_K = bind("lp_select_top_k", status(
            C_POINTER, C_POINTER, C_POINTER, C_INT64, C_INT64, C_POINTER, C_POINTER));
    private static final MethodHandle LP_PARTITION_MASKS = bind("lp_partition_masks", status(
            C_POINTER, C_INT64,
            C_POINTER, C_POINTER,
            C_POINTER, C_POINTER, C_DOUBLE, C_DOUBLE,
            C_POINTER, C_POINTER, C_POINTER,
            C_POINTER));

    private static final MethodHandle LP_EMBEDDING_FORWARD = bind("lp_embedding_forward", status(
            C_POINTER, C_INT32, C_INT64, C_INT64, C_INT64,
            C_POINTER, C_POINTER, C_POINTER));
    private static final MethodHandle LP_EMBEDDING_BACKWARD = bind("lp_embedding_backward", status(
            C_POINTER, C_INT32, C_INT64, C_INT64, C_INT64,
            C_POINTER, C_POINTER, C_POINTER));
    private static final MethodHandle LP_RMSNORM_FORWARD = bind("lp_rmsnorm_forward", status(
            C_POINTER, C_INT32, C_INT64, C_INT64, C_FLOAT,
            C_POINTER, C_POINTER, C_POINTER, C_POINTER));
    private static final MethodHandle LP_RMSNORM_BACKWARD = bind("lp_rmsnorm_backward", status(
            C_POINTER, C_INT32, C_INT64, C_INT64,
            C_POINTER, C_POINTER, C_POINTER, C_POINTER,
            C_POINTER, C_POINTER, C_INT32));
    private static final MethodHandle LP_ROPE = bind("lp_rope", status(
            C_POINTER, C_INT32, C_INT64, C_INT64, C_INT64,
            C_POINTER, C_DOUBLE, C_INT32, C_INT32, C_POINTER));
    private static final MethodHandle LP_SWIGLU_FORWARD = bind("lp_swiglu_forward", status(
            C_POINTER, C_INT32, C_INT64, C_POINTER, C_POINTER, C_POINTER));
    private static final MethodHandle LP_SWIGLU_BACKWARD = bind("lp_swiglu_backward", status(
            C_POINTER, C_INT32, C_INT64, C_POINTER, C_POINTER, C_POINTER, C_POINTER, C_POINTER));
    private static final MethodHandle LP_ATTENTION_FORWARD = bind("lp_attention_forward", status(
            C_POINTER, C_INT32, C_INT64, C_INT64, C_INT64, C_INT64, C_INT64, C_FLOAT,
            C_POINTER, C_POINTER, C_POINTER, C_POINTER,
            C_POINTER, C_POINTER));
    private static final MethodHandle LP_ATTENTION_BACKWARD = bind("lp_attention_backward", status(
            C_POINTER, C_INT32, C_INT64, C_INT64, C_INT64, C_INT64, C_INT64, C_FLOAT,
            C_POINTER, C_POINTER, C_POINTER, C_POINTER,
            C_POINTER, C_POINTER, C_POINTER,
            C_POINTER, C_POINTER, C_POINTER));
    private static final MethodHandle LP_CROSS_ENTROPY = bind("lp_cross_entropy", status(
            C_POINTER, C_INT32, C_INT64, C_INT64,
            C_POINTER, C_POINTER, C_POINTER, C_FLOAT, C_POINTER));
    private static final MethodHandle LP_KV_CACHE_WRITE = bind("lp_kv_cache_write", status(
            C_POINTER, C_INT32, C_INT64, C_INT64, C_INT64,
            C_POINTER, C_POINTER, C_POINTER, C_POINTER, C_POINTER, C_INT64));
    private static final MethodHandle LP_ROPE_KV_CACHE_WRITE = bind("lp_rope_kv_cache_write", status(
            C_POINTER, C_INT32, C_INT64, C_INT64, C_INT64, C_INT64,
            C_POINTER, C_DOUBLE, C_INT32,
            C_POINTER, C_POINTER, C_POINTER, C_POINTER, C_POINTER, C_POINTER, C_INT64));
    private static final MethodHandle LP_ATTENTION_DECODE = bind("lp_attention_decode", status(
            C_POINTER, C_INT32, C_INT64, C_INT64, C_INT64, C_INT64, C_INT64, C_FLOAT,
            C_POINTER, C_POINTER, C_POINTER, C_POINTER, C_POINTER, C_POINTER));
    private static final MethodHandle LP_SAMPLE = bind("lp_sample", status(
            C_POINTER, C_INT32, C_INT64, C_INT64,
            C_POINTER, C_POINTER, C_POINTER, C_POINTER, C_POINTER, C_POINTER, C_POINTER));
    private static final MethodHandle LP_GRAPH_BEGIN_CAPTURE = bind("lp_graph_begin_capture", status(C_POINTER));
    private static final MethodHandle LP_GRAPH_END_CAPTURE = bind("lp_graph_end_capture", status(C_POINTER, C_POINTER));
    private static final MethodHandle LP_GRAPH_LAUNCH = bind("lp_graph_launch", status(C_POINTER, C_POINTER));
    private static final MethodHandle LP_GRAPH_DESTROY = bind("lp_graph_destroy", status(C_POINTER));


    /** Every symbol name this class binds (one per function of lorapar.h). */
    public static List<String> boundSymbols() {
        NcclNative.bindAll(); // the lp_nccl_* handles live there
        synchronized (BOUND) {
            return List.copyOf(BOUND);
        }
    }

    // ------------------------------------------------------------------ status and error handling

    /**
     * The one place a non-zero status becomes an exception: throws {@link LoraparException} carrying
     * {@code function}, the status and this thread's {@code lp_last_error()} text.
     */
    public static void check(String function, int status) {
        if (status != 0) {
            throw new LoraparException(function, status, lastError());
        }
    }

    /**
     * The one place a {@link Throwable} from {@code invokeExact} is translated: unchecked exceptions and
     * errors pass through (e.g. {@link NativeLibraryException}); a checked one cannot come from a
     * downcall and is wrapped as a bug.
     */
    static RuntimeException unexpected(Throwable t) {
        if (t instanceof RuntimeException re) {
            return re;
        }
        if (t instanceof Error e) {
            throw e;
        }
        return new IllegalStateException("lorapar: unexpected checked exception from a downcall", t);
    }

    private static String cString(MemorySegment pointer) {
        if (pointer.equals(MemorySegment.NULL)) {
            return "";
        }
        return pointer.reinterpret(Long.MAX_VALUE).getString(0);
    }

    private static MemorySegment nullable(MemorySegment pointer) {
        return pointer == null ? MemorySegment.NULL : pointer;
    }

    // ------------------------------------------------------------------ library, errors, devices

    /** {@code lp_abi_version()}. */
    public static int abiVersion() {
        try {
            return (int) LP_ABI_VERSION.invokeExact();
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code lp_build_info()} as a Java string. */
    public static String buildInfo() {
        try {
            return cString((MemorySegment) LP_BUILD_INFO.invokeExact());
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code lp_last_error()} of the calling thread ("" when none). */
    public static String lastError() {
        try {
            return cString((MemorySegment) LP_LAST_ERROR.invokeExact());
        } catch (Throwable t) {
            throw unexpected(t);
        }
    }

    /** {@code lp_cuda_device_count}. */
    public static int cudaDeviceCount() {
        int status;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(C_INT32);
            try {
                status = (int) LP_CUDA_DEVICE_COUNT.invokeExact(out);
            } catch (Throwable t) {
                throw unexpected(t);
            }
            check("lp_cuda_device_count", status);
            return out.get(C_INT32, 0);
        }
    }

    /** {@code lp_mem_info}: {free, total} bytes of a device. */
    public static long[] memInfo(int device) {
        int status;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment free = arena.allocate(C_SIZE_T);
            MemorySegment total = arena.allocate(C_SIZE_T);
            try {
                status = (int) LP_MEM_INFO.invokeExact(device, free, total);
            } catch (Throwable t) {
                throw unexpected(t);
            }
            check("lp_mem_info", status);
            return new long[] {free.get(C_SIZE_T, 0), total.get(C_SIZE_T, 0)};
        }
    }

    /** {@code lp_device_name} into a 256-byte buffer. */
    public static String deviceName(int device) {
        final long capacity = 256;
        int status;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(capacity);
            try {
                status = (int) LP_DEVICE_NAME.invokeExact(device, buf, capacity);
            } catch (Throwable t) {
                throw unexpected(t);
            }
            check("lp_device_name", status);
            buf.set(ValueLayout.JAVA_BYTE, capacity - 1, (byte) 0); // a terminator even if the C side forgot
            return buf.getString(0);
        }
    }

    // ------------------------------------------------------------------ streams and events

    /** {@code lp_stream_create}: the new {@code lp_stream}. */
    public static MemorySegment streamCreate(int device) {
        return createHandle("lp_stream_create", LP_STREAM_CREATE, device);
    }

    /** {@code lp_stream_destroy} (synchronizes first). */
    public static void streamDestroy(MemorySegment stream) {
        callPointer("lp_stream_destroy", LP_STREAM_DESTROY, stream);
    }

    /** {@code lp_stream_synchronize}. */
    public static void streamSynchronize(MemorySegment stream) {
        callPointer("lp_stream_synchronize", LP_STREAM_SYNCHRONIZE, stream);
    }

    /** {@code lp_stream_device}. */
    public static int streamDevice(MemorySegment stream) {
        int status;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(C_INT32);
            try {
                status = (int) LP_STREAM_DEVICE.invokeExact(stream, out);
            } catch (Throwable t) {
                throw unexpected(t);
            }
            check("lp_stream_device", status);
            return out.get(C_INT32, 0);
        }
    }

    /** {@code lp_event_create}: the new {@code lp_event}. */
    public static MemorySegment eventCreate(int device) {
        return createHandle("lp_event_create", LP_EVENT_CREATE, device);
    }

    /** {@code lp_event_destroy}. */
    public static void eventDestroy(MemorySegment event) {
        callPointer("lp_event_destroy", LP_EVENT_DESTROY, event);
    }

    /** {@code lp_event_record}. */
    public static void eventRecord(MemorySegment event, MemorySegment stream) {
        int status;
        try {
            status = (int) LP_EVENT_RECORD.invokeExact(event, stream);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        check("lp_event_record", status);
    }

    /** {@code lp_event_synchronize}. */
    public static void eventSynchronize(MemorySegment event) {
        callPointer("lp_event_synchronize", LP_EVENT_SYNCHRONIZE, event);
    }

    /** {@code lp_stream_wait_event}. */
    public static void streamWaitEvent(MemorySegment stream, MemorySegment event) {
        int status;
        try {
            status = (int) LP_STREAM_WAIT_EVENT.invokeExact(stream, event);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        check("lp_stream_wait_event", status);
    }

    /** {@code lp_event_elapsed_ms}. */
    public static float eventElapsedMs(MemorySegment start, MemorySegment end) {
        int status;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(C_FLOAT);
            try {
                status = (int) LP_EVENT_ELAPSED_MS.invokeExact(start, end, out);
            } catch (Throwable t) {
                throw unexpected(t);
            }
            check("lp_event_elapsed_ms", status);
            return out.get(C_FLOAT, 0);
        }
    }

    private static MemorySegment createHandle(String function, MethodHandle handle, int device) {
        int status;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(C_POINTER);
            try {
                status = (int) handle.invokeExact(device, out);
            } catch (Throwable t) {
                throw unexpected(t);
            }
            check(function, status);
            return out.get(C_POINTER, 0);
        }
    }

    private static void callPointer(String function, MethodHandle handle, MemorySegment pointer) {
        int status;
        try {
            status = (int) handle.invokeExact(pointer);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        check(function, status);
    }

    // ------------------------------------------------------------------ memory

    /** {@code lp_malloc}: device memory (CPU: 64-byte aligned host memory). */
    public static MemorySegment malloc(int device, long bytes) {
        int status;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(C_POINTER);
            try {
                status = (int) LP_MALLOC.invokeExact(device, bytes, out);
            } catch (Throwable t) {
                throw unexpected(t);
            }
            check("lp_malloc", status);
            return out.get(C_POINTER, 0);
        }
    }

    /** {@code lp_free}. */
    public static void free(int device, MemorySegment pointer) {
        int status;
        try {
            status = (int) LP_FREE.invokeExact(device, pointer);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        check("lp_free", status);
    }

    /** {@code lp_host_alloc_pinned}. */
    public static MemorySegment hostAllocPinned(long bytes) {
        int status;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(C_POINTER);
            try {
                status = (int) LP_HOST_ALLOC_PINNED.invokeExact(bytes, out);
            } catch (Throwable t) {
                throw unexpected(t);
            }
            check("lp_host_alloc_pinned", status);
            return out.get(C_POINTER, 0);
        }
    }

    /** {@code lp_host_free_pinned}. */
    public static void hostFreePinned(MemorySegment pointer) {
        callPointer("lp_host_free_pinned", LP_HOST_FREE_PINNED, pointer);
    }

    /** {@code lp_memcpy} with an {@code lp_copy_kind} (0 H2H, 1 H2D, 2 D2H, 3 D2D). */
    public static void memcpy(MemorySegment stream, MemorySegment dst, MemorySegment src, long bytes, int kind) {
        int status;
        try {
            status = (int) LP_MEMCPY.invokeExact(stream, dst, src, bytes, kind);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        check("lp_memcpy", status);
    }

    /** {@code lp_fill}. */
    public static void fill(MemorySegment stream, MemorySegment dst, int dtype, long n, double value) {
        int status;
        try {
            status = (int) LP_FILL.invokeExact(stream, dst, dtype, n, value);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        check("lp_fill", status);
    }

    /** {@code lp_convert}. */
    public static void convert(MemorySegment stream, MemorySegment src, int srcDtype, MemorySegment dst, int dstDtype,
                               long n) {
        int status;
        try {
            status = (int) LP_CONVERT.invokeExact(stream, src, srcDtype, dst, dstDtype, n);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        check("lp_convert", status);
    }

    // ------------------------------------------------------------------ GEMM and LoRA

    /** {@code lp_gemm} (argument order of lorapar.h). */
    public static void gemm(MemorySegment stream, int transA, int transB, long m, long n, long k, float alpha,
                            MemorySegment a, long lda, long strideA, MemorySegment b, long ldb, long strideB,
                            float beta, MemorySegment c, long ldc, long strideC, long batch,
                            int abDtype, int cDtype) {
        int status;
        try {
            status = (int) LP_GEMM.invokeExact(stream, transA, transB, m, n, k, alpha, a, lda, strideA, b, ldb,
                    strideB, beta, c, ldc, strideC, batch, abDtype, cDtype);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        check("lp_gemm", status);
    }

    /** {@code lp_lora_forward}; null masks become C NULL. */
    public static void loraForward(MemorySegment stream, int dtype, long m, long k, long n, long r, float scale,
                                   MemorySegment x, MemorySegment a, MemorySegment maskA, MemorySegment b,
                                   MemorySegment maskB, int maskMode, MemorySegment u, MemorySegment y) {
        int status;
        try {
            status = (int) LP_LORA_FORWARD.invokeExact(stream, dtype, m, k, n, r, scale, x, a, nullable(maskA), b,
                    nullable(maskB), maskMode, u, y);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        check("lp_lora_forward", status);
    }

    /**
     * {@code lp_lora_forward_group}: n, a, b, u, y of one length (the group); maskA / maskB null (no masks) or of that
     * length with null entries for unmasked projections. The pointer arrays live in a confined arena for the call.
     */
    public static void loraForwardGroup(MemorySegment stream, int dtype, long m, long k, long[] n, long r,
                                        float scale, MemorySegment x, MemorySegment[] a, MemorySegment[] maskA,
                                        MemorySegment[] b, MemorySegment[] maskB, int maskMode, MemorySegment[] u,
                                        MemorySegment[] y) {
        int status;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment nArray = arena.allocateFrom(ValueLayout.JAVA_LONG, n);
            MemorySegment masksA = maskA == null ? MemorySegment.NULL : pointers(arena, maskA);
            MemorySegment masksB = maskB == null ? MemorySegment.NULL : pointers(arena, maskB);
            status = (int) LP_LORA_FORWARD_GROUP.invokeExact(stream, dtype, (long) n.length, m, k, nArray, r, scale, x,
                    pointers(arena, a), masksA, pointers(arena, b), masksB, maskMode, pointers(arena, u),
                    pointers(arena, y));
        } catch (Throwable t) {
            throw unexpected(t);
        }
        check("lp_lora_forward_group", status);
    }

    /** A C array of pointers (null entries become NULL) allocated in arena. */
    private static MemorySegment pointers(Arena arena, MemorySegment[] values) {
        MemorySegment array = arena.allocate(C_POINTER, values.length);
        for (int i = 0; i < values.length; i++) {
            array.setAtIndex(C_POINTER, i, nullable(values[i]));
        }
        return array;
    }

    /** {@code lp_lora_linear_forward}; null masks become C NULL. */
    public static void loraLinearForward(MemorySegment stream, int dtype, long m, long k, long n, long r,
                                         float scale, MemorySegment x, MemorySegment w, float beta,
                                         MemorySegment a, MemorySegment maskA, MemorySegment b,
                                         MemorySegment maskB, int maskMode, MemorySegment u, MemorySegment y) {
        int status;
        try {
            status = (int) LP_LORA_LINEAR_FORWARD.invokeExact(stream, dtype, m, k, n, r, scale, x, w, beta, a,
                    nullable(maskA), b, nullable(maskB), maskMode, u, y);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        check("lp_lora_linear_forward", status);
    }

    /** {@code lp_lora_backward}; null masks / dx / da / db become C NULL. */
    public static void loraBackward(MemorySegment stream, int dtype, long m, long k, long n, long r, float scale,
                                    MemorySegment x, MemorySegment a, MemorySegment maskA, MemorySegment b,
                                    MemorySegment maskB, int maskMode, MemorySegment u, MemorySegment dy,
                                    MemorySegment g, MemorySegment dx, MemorySegment da, MemorySegment db,
                                    int accumulate) {
        int status;
        try {
            status = (int) LP_LORA_BACKWARD.invokeExact(stream, dtype, m, k, n, r, scale, x, a, nullable(maskA), b,
                    nullable(maskB), maskMode, u, dy, g, nullable(dx), nullable(da), nullable(db), accumulate);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        check("lp_lora_backward", status);
    }

    /** {@code lp_lora_linear_backward}; null w / masks / dx / da / db become C NULL. */
    public static void loraLinearBackward(MemorySegment stream, int dtype, long m, long k, long n, long r,
                                          float scale, MemorySegment x, MemorySegment w, MemorySegment a,
                                          MemorySegment maskA, MemorySegment b, MemorySegment maskB, int maskMode,
                                          MemorySegment u, MemorySegment dy, MemorySegment g, float betaDx,
                                          MemorySegment dx, MemorySegment da, MemorySegment db, int accumulate) {
        int status;
        try {
            status = (int) LP_LORA_LINEAR_BACKWARD.invokeExact(stream, dtype, m, k, n, r, scale, x, nullable(w), a,
                    nullable(maskA), b, nullable(maskB), maskMode, u, dy, g, betaDx, nullable(dx), nullable(da),
                    nullable(db), accumulate);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        check("lp_lora_linear_backward", status);
    }

    /** {@code lp_mask_apply}. */
    public static void maskApply(MemorySegment stream, int dtype, MemorySegment x, MemorySegment mask, long n) {
        int status;
        try {
            status = (int) LP_MASK_APPLY.invokeExact(stream, dtype, x, mask, n);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        check("lp_mask_apply", status);
    }

    // ------------------------------------------------------------------ multi-tensor ops

    /** {@code lp_importance_accumulate}; sizes is an int64 array, the rest host pointer arrays. */
    public static void importanceAccumulate(MemorySegment stream, int count, MemorySegment sizes,
                                            MemorySegment grads, int gradDtype, MemorySegment params,
                                            int paramDtype, MemorySegment s1, MemorySegment s2) {
        int status;
        try {
            status = (int) LP_IMPORTANCE_ACCUMULATE.invokeExact(stream, count, sizes, grads, gradDtype, params,
                    paramDtype, s1, s2);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        check("lp_importance_accumulate", status);
    }

    /** {@code lp_importance_finalize}. */
    public static void importanceFinalize(MemorySegment stream, int count, MemorySegment sizes, MemorySegment s1,
                                          MemorySegment s2, MemorySegment importance, long numSamples) {
        int status;
        try {
            status = (int) LP_IMPORTANCE_FINALIZE.invokeExact(stream, count, sizes, s1, s2, importance, numSamples);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        check("lp_importance_finalize", status);
    }

    /** {@code lp_global_norm}. */
    public static void globalNorm(MemorySegment stream, int count, MemorySegment sizes, MemorySegment xs, int dtype,
                                  MemorySegment outNorm) {
        int status;
        try {
            status = (int) LP_GLOBAL_NORM.invokeExact(stream, count, sizes, xs, dtype, outNorm);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        check("lp_global_norm", status);
    }

    /** {@code lp_adamw_masked}; null masks / copies / gradNorm become C NULL. */
    public static void adamwMasked(MemorySegment stream, int count, MemorySegment sizes, MemorySegment params,
                                   MemorySegment grads, MemorySegment expAvg, MemorySegment expAvgSq,
                                   MemorySegment masks, MemorySegment copies, int copyDtype, float lr, float beta1,
                                   float beta2, float eps, float weightDecay, long step, MemorySegment gradNorm,
                                   float maxGradNorm) {
        int status;
        try {
            status = (int) LP_ADAMW_MASKED.invokeExact(stream, count, sizes, params, grads, expAvg, expAvgSq,
                    nullable(masks), nullable(copies), copyDtype, lr, beta1, beta2, eps, weightDecay, step,
                    nullable(gradNorm), maxGradNorm);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        check("lp_adamw_masked", status);
    }

    // ------------------------------------------------------------------ selection

    /** {@code lp_select_top_mass}: the number selected (the call synchronizes the stream). */
    public static long selectTopMass(MemorySegment stream, MemorySegment importance, long n, double theta,
                                     MemorySegment maskOut) {
        int status;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(C_INT64);
            try {
                status = (int) LP_SELECT_TOP_MASS.invokeExact(stream, importance, n, theta, maskOut, count);
            } catch (Throwable t) {
                throw unexpected(t);
            }
            check("lp_select_top_mass", status);
            return count.get(C_INT64, 0);
        }
    }

    /** {@code lp_select_top_k}: the number selected; null candidates become C NULL. */
    public static long selectTopK(MemorySegment stream, MemorySegment values, MemorySegment candidates, long n, long k,
                                  MemorySegment maskOut) {
        int status;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment count = arena.allocate(C_INT64);
            try {
                status = (int) LP_SELECT_TOP_K.invokeExact(stream, values, nullable(candidates), n, k, maskOut, count);
            } catch (Throwable t) {
                throw unexpected(t);
            }
            check("lp_select_top_k", status);
            return count.get(C_INT64, 0);
        }
    }

    /** {@code lp_partition_masks}: the five counts |s1only|, |s2only|, |shared|, |stage1|, |stage2|. */
    public static long[] partitionMasks(MemorySegment stream, long n, MemorySegment set1, MemorySegment set2,
                                        MemorySegment imp1, MemorySegment imp2, double alpha, double beta,
                                        MemorySegment stage1, MemorySegment stage2, MemorySegment region) {
        int status;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment counts = arena.allocate(C_INT64, 5);
            try {
                status = (int) LP_PARTITION_MASKS.invokeExact(stream, n, set1, set2, imp1, imp2, alpha, beta, stage1,
                        stage2, nullable(region), counts);
            } catch (Throwable t) {
                throw unexpected(t);
            }
            check("lp_partition_masks", status);
            return counts.toArray(C_INT64);
        }
    }

    // ------------------------------------------------------------------ LLaMA layer ops

    /** {@code lp_embedding_forward}. */
    public static void embeddingForward(MemorySegment stream, int dtype, long tokens, long vocab, long dim,
                                        MemorySegment ids, MemorySegment table, MemorySegment out) {
        int status;
        try {
            status = (int) LP_EMBEDDING_FORWARD.invokeExact(stream, dtype, tokens, vocab, dim, ids, table, out);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        check("lp_embedding_forward", status);
    }

    /** {@code lp_embedding_backward}. */
    public static void embeddingBackward(MemorySegment stream, int dtype, long tokens, long vocab, long dim,
                                         MemorySegment ids, MemorySegment dOut, MemorySegment dTable) {
        int status;
        try {
            status = (int) LP_EMBEDDING_BACKWARD.invokeExact(stream, dtype, tokens, vocab, dim, ids, dOut, dTable);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        check("lp_embedding_backward", status);
    }

    /** {@code lp_rmsnorm_forward}. */
    public static void rmsnormForward(MemorySegment stream, int dtype, long rows, long dim, float eps, MemorySegment x,
                                      MemorySegment w, MemorySegment y, MemorySegment rstd) {
        int status;
        try {
            status = (int) LP_RMSNORM_FORWARD.invokeExact(stream, dtype, rows, dim, eps, x, w, y, rstd);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        check("lp_rmsnorm_forward", status);
    }

    /** {@code lp_rmsnorm_backward}; null dx / dw become C NULL. */
    public static void rmsnormBackward(MemorySegment stream, int dtype, long rows, long dim, MemorySegment x,
                                       MemorySegment w, MemorySegment rstd, MemorySegment dy, MemorySegment dx,
                                       MemorySegment dw, int accumulateDx) {
        int status;
        try {
            status = (int) LP_RMSNORM_BACKWARD.invokeExact(stream, dtype, rows, dim, x, w, rstd, dy, nullable(dx),
                    nullable(dw), accumulateDx);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        check("lp_rmsnorm_backward", status);
    }

    /** {@code lp_rope}. */
    public static void rope(MemorySegment stream, int dtype, long tokens, long heads, long headDim,
                            MemorySegment positions, double theta, int style, int inverse, MemorySegment x) {
        int status;
        try {
            status = (int) LP_ROPE.invokeExact(stream, dtype, tokens, heads, headDim, positions, theta, style,
                    inverse, x);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        check("lp_rope", status);
    }

    /** {@code lp_swiglu_forward}. */
    public static void swigluForward(MemorySegment stream, int dtype, long n, MemorySegment gate, MemorySegment up,
                                     MemorySegment out) {
        int status;
        try {
            status = (int) LP_SWIGLU_FORWARD.invokeExact(stream, dtype, n, gate, up, out);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        check("lp_swiglu_forward", status);
    }

    /** {@code lp_swiglu_backward}. */
    public static void swigluBackward(MemorySegment stream, int dtype, long n, MemorySegment gate, MemorySegment up,
                                      MemorySegment dOut, MemorySegment dGate, MemorySegment dUp) {
        int status;
        try {
            status = (int) LP_SWIGLU_BACKWARD.invokeExact(stream, dtype, n, gate, up, dOut, dGate, dUp);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        check("lp_swiglu_backward", status);
    }

    /** {@code lp_attention_forward}; null segmentIds becomes C NULL. */
    public static void attentionForward(MemorySegment stream, int dtype, long batch, long seq, long nHeads,
                                        long nKvHeads, long headDim, float scale, MemorySegment q, MemorySegment k,
                                        MemorySegment v, MemorySegment segmentIds, MemorySegment out,
                                        MemorySegment lse) {
        int status;
        try {
            status = (int) LP_ATTENTION_FORWARD.invokeExact(stream, dtype, batch, seq, nHeads, nKvHeads, headDim, scale,
                    q, k, v, nullable(segmentIds), out, lse);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        check("lp_attention_forward", status);
    }

    /** {@code lp_attention_backward}; null segmentIds becomes C NULL. */
    public static void attentionBackward(MemorySegment stream, int dtype, long batch, long seq, long nHeads,
                                         long nKvHeads, long headDim, float scale, MemorySegment q, MemorySegment k,
                                         MemorySegment v, MemorySegment segmentIds, MemorySegment out,
                                         MemorySegment lse, MemorySegment dOut, MemorySegment dq, MemorySegment dk,
                                         MemorySegment dv) {
        int status;
        try {
            status = (int) LP_ATTENTION_BACKWARD.invokeExact(stream, dtype, batch, seq, nHeads, nKvHeads, headDim,
                    scale, q, k, v, nullable(segmentIds), out, lse, dOut, dq, dk, dv);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        check("lp_attention_backward", status);
    }

    /** {@code lp_cross_entropy}; null weights become C NULL. */
    public static void crossEntropy(MemorySegment stream, int dtype, long tokens, long vocab, MemorySegment logits,
                                    MemorySegment targets, MemorySegment weights, float gradScale,
                                    MemorySegment losses) {
        int status;
        try {
            status = (int) LP_CROSS_ENTROPY.invokeExact(stream, dtype, tokens, vocab, logits, targets,
                    nullable(weights), gradScale, losses);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        check("lp_cross_entropy", status);
    }

    // ------------------------------------------------------------------ KV-cache generation, CUDA graphs

    /** {@code lp_kv_cache_write}. */
    public static void kvCacheWrite(MemorySegment stream, int dtype, long rows, long nKvHeads, long headDim,
                                    MemorySegment k, MemorySegment v, MemorySegment slot, MemorySegment kCache,
                                    MemorySegment vCache, long cacheSlots) {
        int status;
        try {
            status = (int) LP_KV_CACHE_WRITE.invokeExact(stream, dtype, rows, nKvHeads, headDim, k, v, slot, kCache,
                    vCache, cacheSlots);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        check("lp_kv_cache_write", status);
    }

    /** {@code lp_rope_kv_cache_write}. */
    public static void ropeKvCacheWrite(MemorySegment stream, int dtype, long rows, long nHeads, long nKvHeads,
                                        long headDim, MemorySegment positions, double theta, int style,
                                        MemorySegment q, MemorySegment k, MemorySegment v, MemorySegment slot,
                                        MemorySegment kCache, MemorySegment vCache, long cacheSlots) {
        int status;
        try {
            status = (int) LP_ROPE_KV_CACHE_WRITE.invokeExact(stream, dtype, rows, nHeads, nKvHeads, headDim, positions,
                    theta, style, q, k, v, slot, kCache, vCache, cacheSlots);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        check("lp_rope_kv_cache_write", status);
    }

    /** {@code lp_attention_decode}. */
    public static void attentionDecode(MemorySegment stream, int dtype, long batch, long nHeads, long nKvHeads,
                                       long headDim, long maxLen, float scale, MemorySegment q, MemorySegment kCache,
                                       MemorySegment vCache, MemorySegment lengths, MemorySegment prefix,
                                       MemorySegment out) {
        int status;
        try {
            status = (int) LP_ATTENTION_DECODE.invokeExact(stream, dtype, batch, nHeads, nKvHeads, headDim, maxLen,
                    scale, q, kCache, vCache, lengths, prefix, out);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        check("lp_attention_decode", status);
    }

    /** {@code lp_sample}. */
    public static void sample(MemorySegment stream, int dtype, long batch, long vocab, MemorySegment logits,
                              MemorySegment temperature, MemorySegment topK, MemorySegment topP, MemorySegment seed,
                              MemorySegment step, MemorySegment outIds) {
        int status;
        try {
            status = (int) LP_SAMPLE.invokeExact(stream, dtype, batch, vocab, logits, temperature, topK, topP, seed,
                    step, outIds);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        check("lp_sample", status);
    }

    /** {@code lp_graph_begin_capture}. */
    public static void graphBeginCapture(MemorySegment stream) {
        callPointer("lp_graph_begin_capture", LP_GRAPH_BEGIN_CAPTURE, stream);
    }

    /** {@code lp_graph_end_capture}: the new {@code lp_graph} (the capture has ended even when this throws). */
    public static MemorySegment graphEndCapture(MemorySegment stream) {
        int status;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(C_POINTER);
            try {
                status = (int) LP_GRAPH_END_CAPTURE.invokeExact(stream, out);
            } catch (Throwable t) {
                throw unexpected(t);
            }
            check("lp_graph_end_capture", status);
            return out.get(C_POINTER, 0);
        }
    }

    /** {@code lp_graph_launch}. */
    public static void graphLaunch(MemorySegment graph, MemorySegment stream) {
        int status;
        try {
            status = (int) LP_GRAPH_LAUNCH.invokeExact(graph, stream);
        } catch (Throwable t) {
            throw unexpected(t);
        }
        check("lp_graph_launch", status);
    }

    /** {@code lp_graph_destroy}. */
    public static void graphDestroy(MemorySegment graph) {
        callPointer("lp_graph_destroy", LP_GRAPH_DESTROY, graph);
    }
}
