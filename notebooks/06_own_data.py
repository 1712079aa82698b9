# ---
# jupyter:
#   jupytext:
#     formats: ipynb,py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#       format_version: '1.3'
#       jupytext_version: 1.19.6
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 6. Symile on your own data: a CNN, token ids, a dict of modalities
#
# Notebook 4 trained the paper's linear encoders on bit vectors. Here the same objective runs on a real
# modality with your own encoders: a small CNN on scikit-learn's bundled 8x8 handwritten digits (nothing
# is downloaded), next to two modalities whose dependence on the image is purely **higher-order**:
#
# * `image`: an 8x8 digit image, encoded by a CNN;
# * `key`: a uniformly random integer $k \in \{0, \dots, 9\}$ (a token id, encoded by `nn.Embedding`);
# * `sum`: $(y + k) \bmod 10$ where $y$ is the digit shown in the image (another token id).
#
# Parity ($\bmod 2$) would be the paper's XOR; $\bmod 10$ is the same construction with ten values. Because
# $k$ is uniform and independent of the image, **every pair is independent**: the image says nothing
# about the sum (it is uniform whatever the digit), the key says nothing about the sum either (up to the
# small imbalance of the digit classes), and image and key are independent by construction. Yet image and
# key together determine the sum, so the total correlation is $TC = H(\text{sum}) = \log_2 10 = 3.32$ bits,
# all of it higher-order. Symile's multilinear score can learn it; pairwise CLIP cannot.

# %%
import time

import numpy as np
import torch
from sklearn.datasets import load_digits
from torch import nn

from infotheory import mutual_information, total_correlation
from symile_min import TrainConfig, TrainResult, bound_estimate, retrieval_metrics, train, zero_shot_accuracy

t_start = time.perf_counter()
torch.set_num_threads(1)  # small models: one thread is fastest and makes timings stable
digits = load_digits()
images = (digits.images / 16.0).astype(np.float32)[:, None]  # (1797, 1, 8, 8), in [0, 1]
labels = digits.target  # (1797,) the digit shown

# exact information of (digit, key, sum) under the generating process: p(y) = class frequencies, k uniform
p_y = np.bincount(labels, minlength=10) / len(labels)
pmf = np.zeros((10, 10, 10))
for y in range(10):
    for k in range(10):
        pmf[y, k, (y + k) % 10] = p_y[y] / 10
truth = {
    "I(digit;sum)": mutual_information(pmf, 0, 2),
    "I(key;sum)": mutual_information(pmf, 1, 2),
    "I(digit;key)": mutual_information(pmf, 0, 1),
    "TC": total_correlation(pmf),
}
print({k: round(v, 4) for k, v in truth.items()}, "bits")

# %% [markdown]
# ## The data: a dict of named modalities
#
# Split the *images* into train / validation / test (no image appears in two splits), then give each image
# a few random keys. The trainer takes the dict as it is: arrays of any shape, integer token ids kept as
# integers, the names kept (evaluation can then ask for `target="sum"`).

# %%
rng = np.random.default_rng(0)
order = rng.permutation(len(labels))
splits = {"train": order[:1200], "val": order[1200:1500], "test": order[1500:]}


def modalities(idx, copies, seed):
    """Each image in ``idx`` ``copies`` times, with a fresh uniform key each time."""
    idx = np.repeat(idx, copies)
    key = np.random.default_rng(seed).integers(0, 10, len(idx))
    return {"image": images[idx], "key": key, "sum": (labels[idx] + key) % 10}


train_data = modalities(splits["train"], 3, seed=1)  # 3600 rows
val_data = modalities(splits["val"], 2, seed=2)  # 600 rows
test_data = modalities(splits["test"], 4, seed=3)  # 1188 rows of 297 unseen images
print({k: (v.shape, v.dtype) for k, v in train_data.items()})

# %% [markdown]
# ## Your encoders: a CNN for the image, embeddings for the token ids
#
# One `nn.Module` per modality, each mapping its input to the same width $d = 32$. The learned logit scale is
# the objective's, not the encoders': the trainer adds it (and L2-normalises the outputs).

# %%
D = 32


def encoders():
    torch.manual_seed(0)  # the same initial weights for both objectives
    cnn = nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # (N, 16, 4, 4)
        nn.Conv2d(16, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),  # (N, 32, 2, 2)
        nn.Flatten(), nn.Linear(32 * 2 * 2, D),  # (N, D)
    )
    return [cnn, nn.Embedding(10, D), nn.Embedding(10, D)]


results = {}
for method in ("symile", "clip"):
    config = TrainConfig(method=method, epochs=8, batch_size=256, lr=0.02, logit_scale_init=2.0, seed=0)
    results[method] = train(train_data, val_data, config, model=encoders())
    h = results[method].history
    print(f"{method:>6}: {results[method].seconds:.1f} s, best epoch {results[method].best_epoch}, "
          f"val loss {h.val_loss.min():.3f} nats")

