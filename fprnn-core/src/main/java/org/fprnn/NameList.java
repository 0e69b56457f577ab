package org.fprnn;

import java.util.AbstractList;
import java.util.List;

/**
 * A registry's list of names (solvers, nonlinearities, rules, optimizers, dynamics), written once
 * and read by the parsers, the error messages and the help texts. It is a list, and each registry's
 * list is a class with a public no-argument constructor so that picocli can show it in a help text
 * (an option's {@code completionCandidates}, rendered by {@code ${COMPLETION-CANDIDATES}}).
 */
public class NameList extends AbstractList<String> {
    private final List<String> names;

    protected NameList(String... names) {
        this.names = List.of(names);
    }

    @Override
    public String get(int index) {
        return names.get(index);
    }

    @Override
    public int size() {
        return names.size();
    }

    /** "a, b or c" (one name alone). */
    public String orList() {
        if (names.size() == 1) {
            return names.getFirst();
        }
        return String.join(", ", names.subList(0, names.size() - 1)) + " or " + names.getLast();
    }

    /** The message for a name not in the list: "unknown KIND 'given': use a, b or c". */
    public String unknown(String kind, String given) {
        return "unknown " + kind + " '" + given + "': use " + orList();
    }
}
