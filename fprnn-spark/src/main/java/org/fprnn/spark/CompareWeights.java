package org.fprnn.spark;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import org.fprnn.io.NdArray;
import org.fprnn.io.Safetensors;
import org.fprnn.linalg.Matrix;
import org.fprnn.linalg.Precision;
import org.fprnn.linalg.Ops;
import org.fprnn.linalg.Params;

/**
 * Compares the weights of two runs: {@code scripts/spark.sh compare A B [MAX]}, where A and B are
 * weights.safetensors files or the output folders holding them. Prints the largest relative
 * difference over the parameters (per parameter ||A - B|| / ||A||, Frobenius) and whether the two are
 * bitwise equal. Exit code 0 when the difference is at most MAX (default 0: bitwise equal), 1 when it
 * is larger, 2 on bad input (a missing file, other parameter names or shapes).
 */
public final class CompareWeights {
    private CompareWeights() {
    }

    public static void main(String[] args) {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: scripts/spark.sh compare A B [MAX]   (A, B: weights.safetensors or the folders"
                    + " holding it; MAX: largest relative difference allowed, default 0 = bitwise equal)");
            System.exit(2);
        }
        try {
            double max = args.length == 3 ? Double.parseDouble(args[2]) : 0;
            Params a = read(Path.of(args[0]));
            Params b = read(Path.of(args[1]));
            double diff = maxRelErr(a, b);
            boolean bitwise = bitwiseEqual(a, b);
            boolean ok = bitwise || diff <= max;
            System.out.printf(Locale.ROOT, "compare %s %s: largest relative difference %.3e%s (allowed %.1e): %s%n",
                    args[0], args[1], diff, bitwise ? ", bitwise equal" : "", max, ok ? "ok" : "TOO LARGE");
            System.exit(ok ? 0 : 1);
        } catch (IOException | IllegalArgumentException e) {
            System.err.println("compare: " + e.getMessage());
            System.exit(2);
        }
    }

    /** The parameters in a weights file (or in the weights.safetensors of a folder), in double precision. */
    static Params read(Path p) throws IOException {
        Path file = p.toFile().isDirectory() ? p.resolve("weights.safetensors") : p;
        Params params = new Params();
        for (Map.Entry<String, NdArray> e : Safetensors.read(file).tensors().entrySet()) {
            params.put(e.getKey(), e.getValue().toMatrix(Precision.DOUBLE));
        }
        return params;
    }

    /**
     * Largest relative difference over the parameters of a: max over names of ||a - b|| / ||a||
     * (Frobenius norms). The two must have the same names and shapes.
     */
    public static double maxRelErr(Params a, Params b) {
        requireSameShapes(a, b);
        double worst = 0;
        for (String n : a.names()) {
            worst = Math.max(worst, Ops.relativeDifference(a.get(n), b.get(n)));
        }
        return worst;
    }

    static boolean bitwiseEqual(Params a, Params b) {
        requireSameShapes(a, b);
        for (String n : a.names()) {
            Matrix x = a.get(n);
            Matrix y = b.get(n);
            for (int i = 0; i < x.size(); i++) {
                if (Double.doubleToRawLongBits(x.getFlat(i)) != Double.doubleToRawLongBits(y.getFlat(i))) {
                    return false;
                }
            }
        }
        return true;
    }

    private static void requireSameShapes(Params a, Params b) {
        if (!new TreeSet<>(a.names()).equals(new TreeSet<>(b.names()))) {
            throw new IllegalArgumentException("the two hold different parameters: " + a.names() + " and " + b.names());
        }
        for (String n : a.names()) {
            if (!a.get(n).sameShape(b.get(n))) {
                throw new IllegalArgumentException("parameter " + n + " has shape " + a.get(n).shape() + " in one and "
                        + b.get(n).shape() + " in the other");
            }
        }
    }
}
