package org.fprnn.linalg;

/** Child process of NativeLibraryTest: which matrix product and which LU this process ended up with. */
public final class NativeFallbackMain {
    private NativeFallbackMain() {
    }

    public static void main(String[] args) {
        System.out.println("blas: " + Blas.get().name());
        System.out.println("blas file: " + (Blas.get() instanceof NativeBlas nb ? nb.library() : "-"));
        System.out.println("lapack native: " + Lapack.isNative());
    }
}
