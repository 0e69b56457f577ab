package org.fprnn.linalg;

/** Pure-Java matrix product (simple reference loops; to be vectorized). */
public final class JavaBlas implements Blas {
    @Override
    public void sgemm(boolean tA, boolean tB, int m, int n, int k, float alpha, float[] a, int aOff,
                      int lda, float[] b, int bOff, int ldb, float beta, float[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                float s = 0;
                for (int p = 0; p < k; p++) {
                    float av = tA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    float bv = tB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    s += av * bv;
                }
                int ci = cOff + i * ldc + j;
                c[ci] = alpha * s + (beta == 0 ? 0 : beta * c[ci]);
            }
        }
    }

    @Override
    public void dgemm(boolean tA, boolean tB, int m, int n, int k, double alpha, double[] a, int aOff,
                      int lda, double[] b, int bOff, int ldb, double beta, double[] c, int cOff, int ldc) {
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int p = 0; p < k; p++) {
                    double av = tA ? a[aOff + p * lda + i] : a[aOff + i * lda + p];
                    double bv = tB ? b[bOff + j * ldb + p] : b[bOff + p * ldb + j];
                    s += av * bv;
                }
                int ci = cOff + i * ldc + j;
                c[ci] = alpha * s + (beta == 0 ? 0 : beta * c[ci]);
            }
        }
    }

    @Override public String name() { return "pure Java"; }
    @Override public int threads() { return 1; }
}
