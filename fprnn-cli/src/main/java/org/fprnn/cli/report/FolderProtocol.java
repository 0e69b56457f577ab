package org.fprnn.cli.report;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.fprnn.cli.UserError;
import org.fprnn.io.FormatException;
import org.fprnn.io.Json;

/**
 * Which protocol's results a folder holds, so that a run of one protocol never writes its pages over
 * another's: a classification sweep keeps runs/ (and its summary.json says "classification"), P2's
 * summary.json says "P2 linear teacher" and, since this check exists, the settings it was made with;
 * and so that no run replaces pages (results.md, summary.json, metrics.jsonl, figures/) that fprnn did
 * not write there.
 */
public final class FolderProtocol {
    /** The protocol field of P2's summary.json. */
    public static final String LINEAR_TEACHER = "P2 linear teacher";
    /** The protocol field of a classification sweep's summary.json. */
    public static final String CLASSIFICATION = "classification";

    private FolderProtocol() {
    }

    /**
     * Refuses a classification sweep into a folder that holds P2's results (its metrics.jsonl,
     * summary.json and results.md would be replaced), or pages that no fprnn run wrote.
     */
    public static void requireClassification(Path dir) throws IOException {
        Map<?, ?> summary = summary(dir, false);
        if (summary != null && LINEAR_TEACHER.equals(summary.get("protocol"))) {
            throw new UserError(dir + " holds the results of P2 (linear teacher; its summary.json says so), which a"
                    + " classification sweep would overwrite: give the sweep another folder with --out");
        }
        boolean sweep = Files.isDirectory(dir.resolve("runs")) || Files.isDirectory(dir.resolve("checkpoints"))
                || summary != null && CLASSIFICATION.equals(summary.get("protocol"));
        if (!sweep) {
            requireNoPages(dir, "a classification sweep");
        }
    }

    /** The files at the top of a results folder that every protocol's pages replace. */
    static final List<String> PAGES = List.of("results.md", "summary.json", "metrics.jsonl", "figures");

    /**
     * Refuses a folder holding pages ({@link #PAGES}) that no fprnn run wrote there (no summary.json of
     * fprnn, no runs/): a user's results.md or figures would be replaced without a word. Other files are
     * left alone by the runs, so they do not matter.
     */
    private static void requireNoPages(Path dir, String what) {
        List<String> present = new ArrayList<>();
        for (String name : PAGES) {
            Path p = dir.resolve(name);
            if (name.equals("figures") ? nonEmptyFolder(p) : Files.exists(p)) {
                present.add(name.equals("figures") ? "figures/" : name);
            }
        }
        if (!present.isEmpty()) {
            throw new UserError(dir + " holds " + String.join(", ", present) + ", which no fprnn run wrote there (the"
                    + " folder has no runs/, checkpoints/ or summary.json of fprnn) and " + what + " would replace:"
                    + " give it another folder with --out, or move those files away");
        }
    }

    private static boolean nonEmptyFolder(Path p) {
        if (!Files.isDirectory(p)) {
            return false;
        }
        try (var entries = Files.list(p)) {
            return entries.findAny().isPresent();
        } catch (IOException e) {
            return true;   // cannot look inside: treat it as holding something
        }
    }

    /**
     * Refuses P2 into a folder that holds a classification sweep, or P2 results made with other
     * settings (P2 runs all at once and rewrites every page, so they would be lost). A P2 folder
     * written before settings were recorded is taken as it is.
     *
     * @param settings P2's settings, as {@link #LINEAR_TEACHER} summaries record them
     */
    public static void requireLinearTeacher(Path dir, String settings) throws IOException {
        if (!Files.isDirectory(dir)) {
            return;
        }
        Map<?, ?> summary = summary(dir, true);
        boolean sweep = Files.isDirectory(dir.resolve("runs")) || Files.isDirectory(dir.resolve("checkpoints"))
                || summary != null && CLASSIFICATION.equals(summary.get("protocol"));
        if (sweep) {
            throw new UserError(dir + " holds a classification sweep's results (runs/, checkpoints/ or its"
                    + " summary.json), whose metrics.jsonl, summary.json and results.md P2 would overwrite: give P2"
                    + " another folder with --out");
        }
        if (summary == null || !LINEAR_TEACHER.equals(summary.get("protocol"))) {
            requireNoPages(dir, "P2");
        }
        Object saved = summary == null ? null : summary.get("settings");
        if (saved != null && !saved.equals(settings)) {
            throw new UserError(dir + " holds P2 results made with other settings (" + differences(saved.toString(),
                    settings) + "), which this run would replace: give another folder with --out, or delete that"
                    + " folder to make them anew");
        }
    }

    /**
     * The settings that differ between two P2 identities ("Settings[units=4, rules=[a, b], ...]"), as
     * "key saved -> now"; both texts whole if either is not of that form.
     */
    public static String differences(String saved, String now) {
        Map<String, String> a = fields(saved);
        Map<String, String> b = fields(now);
        if (a == null || b == null) {
            return "summary.json: " + saved + "; now: " + now;
        }
        List<String> out = new ArrayList<>();
        for (String key : b.keySet()) {
            if (!b.get(key).equals(a.get(key))) {
                out.add(key + " " + (a.containsKey(key) ? a.get(key) : "(not recorded)") + " -> " + b.get(key));
            }
        }
        for (String key : a.keySet()) {
            if (!b.containsKey(key)) {
                out.add(key + " " + a.get(key) + " -> (no longer a setting)");
            }
        }
        return out.isEmpty() ? "summary.json: " + saved + "; now: " + now : String.join(", ", out);
    }

    /** The key=value fields of "Name[k=v, k=[x, y], ...]" in order, or null if the text is not of that form. */
    private static Map<String, String> fields(String s) {
        int open = s.indexOf('[');
        if (open < 0 || !s.endsWith("]")) {
            return null;
        }
        Map<String, String> m = new java.util.LinkedHashMap<>();
        int depth = 0;
        int start = open + 1;
        for (int i = open + 1; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '[') {
                depth++;
            } else if (c == ']' && depth > 0) {
                depth--;
            } else if ((c == ',' && depth == 0) || i == s.length() - 1) {
                String f = s.substring(start, i).trim();
                int eq = f.indexOf('=');
                if (eq <= 0) {
                    return null;
                }
                m.put(f.substring(0, eq), f.substring(eq + 1));
                start = i + 1;
            }
        }
        return m;
    }

    /**
     * summary.json of dir as a map, or null if there is none; an unreadable one is a UserError if
     * strict, else null (a sweep rewrites its own summary.json from its runs).
     */
    private static Map<?, ?> summary(Path dir, boolean strict) throws IOException {
        Path file = dir.resolve("summary.json");
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            return Json.parse(Files.readString(file), file.toString()) instanceof Map<?, ?> m ? m : Map.of();
        } catch (FormatException | java.nio.charset.CharacterCodingException e) {
            if (!strict) {
                return null;
            }
            throw new UserError(file + " is not readable JSON (" + e.getMessage() + "), so what the folder holds is"
                    + " unknown and nothing was written: give another folder with --out, or restore or delete that"
                    + " file", e);
        }
    }
}
