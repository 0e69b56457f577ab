package org.fprnn.rule;

import org.fprnn.linalg.Params;
import org.fprnn.solve.SolveResult;

/**
 * A rule's output for one batch.
 *
 * @param directions D_P for every trained parameter P (MATH section 0: SGD does P -= lr D_P);
 *     owned by the rule and overwritten by its next call
 * @param loss the mean loss at the state the rule used
 * @param correct samples whose arg-max output equals the label (cross-entropy), else -1
 * @param adjoint the adjoint solve of the gradient rule, or null for rules without one
 */
public record RuleResult(Params directions, double loss, int correct, SolveResult adjoint) {
}
