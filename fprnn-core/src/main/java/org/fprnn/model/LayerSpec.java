package org.fprnn.model;

import java.io.Serializable;

/**
 * One [[network.layers]] entry of a layered network (MATH section 4, "Multi-layer networks"):
 * layer k has recurrent block W_k of the network's connectivity, a feedforward block F_k from layer
 * k-1 (for k = 1 the read-in from the input) and, if {@code feedback}, a feedback block B_k from
 * layer k+1.
 *
 * @param units N_k, for dense, masked and dale layers (required there), and for dense layers above the
 *     conv layers of a conv network (then instead of channels, kernel and stride)
 * @param channels C_k feature maps, for conv layers (required there; not allowed otherwise)
 * @param kernel odd kernel size k of the recurrent convolution W_k and of F_k (conv; default 3)
 * @param stride stride of F_k, the same-padded convolution from layer k-1 (or from the image, for
 *     k = 1) into this layer: H_k = (H_{k-1} - 1) / stride + 1 (conv; default 1)
 * @param feedback add B_k from layer k+1 into this layer (default false; not on the last layer):
 *     dense for dense layers, the transposed convolution of F_{k+1}'s shape for conv layers
 */
public record LayerSpec(Integer units, Integer channels, Integer kernel, Integer stride, Boolean feedback)
        implements Serializable {
    public LayerSpec {
        feedback = feedback != null && feedback;
    }
}
