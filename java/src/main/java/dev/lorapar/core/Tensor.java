package dev.lorapar.core;

import dev.lorapar.core.ffi.LpNative;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.ref.Cleaner;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The owner of one native buffer: device memory on CUDA, 64-byte-aligned native memory on the CPU (or
 * page-locked host memory, see {@link #pinnedHost}), holding a contiguous row-major array of
 * {@link #dtype()} elements with {@link #shape()} (rank 0..8, dims ≥ 0; rank 0 holds one element).
 *
 * <p><b>Lifetime.</b> Tensors are deterministic owners: the memory is freed by {@link #close()} (idempotent)
 * and never by the garbage collector. A tensor that becomes unreachable unclosed leaks its memory; a
 * {@link Cleaner} then only logs a warning naming it. After close, the metadata (shape, dtype, device)
 * stays readable; {@link #address()}, data transfers and every op throw {@link IllegalStateException}.
 *
 * <p>Host transfers ({@link #of}, {@link #toFloatArray}, ...) go through a host staging buffer and
 * {@code lp_memcpy} on the given stream, then synchronize it; CUDA memory is never dereferenced from Java.
 * They accept a stream of the tensor's device, or any stream for a CPU tensor.
 */
public final class Tensor implements AutoCloseable {
    /** Highest rank accepted. */
    public static final int MAX_RANK = 8;

    private static final Cleaner LEAK_DETECTOR = Cleaner.create();
    private static final java.util.concurrent.atomic.AtomicLong LIVE_BYTES = new java.util.concurrent.atomic.AtomicLong();
    private static final System.Logger LOG = System.getLogger(Tensor.class.getName());

    private final Device device;
    private final DType dtype;
    private final long[] shape;
    private final long numel;
    private final long byteSize;
    private final boolean pinned;
    private final MemorySegment pointer;
    private final LifeState life;
    private final Cleaner.Cleanable leakCheck; // null for a view
    private final boolean view;

    /** Closed flag shared with the leak detector (which must not reference the tensor). */
    private static final class LifeState implements Runnable {
        final AtomicBoolean closed = new AtomicBoolean();
        final String description;

        LifeState(String description) {
            this.description = description;
        }

        @Override
        public void run() {
            if (!closed.get()) {
                LOG.log(System.Logger.Level.WARNING, "lorapar: " + description
                        + " became unreachable without close(); its native memory is leaked");
            }
        }
    }

    private Tensor(Device device, DType dtype, long[] shape, long numel, long byteSize, boolean pinned,
                   MemorySegment pointer) {
        this.device = device;
        this.dtype = dtype;
        this.shape = shape;
        this.numel = numel;
        this.byteSize = byteSize;
        this.pinned = pinned;
        this.pointer = pointer;
        this.life = new LifeState((pinned ? "pinned " : "") + "Tensor " + dtype + " " + Arrays.toString(shape) + " on "
                + device + " (" + byteSize + " bytes at 0x" + Long.toHexString(pointer.address()) + ")");
        this.leakCheck = LEAK_DETECTOR.register(this, life);
        this.view = false;
        LIVE_BYTES.addAndGet(byteSize);
    }

    /**
     * Bytes held by every tensor allocated in this JVM and not yet closed (device and pinned host buffers together):
     * a leak check for long-running owners (a server's memory is flat when this returns to its earlier value).
     */
    public static long liveBytes() {
        return LIVE_BYTES.get();
    }

    /** A view of {@code numel} elements of owner's buffer from byte offset {@code offset} (see {@link #view}, {@link #rows}). */
    private Tensor(Tensor owner, long[] shape, long offset, long numel) {
        this.device = owner.device;
        this.dtype = owner.dtype;
        this.shape = shape;
        this.numel = numel;
        this.byteSize = numel * owner.dtype.byteSize();
        this.pinned = owner.pinned;
        this.pointer = offset == 0 ? owner.pointer : MemorySegment.ofAddress(owner.pointer.address() + offset);
        this.life = owner.life; // closing the owner closes every view of it
        this.leakCheck = null;
        this.view = true;
    }

    /**
     * The same buffer seen with another shape of the same element count (row-major, no copy), e.g. q
     * {@code [tokens×dim]} as {@code [tokens×heads×headDim]}. A view owns nothing: its {@link #close()} does
     * nothing, and once the owning tensor is closed every use of the view throws IllegalStateException.
     *
     * @throws IllegalArgumentException when the element counts differ or a dim is negative
     * @throws IllegalStateException    when this tensor is closed
     */
    public Tensor view(long... newShape) {
        segment(); // closed check
        long[] copy = newShape.clone();
        if (copy.length > MAX_RANK) {
            throw new IllegalArgumentException("view: rank " + copy.length + " > " + MAX_RANK);
        }
        long count = 1;
        for (long d : copy) {
            if (d < 0) {
                throw new IllegalArgumentException("view: negative dim in " + Arrays.toString(copy));
            }
            count = Math.multiplyExact(count, d);
        }
        if (count != numel) {
            throw new IllegalArgumentException("view: shape " + Arrays.toString(copy) + " has " + count
                    + " elements, the tensor " + Arrays.toString(shape) + " has " + numel);
        }
        return new Tensor(this, copy, 0, numel);
    }

    /**
     * Rows {@code [from, from + count)} along dim 0, as a view (no copy) of shape {@code [count, dims 1..]}: e.g.
     * the first {@code tokens} rows of a workspace sized for the longest batch. Like {@link #view} it owns nothing.
     *
     * @throws IllegalArgumentException when the range is outside {@code [0, dim(0)]} or the tensor has rank 0
     * @throws IllegalStateException    when this tensor is closed
     */
    public Tensor rows(long from, long count) {
        segment(); // closed check
        if (shape.length == 0) {
            throw new IllegalArgumentException("rows: a rank-0 tensor has no rows");
        }
        if (from < 0 || count < 0 || from > shape[0] - count) {
            throw new IllegalArgumentException("rows: [" + from + ", " + from + " + " + count + ") is outside [0, "
                    + shape[0] + ") of " + this);
        }
        long rowElements = shape[0] == 0 ? 0 : numel / shape[0];
        long[] sub = shape.clone();
        sub[0] = count;
        return new Tensor(this, sub, from * rowElements * dtype.byteSize(), count * rowElements);
    }

    /** True for a tensor made by {@link #view}, which does not own its buffer. */
    public boolean isView() {
        return view;
    }

    // ------------------------------------------------------------------ creation

    /**
     * An uninitialised tensor {@code [shape]} of {@code dtype} on {@code device}.
     *
     * @throws IllegalArgumentException     for a negative dim, rank > 8, or a size that overflows a long
     * @throws DeviceOutOfMemoryException   when the device cannot provide the memory
     */
    public static Tensor empty(Device device, DType dtype, long... shape) {
        Objects.requireNonNull(device, "Tensor.empty: device is null");
        return allocate("Tensor.empty", device, dtype, shape, false);
    }

    /**
     * A page-locked host tensor {@code [shape]} of {@code dtype} (device CPU) for fast asynchronous
     * transfers; freed with {@code lp_host_free_pinned}. Plain aligned memory when CUDA is absent.
     */
    public static Tensor pinnedHost(DType dtype, long... shape) {
        return allocate("Tensor.pinnedHost", Device.CPU, dtype, shape, true);
    }

    /** A tensor {@code [shape]} of {@code dtype} on the stream's device, filled with zeros on the stream. */
    public static Tensor zeros(Stream stream, DType dtype, long... shape) {
        Check.stream("Tensor.zeros", stream);
        Tensor t = allocate("Tensor.zeros", stream.device(), dtype, shape, false);
        try {
            Ops.fill(stream, t, 0.0);
        } catch (RuntimeException | Error e) {
            t.closeAfterFailure(e);
            throw e;
        }
        return t;
    }

    /**
     * A tensor {@code [shape]} of {@code dtype} on the stream's device holding {@code data} [numel] (row-major).
     * F32/BF16: converted (BF16 rounds to nearest even); U8/I32/I64: each value must be an integer in range.
     * Returns after the copy completed (the stream is synchronized).
     *
     * @throws IllegalArgumentException when data.length != numel or a value does not fit the dtype
     */
    public static Tensor of(Stream stream, DType dtype, float[] data, long... shape) {
        final String op = "Tensor.of";
        Check.stream(op, stream);
        Objects.requireNonNull(data, op + ": data is null");
        Objects.requireNonNull(dtype, op + ": dtype is null");
        long n = checkedNumel(op, shape);
        if (data.length != n) {
            throw new IllegalArgumentException(op + ": data has " + data.length + " values, expected numel = " + n
                    + " of shape " + Arrays.toString(shape));
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment staging = arena.allocate(Math.multiplyExact(n, (long) dtype.byteSize()), 64);
            HostData.encode(op, data, dtype, staging); // validates values before anything is allocated
            Tensor t = allocate(op, stream.device(), dtype, shape, false);
            try {
                t.upload(stream, staging);
            } catch (RuntimeException | Error e) {
                t.closeAfterFailure(e);
                throw e;
            }
            return t;
        }
    }

    /** A U8 tensor {@code [shape]} on the stream's device holding the raw bytes {@code data} [numel]. */
    public static Tensor ofBytes(Stream stream, byte[] data, long... shape) {
        final String op = "Tensor.ofBytes";
        Check.stream(op, stream);
        Objects.requireNonNull(data, op + ": data is null");
        long n = checkedNumel(op, shape);
        if (data.length != n) {
            throw new IllegalArgumentException(op + ": data has " + data.length + " bytes, expected numel = " + n
                    + " of shape " + Arrays.toString(shape));
        }
        Tensor t = allocate(op, stream.device(), DType.U8, shape, false);
        try {
            t.copyFromBytes(stream, data);
        } catch (RuntimeException | Error e) {
            t.closeAfterFailure(e);
            throw e;
        }
        return t;
    }

    private static long checkedNumel(String op, long[] shape) {
        Objects.requireNonNull(shape, op + ": shape is null");
        if (shape.length > MAX_RANK) {
            throw new IllegalArgumentException(op + ": shape " + Arrays.toString(shape) + " has rank " + shape.length
                    + ", at most " + MAX_RANK + " allowed");
        }
        long n = 1;
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) {
                throw new IllegalArgumentException(op + ": shape " + Arrays.toString(shape) + " has a negative dim "
                        + i);
            }
        }
        for (long d : shape) {
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                throw new IllegalArgumentException(op + ": shape " + Arrays.toString(shape)
                        + " has more elements than a long can count");
            }
        }
        return n;
    }

    private static Tensor allocate(String op, Device device, DType dtype, long[] shape, boolean pinned) {
        Objects.requireNonNull(dtype, op + ": dtype is null");
        long n = checkedNumel(op, shape);
        long bytes;
        try {
            bytes = Math.multiplyExact(n, (long) dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(op + ": shape " + Arrays.toString(shape) + " of " + dtype
                    + " needs more bytes than a long can count");
        }
        MemorySegment pointer;
        try {
            pointer = pinned ? LpNative.hostAllocPinned(bytes) : LpNative.malloc(device.nativeId(), bytes);
        } catch (LoraparException e) {
            if (e.status() != NativeStatus.OUT_OF_MEMORY) {
                throw e;
            }
            throw outOfMemory(e, device, bytes);
        }
        return new Tensor(device, dtype, shape.clone(), n, bytes, pinned, pointer);
    }

    private static DeviceOutOfMemoryException outOfMemory(LoraparException cause, Device device, long bytes) {
        long free = -1;
        long total = -1;
        try {
            Lorapar.MemInfo info = Lorapar.memInfo(device);
            free = info.freeBytes();
            total = info.totalBytes();
        } catch (RuntimeException ignored) {
            // the report says "free memory unknown"
        }
        DeviceOutOfMemoryException oom = new DeviceOutOfMemoryException(cause.function(), cause.nativeMessage(), device,
                bytes, free, total);
        oom.initCause(cause);
        return oom;
    }

    // ------------------------------------------------------------------ host transfers

    /**
     * All elements as floats (row-major), after the stream's earlier work: U8/I32/I64 are widened (I32/I64
     * beyond 2^24 round), BF16 is exact.
     *
     * @throws IllegalArgumentException when numel exceeds a Java array
     */
    public float[] toFloatArray(Stream stream) {
        final String op = "Tensor.toFloatArray";
        Check.stream(op, stream);
        Check.reachable(op, "tensor", this, stream);
        int n = javaArrayLength(op);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment staging = arena.allocate(byteSize, 64);
            download(stream, staging);
            return HostData.decode(staging, dtype, n);
        }
    }

    /** The raw bytes of a U8 tensor, after the stream's earlier work. */
    public byte[] toByteArray(Stream stream) {
        final String op = "Tensor.toByteArray";
        Check.stream(op, stream);
        Check.reachable(op, "tensor", this, stream);
        Check.dtype(op, "tensor", this, DType.U8);
        int n = javaArrayLength(op);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment staging = arena.allocate(byteSize, 64);
            download(stream, staging);
            return staging.toArray(ValueLayout.JAVA_BYTE);
        }
    }

    /**
     * Overwrites all elements with {@code data} [numel] (converted as in {@link #of}); returns after the
     * copy completed.
     */
    public void copyFrom(Stream stream, float[] data) {
        final String op = "Tensor.copyFrom";
        Check.stream(op, stream);
        Check.reachable(op, "tensor", this, stream);
        Objects.requireNonNull(data, op + ": data is null");
        if (data.length != numel) {
            throw new IllegalArgumentException(op + ": data has " + data.length + " values, expected numel = " + numel
                    + " of shape " + Arrays.toString(shape));
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment staging = arena.allocate(byteSize, 64);
            HostData.encode(op, data, dtype, staging);
            upload(stream, staging);
        }
    }

    /** Overwrites all bytes of a U8 tensor with {@code data} [numel]; returns after the copy completed. */
    public void copyFromBytes(Stream stream, byte[] data) {
        final String op = "Tensor.copyFromBytes";
        Check.stream(op, stream);
        Check.reachable(op, "tensor", this, stream);
        Check.dtype(op, "tensor", this, DType.U8);
        Objects.requireNonNull(data, op + ": data is null");
        if (data.length != numel) {
            throw new IllegalArgumentException(op + ": data has " + data.length + " bytes, expected numel = " + numel
                    + " of shape " + Arrays.toString(shape));
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment staging = arena.allocate(byteSize, 64);
            MemorySegment.copy(data, 0, staging, ValueLayout.JAVA_BYTE, 0, data.length);
            upload(stream, staging);
        }
    }

    /** Overwrites all elements of an I32 tensor with {@code data} [numel] exactly; returns after the copy completed. */
    public void copyFromInts(Stream stream, int[] data) {
        uploadExact("Tensor.copyFromInts", stream, DType.I32, data == null ? -1 : data.length,
                staging -> MemorySegment.copy(data, 0, staging, ValueLayout.JAVA_INT_UNALIGNED, 0, data.length));
    }

    /** Overwrites all elements of an I64 tensor with {@code data} [numel] exactly; returns after the copy completed. */
    public void copyFromLongs(Stream stream, long[] data) {
        uploadExact("Tensor.copyFromLongs", stream, DType.I64, data == null ? -1 : data.length,
                staging -> MemorySegment.copy(data, 0, staging, ValueLayout.JAVA_LONG_UNALIGNED, 0, data.length));
    }

    /** Checks dtype and length (−1 = null data), fills a staging buffer and uploads it. */
    private void uploadExact(String op, Stream stream, DType want, int length,
                             java.util.function.Consumer<MemorySegment> fill) {
        Check.stream(op, stream);
        Check.reachable(op, "tensor", this, stream);
        Check.dtype(op, "tensor", this, want);
        if (length < 0) {
            throw new NullPointerException(op + ": data is null");
        }
        if (length != numel) {
            throw new IllegalArgumentException(op + ": data has " + length + " values, expected numel = " + numel
                    + " of shape " + Arrays.toString(shape));
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment staging = arena.allocate(Math.max(byteSize, 1), 64);
            fill.accept(staging);
            upload(stream, staging);
        }
    }

    /** The elements of an I64 tensor exactly, after the stream's earlier work. */
    public long[] toLongArray(Stream stream) {
        long[] out = new long[javaArrayLength("Tensor.toLongArray")];
        downloadExact("Tensor.toLongArray", stream, DType.I64,
                staging -> MemorySegment.copy(staging, ValueLayout.JAVA_LONG_UNALIGNED, 0, out, 0, out.length));
        return out;
    }

    /** The elements of an I32 tensor exactly, after the stream's earlier work. */
    public int[] toIntArray(Stream stream) {
        int[] out = new int[javaArrayLength("Tensor.toIntArray")];
        downloadExact("Tensor.toIntArray", stream, DType.I32,
                staging -> MemorySegment.copy(staging, ValueLayout.JAVA_INT_UNALIGNED, 0, out, 0, out.length));
        return out;
    }

    /** Checks the dtype, downloads into a staging buffer and hands it to {@code read}. */
    private void downloadExact(String op, Stream stream, DType want, java.util.function.Consumer<MemorySegment> read) {
        Check.stream(op, stream);
        Check.reachable(op, "tensor", this, stream);
        Check.dtype(op, "tensor", this, want);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment staging = arena.allocate(Math.max(byteSize, 8), 64);
            download(stream, staging);
            read.accept(staging);
        }
    }

    /** Sets every element to {@code value} on the stream (see {@link Ops#fill}). */
    public void fill(Stream stream, double value) {
        Ops.fill(stream, this, value);
    }

    private int javaArrayLength(String op) {
        if (numel > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(op + ": " + this + " has " + numel
                    + " elements, more than a Java array holds");
        }
        return (int) numel;
    }

    /** staging [byteSize bytes] → this, then synchronize (the staging memory is freed by the caller). */
    private void upload(Stream stream, MemorySegment staging) {
        if (byteSize > 0) {
            LpNative.memcpy(stream.handle(), segment(), staging, byteSize, device.isCuda() ? 1 : 0);
        }
        stream.synchronize();
    }

    /** this → staging [byteSize bytes], then synchronize. */
    private void download(Stream stream, MemorySegment staging) {
        if (byteSize > 0) {
            LpNative.memcpy(stream.handle(), staging, segment(), byteSize, device.isCuda() ? 2 : 0);
        }
        stream.synchronize();
    }

    // ------------------------------------------------------------------ metadata

    /** A copy of the shape. */
    public long[] shape() {
        return shape.clone();
    }

    /** Number of dims (0..8). */
    public int rank() {
        return shape.length;
    }

    /**
     * Size of dim {@code i}; negative {@code i} counts from the end ({@code dim(-1)} is the last).
     *
     * @throws IndexOutOfBoundsException when i is not in [-rank, rank)
     */
    public long dim(int i) {
        int j = i < 0 ? i + shape.length : i;
        if (j < 0 || j >= shape.length) {
            throw new IndexOutOfBoundsException("Tensor.dim(" + i + ") of a rank-" + shape.length + " tensor "
                    + Arrays.toString(shape));
        }
        return shape[j];
    }

    /** Number of elements (1 for rank 0). */
    public long numel() {
        return numel;
    }

    /** Bytes of the buffer (numel × dtype size). */
    public long byteSize() {
        return byteSize;
    }

    /** The element type. */
    public DType dtype() {
        return dtype;
    }

    /** Where the buffer lives. */
    public Device device() {
        return device;
    }

    /** True for a page-locked host tensor made by {@link #pinnedHost}. */
    public boolean isPinned() {
        return pinned;
    }

    /**
     * The native address of the buffer. Never dereference a CUDA address from Java.
     *
     * @throws IllegalStateException when closed
     */
    public long address() {
        return segment().address();
    }

    /** True once {@link #close()} was called. */
    public boolean isClosed() {
        return life.closed.get();
    }

    /** Frees the buffer ({@code lp_free}, or {@code lp_host_free_pinned}); later calls do nothing; a view's does nothing. */
    @Override
    public void close() {
        if (view) {
            return; // the owner frees the buffer
        }
        if (life.closed.compareAndSet(false, true)) {
            LIVE_BYTES.addAndGet(-byteSize);
            leakCheck.clean(); // deregisters; the action sees closed == true and logs nothing
            if (pinned) {
                LpNative.hostFreePinned(pointer);
            } else {
                LpNative.free(device.nativeId(), pointer);
            }
        }
    }

    /** Close during a failed construction; a second failure is attached to the first. */
    private void closeAfterFailure(Throwable first) {
        try {
            close();
        } catch (RuntimeException e) {
            first.addSuppressed(e);
        }
    }

    /** The buffer as a zero-length native segment, for downcalls; throws IllegalStateException when closed. */
    MemorySegment segment() {
        if (life.closed.get()) {
            throw new IllegalStateException("use of a closed tensor: " + this);
        }
        return pointer;
    }

    /** E.g. {@code Tensor[F32 [3, 4] on cpu]}. */
    @Override
    public String toString() {
        return "Tensor[" + dtype + " " + Arrays.toString(shape) + " on " + device + (pinned ? ", pinned" : "")
                + (isClosed() ? ", closed]" : "]");
    }
}
