"""Suite-wide settings."""

import torch

# The models in these tests are tiny: with more than one intra-op thread, thread start-up
# dominates every op (measured: the property tests take 58 s with 2 threads, 5 s with 1).
torch.set_num_threads(1)
