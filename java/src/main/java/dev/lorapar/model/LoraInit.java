package dev.lorapar.model;

/**
 * How a LoRA adapter's A [r×in] and B [out×r] start. {@link PeftDefault} and {@link Gaussian} leave the base weights
 * alone; {@link Pissa} and {@link Olora} take the adapter from the base weight W [out×in] and leave the residual
 * W − scale·B·A in the base (as PEFT does), so the adapted model starts out equal to the original one.
 */
public sealed interface LoraInit {
    /** PEFT's default: A Kaiming-uniform with a = √5 (bound 1/√in), B = 0. */
    record PeftDefault() implements LoraInit {
    }

    /** A and B both N(0, σ²) (the LoRA-PAR reference uses σ = 0.01): the adapted model differs from the base at step 0. */
    record Gaussian(double sigma) implements LoraInit {
        public Gaussian {
            if (!(sigma > 0) || !Double.isFinite(sigma)) {
                throw new IllegalArgumentException("Gaussian LoRA init: sigma must be positive and finite, got " + sigma);
            }
        }
    }

    /**
     * PiSSA (Meng et al., 2024): the top-r singular triplets W ≈ U·S·Vᵀ give B = U·√(S/scale), A = √(S/scale)·Vᵀ.
     * {@code powerIterations} = 0 means an exact SVD (to double-precision convergence); n &gt; 0 the randomized
     * SVD with n subspace iterations (PEFT's {@code pissa_niter_n}).
     */
    record Pissa(int powerIterations) implements LoraInit {
        public Pissa {
            if (powerIterations < 0) {
                throw new IllegalArgumentException("PiSSA init: powerIterations must be ≥ 0, got " + powerIterations);
            }
        }
    }

    /**
     * OLoRA (Büyükakyüz, 2024): the thin QR W = Q·R gives B = Q[:, :r], A = R[:r, :]. Column signs follow Gram-Schmidt
     * (diag R &gt; 0); LAPACK may flip a pair's sign, which changes neither B·A nor training.
     */
    record Olora() implements LoraInit {
    }

    /** True when the init rewrites the base weights to the residual W − scale·B·A. */
    default boolean residualizesBase() {
        return this instanceof Pissa || this instanceof Olora;
    }
}
