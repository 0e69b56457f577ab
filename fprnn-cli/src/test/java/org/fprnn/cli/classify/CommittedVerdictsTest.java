package org.fprnn.cli.classify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.fprnn.cli.classify.ClassificationPlan.RunSpec;
import org.fprnn.io.Json;
import org.junit.jupiter.api.Test;

/**
 * The "diverged" verdicts recorded in the committed results pages under docs/results still hold
 * under today's criterion ({@link RunResult#divergedByLoss()}): a change of the criterion that would
 * make a page's table disagree with what the same runs get judged today fails here, so the pages are
 * regenerated (or the change reconsidered) rather than left describing another rule.
 */
class CommittedVerdictsTest {
    private static final Path RESULTS = Path.of("..", "docs", "results");

    @Test
    void everyCommittedRunKeepsItsRecordedVerdict() throws IOException {
        List<Path> records;
        try (Stream<Path> s = Files.walk(RESULTS)) {
            records = s.filter(p -> p.getParent().getFileName().toString().equals("runs"))
                    .filter(p -> p.getFileName().toString().endsWith(".json")).sorted().toList();
        }
        List<String> disagree = new ArrayList<>();
        int judged = 0;
        for (Path jf : records) {
            Map<?, ?> m = (Map<?, ?>) Json.parse(Files.readString(jf), jf.toString());
            String id = jf.getFileName().toString().replaceFirst("\\.json$", "");
            if (!(m.get("loss_diverged") instanceof Boolean recorded)
                    || !Files.isRegularFile(jf.resolveSibling(id + ".metrics.jsonl"))) {
                continue;   // written before the verdict was recorded, or committed without its step losses
            }
            RunSpec spec = new RunSpec((String) m.get("rule"), ((Number) m.get("lr")).doubleValue(),
                    m.get("seed") instanceof Number seed ? seed.longValue() : 1, id.contains("_seed"));
            assertEquals(id, spec.id(), "the record's rule, lr and seed name its file");
            RunResult run = RunResult.load(jf.getParent(), spec, true);
            assertNotNull(run, jf.toString());
            judged++;
            if (run.divergedByLoss() != recorded) {
                disagree.add(RESULTS.relativize(jf) + ": recorded " + recorded + ", judged " + run.divergedByLoss());
            }
        }
        assertTrue(judged >= 100, "the committed pages hold runs with recorded verdicts, found " + judged);
        assertEquals(List.of(), disagree);
    }
}
