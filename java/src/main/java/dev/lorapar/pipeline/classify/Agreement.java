package dev.lorapar.pipeline.classify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * Agreement among the voters: per voter the shares of System1 / System2 / abstain and its agreement with the final
 * label; per pair of voters the share of equal labels over the items both labelled; Fleiss' κ over the items every
 * voter labelled (κ needs the same number of ratings per item).
 */
public final class Agreement {
    private static final ObjectMapper JSON = new ObjectMapper();

    private Agreement() {
    }

    /**
     * Fleiss' κ of {@code counts} [items][categories]: counts[i][j] = raters who put item i in category j, every
     * row with the same total n ≥ 2. P_i = (Σ_j n_ij² − n) / (n(n − 1)), P̄ = mean P_i, p_j = Σ_i n_ij / (N·n),
     * P̄e = Σ_j p_j², κ = (P̄ − P̄e) / (1 − P̄e); NaN when P̄e = 1 (every rating in one category) or no items.
     */
    public static double fleissKappa(int[][] counts) {
        int items = counts.length;
        if (items == 0) return Double.NaN;
        int k = counts[0].length;
        long n = 0;
        for (int c : counts[0]) n += c;
        if (n < 2) throw new IllegalArgumentException("Fleiss' κ needs at least 2 ratings per item, got " + n);
        double[] pj = new double[k];
        double pBar = 0;
        for (int i = 0; i < items; i++) {
            if (counts[i].length != k) throw new IllegalArgumentException("item " + i + " has " + counts[i].length + " categories");
            long total = 0, squares = 0;
            for (int j = 0; j < k; j++) {
                if (counts[i][j] < 0) throw new IllegalArgumentException("item " + i + ": negative count");
                total += counts[i][j];
                squares += (long) counts[i][j] * counts[i][j];
                pj[j] += counts[i][j];
            }
            if (total != n) throw new IllegalArgumentException("item " + i + " has " + total + " ratings, item 0 has " + n);
            pBar += (double) (squares - n) / (n * (n - 1));
        }
        pBar /= items;
        double pe = 0;
        for (int j = 0; j < k; j++) {
            double p = pj[j] / ((double) items * n);
            pe += p * p;
        }
        return pe >= 1 ? Double.NaN : (pBar - pe) / (1 - pe);
    }

    /** The statistics of {@code votes} [items][voters] (null = abstain) and the final labels [items]. */
    public static ObjectNode json(List<String> voters, List<Label[]> votes, List<Label> finals) {
        int m = voters.size();
        ObjectNode root = JSON.createObjectNode();
        root.put("items", votes.size());
        ObjectNode per = root.putObject("voters");
        for (int t = 0; t < m; t++) {
            long s1 = 0, s2 = 0, none = 0, withFinal = 0;
            for (int i = 0; i < votes.size(); i++) {
                Label l = votes.get(i)[t];
                if (l == null) none++;
                else if (l == Label.SYSTEM1) s1++;
                else s2++;
                if (l != null && l == finals.get(i)) withFinal++;
            }
            double n = Math.max(1, votes.size());
            ObjectNode o = per.putObject(voters.get(t));
            o.put("system1_share", s1 / n);
            o.put("system2_share", s2 / n);
            o.put("abstain_share", none / n);
            o.put("agrees_with_final", (s1 + s2) == 0 ? 0 : (double) withFinal / (s1 + s2));
        }
        ArrayNode pairs = root.putArray("pairwise");
        for (int a = 0; a < m; a++) {
            for (int b = a + 1; b < m; b++) {
                long both = 0, same = 0;
                for (Label[] v : votes) {
                    if (v[a] != null && v[b] != null) {
                        both++;
                        if (v[a] == v[b]) same++;
                    }
                }
                ObjectNode p = pairs.addObject();
                p.put("a", voters.get(a));
                p.put("b", voters.get(b));
                p.put("items_both_labelled", both);
                if (both > 0) p.put("agreement", (double) same / both);
                else p.putNull("agreement");
            }
        }
        int complete = 0;
        for (Label[] v : votes) if (allLabelled(v)) complete++;
        int[][] counts = new int[complete][2];
        int row = 0;
        for (Label[] v : votes) {
            if (!allLabelled(v)) continue;
            for (Label l : v) counts[row][l.ordinal()]++;
            row++;
        }
        root.put("fleiss_items", complete);
        double kappa = m >= 2 ? fleissKappa(counts) : Double.NaN;
        if (Double.isNaN(kappa)) root.putNull("fleiss_kappa");
        else root.put("fleiss_kappa", kappa);
        return root;
    }

    private static boolean allLabelled(Label[] v) {
        for (Label l : v) if (l == null) return false;
        return true;
    }
}
