# Regenerates the numpy-written fixtures NpyTest reads (numpy 2.x):
#   cd fprnn-core/src/test/resources/org/fprnn/io && python3 make_fixtures.py
import numpy as np

np.save('f8_fortran_3x4.npy', np.asfortranarray(np.arange(12.).reshape(3, 4)))
np.save('f4_bigendian_2x3.npy', np.arange(6, dtype='>f4').reshape(2, 3))
np.save('i8_fortran_2x3x4.npy', np.asfortranarray(np.arange(24, dtype='<i8').reshape(2, 3, 4)))
with open('i4_v2.npy', 'wb') as f:
    np.lib.format.write_array(f, np.array([[1, -2], [3, 4]], dtype='<i4'), version=(2, 0))
with open('f4_v3.npy', 'wb') as f:
    np.lib.format.write_array(f, np.array([0.5, 1.5], dtype='<f4'), version=(3, 0))
np.save('f8_scalar.npy', np.float64(3.5))
np.save('u1_labels.npy', np.array([0, 1, 255], dtype=np.uint8))
np.save('object.npy', np.array([1, 'a'], dtype=object), allow_pickle=True)
np.save('f2_half.npy', np.zeros(3, dtype=np.float16))

# Written by the reference implementation (pip package safetensors), which orders tensors by
# dtype alignment and name.
import safetensors.numpy as st

st.save_file({'a': np.arange(6, dtype=np.float32).reshape(2, 3),
              'b': np.array([1, -2], dtype=np.int64),
              'c': np.zeros((0, 2)),
              'd': np.array([[0.25], [-8.0]], dtype=np.float64),
              'e': np.array(3, dtype=np.int32)},
             'reference.safetensors', metadata={'format': 'np', 'note': 'fprnn fixture'})
