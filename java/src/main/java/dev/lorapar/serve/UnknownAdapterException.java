package dev.lorapar.serve;

/** A request or unload named an adapter that is not loaded. */
public final class UnknownAdapterException extends IllegalArgumentException {
    public UnknownAdapterException(String name, java.util.Collection<String> loaded) {
        super("no adapter named '" + name + "' is loaded (loaded: " + loaded + ")");
    }
}
