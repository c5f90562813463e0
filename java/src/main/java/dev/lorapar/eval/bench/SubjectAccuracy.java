package dev.lorapar.eval.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * Accuracy per subject (MMLU subject, MATH category, SVAMP type; items without one under {@link #NO_SUBJECT}) and
 * the two averages: micro = correct / total over all items, macro = the mean of the per-subject accuracies (each
 * subject weighs the same).
 */
public record SubjectAccuracy(SortedMap<String, Accuracy> perSubject, Accuracy micro, double macro) {
    /** The group of items whose subject is null. */
    public static final String NO_SUBJECT = "-";

    public SubjectAccuracy {
        perSubject = Collections.unmodifiableSortedMap(new TreeMap<>(perSubject));
    }

    public static SubjectAccuracy of(List<ItemOutcome> outcomes) {
        Map<String, List<ItemOutcome>> groups = new TreeMap<>();
        for (ItemOutcome outcome : outcomes) {
            String subject = outcome.item().subject() == null ? NO_SUBJECT : outcome.item().subject();
            groups.computeIfAbsent(subject, s -> new ArrayList<>()).add(outcome);
        }
        SortedMap<String, Accuracy> perSubject = new TreeMap<>();
        double sum = 0;
        for (var entry : groups.entrySet()) {
            Accuracy accuracy = Accuracy.of(entry.getValue());
            perSubject.put(entry.getKey(), accuracy);
            sum += accuracy.value();
        }
        double macro = groups.isEmpty() ? Double.NaN : sum / groups.size();
        return new SubjectAccuracy(perSubject, Accuracy.of(outcomes), macro);
    }
}
