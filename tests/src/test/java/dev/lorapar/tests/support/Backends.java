package dev.lorapar.tests.support;

import dev.lorapar.core.Device;
import dev.lorapar.core.Lorapar;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Assumptions;

/** The devices under test: the CPU always, every CUDA device when the library reports some. */
public final class Backends {
    private Backends() {}

    /** CPU first, then cuda:0 .. cuda:(count−1). */
    public static List<Device> devices() {
        List<Device> out = new ArrayList<>();
        out.add(Device.CPU);
        out.addAll(cudaDevices());
        return out;
    }

    public static List<Device> cudaDevices() {
        List<Device> out = new ArrayList<>();
        int count = Lorapar.cudaDeviceCount();
        for (int i = 0; i < count; i++) out.add(Device.cuda(i));
        return out;
    }

    /** Skips the calling test (reported with the reason) unless a CUDA device is usable. */
    public static void assumeCuda() {
        int count = Lorapar.cudaDeviceCount();
        Assumptions.assumeTrue(count > 0, () -> "no CUDA device: " + Lorapar.buildInfo()
                + " / lp_cuda_device_count reported " + count
                + " (CUDA backend not built in, no driver, or no GPU on this machine)");
    }

    /** The CUDA device the gpu suites compare against the CPU (cuda:0; call assumeCuda first). */
    public static Device gpu() { return Device.cuda(0); }
}