# %% [markdown]
# ## Evaluation on unseen images
#
# * **The sum from (image, key)**, among its 10 possible values (the exact-candidate mode for discrete
#   targets): the Bayes-optimal accuracy is that of reading the digit off the image, chance is 0.1.
# * **The image from (key, sum)**, among all 1188 test rows (`retrieval_metrics`' default candidates: the
#   evaluation rows themselves): key and sum fix the digit, so the best a model can do is rank the test
#   rows showing that digit first; about 1/10 of them do, so recall@k climbs towards 1 as $k$ nears 120.
# * **The held-out bound** $\log K - \text{loss}$ (bits), a lower bound on TC for Symile and on the sum of
#   the pairwise MIs (here 0) for CLIP.

# %%
numbers = {}
for method, res in results.items():
    acc = zero_shot_accuracy(res.model, test_data, target="sum", candidates=np.arange(10))
    ret = retrieval_metrics(res.model, test_data, target="image", ks=(1, 10, 120))
    bound = bound_estimate(res.model, test_data, batch_size=297)
    numbers[method] = {"sum acc@1": acc, "image recall@10": ret["recall@10"],
                       "image recall@120": ret["recall@120"], "image MRR": ret["mrr"], "bound (bits)": bound["bound"]}
    print(f"{method:>6}: " + ", ".join(f"{k} {v:.3f}" for k, v in numbers[method].items()))
# reference: a model that reads the digit perfectly ranks the true image uniformly among the n_y test rows
# showing its digit: recall@k = min(k, n_y) / n_y, MRR = (1 + 1/2 + ... + 1/n_y) / n_y, averaged over rows
n_y = np.bincount(labels[splits["test"]], minlength=10)[labels[np.repeat(splits["test"], 4)]] * 4
reference = {k: float(np.mean(np.minimum(k, n_y) / n_y)) for k in (10, 120)}
reference["mrr"] = float(np.mean([np.sum(1 / np.arange(1, n + 1)) / n for n in n_y]))
print(f"chance: sum acc@1 0.100, image recall@10 {10 / 1188:.3f}, recall@120 {120 / 1188:.3f}; "
      f"digit-reading reference: recall@10 {reference[10]:.3f}, recall@120 {reference[120]:.3f}, "
      f"MRR {reference['mrr']:.3f}; TC = {truth['TC']:.3f} bits")
assert numbers["symile"]["sum acc@1"] >= 0.9  # Symile reads the digit and adds the key
assert numbers["clip"]["sum acc@1"] <= 0.2  # CLIP stays at chance: no pair carries information
assert numbers["symile"]["image recall@120"] >= reference[120] - 0.15  # near the digit-reading reference
assert numbers["clip"]["image recall@120"] <= 0.2  # chance: 120 / 1188 = 0.10
assert 0.75 * truth["TC"] <= numbers["symile"]["bound (bits)"] <= truth["TC"] + 0.1
assert abs(numbers["clip"]["bound (bits)"]) < 0.1

# %% [markdown]
# ## Save, reload, evaluate again
#
# `TrainResult.save` writes one file with the weights, the objective (method, negatives, logit scale), the
# config, the history and the training state; `torch.load(path, weights_only=True)` reads it. Your own
# architecture is rebuilt by passing a fresh instance; `train(..., resume=path)` would continue the run.

# %%
import tempfile  # noqa: E402
from pathlib import Path  # noqa: E402

with tempfile.TemporaryDirectory() as folder:
    path = results["symile"].save(Path(folder) / "symile_digits.pt")
    reloaded = TrainResult.load(path, model=encoders())
again = zero_shot_accuracy(reloaded.model, test_data, target="sum", candidates=np.arange(10))
print(f"reloaded: method {reloaded.model.method!r}, modalities {reloaded.model.names}, sum acc@1 {again:.3f}")
assert again == numbers["symile"]["sum acc@1"]
print(f"notebook ran in {time.perf_counter() - t_start:.1f} s")

# %% [markdown]
# ## The same on the command line
#
# With the modalities in `.npz` files (one array per modality) and the encoders in a file
# `my_encoders.py` whose `make()` returns the list above:
#
# ```bash
# symile-lab train --data train.npz --val val.npz --method symile --model my_encoders.py:make \
#     --epochs 8 --batch-size 256 --lr 0.02 --logit-scale-init 2 --out run/
# symile-lab evaluate --checkpoint run/ --data test.npz --target sum --candidates distinct
# ```
#
# Without `--model` the built-in linear (or `--encoder mlp`) encoders are used on the flattened arrays.
# See [`docs/own_data.md`](../docs/own_data.md) for the whole API.
