package dev.lorapar.tests.reference;

/**
 * Masked AdamW of lorapar.h, twice: {@link #stepDouble} in double (for tolerance checks) and
 * {@link #stepFloat}, an fp32 replica in the op order given by lorapar.h's lp_adamw_masked comment.
 * Both update p, m, v in place at the active indices (mask null = all active) and leave masked ones.
 */
public final class AdamWRef {
    private AdamWRef() {}

    /** clip = min(1, maxGradNorm / (gradNorm + 1e-6)) when gradNorm is given and maxGradNorm > 0, else 1. */
    public static float clipFloat(Float gradNorm, float maxGradNorm) {
        if (gradNorm == null || !(maxGradNorm > 0)) return 1.0f;
        return Math.min(1.0f, maxGradNorm / (gradNorm + 1e-6f));
    }

    public static double clipDouble(Float gradNorm, float maxGradNorm) {
        if (gradNorm == null || !(maxGradNorm > 0)) return 1.0;
        return Math.min(1.0, maxGradNorm / (gradNorm + 1e-6));
    }

    /** p, m, v, grad [n]; updates p, m, v (double arrays) at active indices. */
    public static void stepDouble(double[] p, double[] m, double[] v, float[] grad, byte[] mask,
                                  double lr, double beta1, double beta2, double eps, double wd,
                                  long step, double clip) {
        double bc1 = 1 - Math.pow(beta1, step), bc2 = 1 - Math.pow(beta2, step);
        for (int i = 0; i < p.length; i++) {
            if (mask != null && mask[i] == 0) continue;
            double g = grad[i] * clip;
            m[i] = beta1 * m[i] + (1 - beta1) * g;
            v[i] = beta2 * v[i] + (1 - beta2) * g * g;
            p[i] = p[i] - lr * ((m[i] / bc1) / (Math.sqrt(v[i] / bc2) + eps) + wd * p[i]);
        }
    }

    /** The fp32 replica, op by op: g=grad·clip; m=b1·m+(1−b1)·g; v=b2·v+(1−b2)·g·g; p=p−lr·((m/bc1)/denom+wd·p). */
    public static void stepFloat(float[] p, float[] m, float[] v, float[] grad, byte[] mask,
                                 float lr, float beta1, float beta2, float eps, float wd,
                                 long step, float clip) {
        float bc1 = (float) (1 - Math.pow(beta1, step));
        float bc2 = (float) (1 - Math.pow(beta2, step));
        for (int i = 0; i < p.length; i++) {
            if (mask != null && mask[i] == 0) continue;
            float g = grad[i] * clip;
            m[i] = beta1 * m[i] + (1 - beta1) * g;
            v[i] = beta2 * v[i] + (1 - beta2) * g * g;
            float denom = (float) Math.sqrt(v[i] / bc2) + eps;
            p[i] = p[i] - lr * ((m[i] / bc1) / denom + wd * p[i]);
        }
    }
}
