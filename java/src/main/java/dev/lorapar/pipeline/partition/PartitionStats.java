package dev.lorapar.pipeline.partition;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.lorapar.model.LoraTarget;
import dev.lorapar.pipeline.score.ImportanceMatrix;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * The statistics of a {@link Partition} as JSON. Every percentage has the LoRA elements as denominator (the paper's
 * "%Param"). Per system k: |Set_k|, |only_k|, |shared_k|, |stage_k| (and %), only_k / |Set_k| (the paper's "S1-only
 * share of Set_1"); overall: elements in any stage mask; pairwise Jaccard of the sets; for K = 2 also the named
 * s1_only / s2_only / shared / jaccard. Per layer, per module and per (layer, module): elements and each stage's
 * active count and fraction.
 */
public final class PartitionStats {
    private static final ObjectMapper JSON = new ObjectMapper();

    private PartitionStats() {
    }

    /** Per-(layer, module) active fraction of one stage: [layers][modules], modules as {@link #modules}. */
    public static double[][] layerModuleFraction(Partition p, List<ImportanceMatrix> matrices, int stage) {
        List<LoraTarget> modules = modules(matrices);
        int layers = layers(matrices);
        long[][] active = new long[layers][modules.size()], total = new long[layers][modules.size()];
        byte[] mask = p.stages()[stage];
        for (ImportanceMatrix m : matrices) {
            int col = modules.indexOf(m.target());
            total[m.layer()][col] += m.elements();
            active[m.layer()][col] += count(mask, m.offset(), m.elements());
        }
        double[][] out = new double[layers][modules.size()];
        for (int l = 0; l < layers; l++) {
            for (int c = 0; c < modules.size(); c++) out[l][c] = total[l][c] == 0 ? Double.NaN : (double) active[l][c] / total[l][c];
        }
        return out;
    }

    /** The adapted modules in {@link LoraTarget} order. */
    public static List<LoraTarget> modules(List<ImportanceMatrix> matrices) {
        TreeSet<LoraTarget> set = new TreeSet<>();
        matrices.forEach(m -> set.add(m.target()));
        return new ArrayList<>(set);
    }

    /** 1 + the largest layer index. */
    public static int layers(List<ImportanceMatrix> matrices) {
        int max = -1;
        for (ImportanceMatrix m : matrices) max = Math.max(max, m.layer());
        return max + 1;
    }

    static long count(byte[] mask, long offset, long length) {
        long n = 0;
        for (long i = offset; i < offset + length; i++) if (mask[(int) i] != 0) n++;
        return n;
    }

    public static ObjectNode json(Partition p, List<ImportanceMatrix> matrices, List<String> systems, double theta,
                                  double[] shares) {
        long n = p.elements();
        ObjectNode root = JSON.createObjectNode();
        root.put("theta", theta);
        ArrayNode sh = root.putArray("shares");
        for (double s : shares) sh.add(s);
        root.put("elements", n);
        root.put("denominator", "LoRA elements (all A and B matrices of all adapted modules and layers)");
        root.put("tie_rule", "importance descending, flat index ascending among equal values");
        ArrayNode sys = root.putArray("systems");
        for (int k = 0; k < p.systems(); k++) {
            ObjectNode s = sys.addObject();
            s.put("name", systems.get(k));
            s.put("set", p.setSizes()[k]);
            s.put("set_percent", percent(p.setSizes()[k], n));
            s.put("only", p.onlySizes()[k]);
            s.put("shared", p.sharedSizes()[k]);
            s.put("only_share_of_set", p.setSizes()[k] == 0 ? 0 : (double) p.onlySizes()[k] / p.setSizes()[k]);
            s.put("stage", p.stageSizes()[k]);
            s.put("stage_percent", percent(p.stageSizes()[k], n));
        }
        long trained = p.trainedAnywhere();
        root.put("trained_any_stage", trained);
        root.put("trained_percent", percent(trained, n));
        ArrayNode jac = root.putArray("jaccard");
        for (int a = 0; a < p.systems(); a++) {
            ArrayNode row = jac.addArray();
            for (int b = 0; b < p.systems(); b++) row.add(p.jaccard(a, b));
        }
        if (p.systems() == 2) {
            root.put("s1_only", p.onlySizes()[0]);
            root.put("s2_only", p.onlySizes()[1]);
            root.put("shared", p.sharedSizes()[0]);
            root.put("jaccard_s1_s2", p.jaccard(0, 1));
        }
        List<LoraTarget> modules = modules(matrices);
        Map<LoraTarget, long[]> perModule = new EnumMap<>(LoraTarget.class);   // [elements, stage counts…]
        long[][] perLayer = new long[layers(matrices)][];
        for (ImportanceMatrix m : matrices) {
            long[] mod = perModule.computeIfAbsent(m.target(), t -> new long[1 + p.systems()]);
            if (perLayer[m.layer()] == null) perLayer[m.layer()] = new long[1 + p.systems()];
            long[] lay = perLayer[m.layer()];
            mod[0] += m.elements();
            lay[0] += m.elements();
            for (int k = 0; k < p.systems(); k++) {
                long c = count(p.stages()[k], m.offset(), m.elements());
                mod[1 + k] += c;
                lay[1 + k] += c;
            }
        }
        ObjectNode modNode = root.putObject("per_module");
        for (LoraTarget t : modules) modNode.set(t.peftName(), counts(perModule.get(t), systems));
        ArrayNode layNode = root.putArray("per_layer");
        for (int l = 0; l < perLayer.length; l++) {
            ObjectNode o = perLayer[l] == null ? JSON.createObjectNode() : counts(perLayer[l], systems);
            o.put("layer", l);
            layNode.add(o);
        }
        return root;
    }

    private static ObjectNode counts(long[] c, List<String> systems) {
        ObjectNode o = JSON.createObjectNode();
        o.put("elements", c[0]);
        ObjectNode st = o.putObject("stage_active");
        ObjectNode fr = o.putObject("stage_fraction");
        for (int k = 0; k < systems.size(); k++) {
            st.put(systems.get(k), c[1 + k]);
            fr.put(systems.get(k), c[0] == 0 ? 0 : (double) c[1 + k] / c[0]);
        }
        return o;
    }

    static double percent(long part, long whole) {
        return whole == 0 ? 0 : 100.0 * part / whole;
    }
}
