/**
 * Internal: the only package that touches the FFM linker. {@link dev.lorapar.core.ffi.NativeLibrary}
 * finds and loads {@code liblorapar.so}; {@link dev.lorapar.core.ffi.LpNative} holds one downcall handle
 * per function of {@code lorapar.h}. Not an API: use {@code dev.lorapar.core}.
 */
package dev.lorapar.core.ffi;
