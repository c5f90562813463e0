package dev.lorapar.train;

import java.util.Locale;

/**
 * The learning rate at each optimizer step (1-based): a linear warm-up from 0 over {@code warmupSteps}, then
 * constant, linear decay or cosine decay from {@code peakLr} down to {@code minLrRatio}·peakLr at {@code totalSteps}.
 */
public record LrSchedule(Kind kind, double peakLr, int warmupSteps, int totalSteps, double minLrRatio) {
    public enum Kind {
        CONSTANT, LINEAR, COSINE;

        public static Kind parse(String name) {
            try {
                return valueOf(name.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown schedule '" + name + "' (constant, linear or cosine)");
            }
        }
    }

    public LrSchedule {
        if (kind == null) {
            throw new IllegalArgumentException("schedule kind is null");
        }
        if (!(peakLr >= 0) || !Double.isFinite(peakLr)) {
            throw new IllegalArgumentException("learning rate must be finite and ≥ 0, got " + peakLr);
        }
        if (totalSteps < 1 || warmupSteps < 0 || warmupSteps > totalSteps) {
            throw new IllegalArgumentException("need 0 ≤ warmupSteps (" + warmupSteps + ") ≤ totalSteps (" + totalSteps
                    + "), totalSteps ≥ 1");
        }
        if (!(minLrRatio >= 0 && minLrRatio <= 1)) {
            throw new IllegalArgumentException("minLrRatio must be in [0, 1], got " + minLrRatio);
        }
    }

    /** Warm-up as a fraction of the total steps (rounded up), the common {@code warmup_ratio}. */
    public static LrSchedule withWarmupRatio(Kind kind, double peakLr, double warmupRatio, int totalSteps,
                                             double minLrRatio) {
        if (!(warmupRatio >= 0 && warmupRatio <= 1)) {
            throw new IllegalArgumentException("warmup ratio must be in [0, 1], got " + warmupRatio);
        }
        return new LrSchedule(kind, peakLr, (int) Math.ceil(warmupRatio * totalSteps), totalSteps, minLrRatio);
    }

    /** The learning rate of optimizer step {@code step} (1-based; steps past the end keep the final value). */
    public double lr(long step) {
        if (step < 1) {
            throw new IllegalArgumentException("optimizer steps count from 1, got " + step);
        }
        if (step <= warmupSteps) {
            return peakLr * step / warmupSteps;
        }
        double floor = peakLr * minLrRatio;
        int decaySteps = totalSteps - warmupSteps;
        double progress = decaySteps == 0 ? 1 : Math.min(1.0, (double) (step - warmupSteps) / decaySteps);
        return switch (kind) {
            case CONSTANT -> peakLr;
            case LINEAR -> floor + (peakLr - floor) * (1 - progress);
            case COSINE -> floor + (peakLr - floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
        };
    }
}
