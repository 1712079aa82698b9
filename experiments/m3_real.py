r"""Symile vs CLIP on Symile-M3 in miniature with real modalities (the paper's Figure 4b and 4c).

Data: :class:`generators.MediaM3` -- the text is ``w`` digit names, one per language, in native scripts
and shuffled order (UTF-8 bytes); the audio is an espeak-ng clip of a random number read in the spoken
language (32 x 64 log-mel); the image is an 8 x 8 handwritten digit (scikit-learn's ``load_digits``) of
the class named in the spoken language. Only (text, audio) together say which word names the image.
Encoders (:mod:`symile_min.encoders`): a bag of hashed UTF-8 byte n-grams for the text, a 1-D conv net
over time for the audio, a small CNN for the image, each wrapped with a missingness indicator.

Task: the zero-shot class of a held-out image from held-out (text, audio): per test set one held-out
image per class is drawn, every test row of that class shows it, and the model ranks the 10 candidates
(Symile: :math:`(r_t \odot r_a) \cdot r_i`; CLIP: :math:`(r_t + r_a) \cdot r_i`).

References (exact, :class:`generators.MediaM3`): Bayes-optimal 1 (the clip gives the language, the text
then names the class); chance 0.1; CLIP's ceiling, the best accuracy from text alone, which CLIP's
optimal pairwise critics reach (the audio is independent of the class, and the text's PMI with the class
is :math:`\log(K\, c_y / w)`, :math:`c_y` the count of word y, so CLIP ranks the most frequent word first):

.. math:: A_\text{CLIP} = \frac{E[M]}{w} = \frac1w + \Big(1 - \frac1w\Big) q_w, \qquad
          q_w = \frac{E[M] - 1}{w - 1},

with :math:`M` the largest multiplicity among the ``w`` i.i.d. uniform words; ``q_w`` (the chance-level
term: the probability that another position repeats the chosen word) is 1/10 at w = 2 and 0.197 / 0.194
at w = 5 / 10 (uniform guessing of a word would give 1/10 at every w). ``clip_ceiling`` is this
expectation, ``clip_ceiling_drawn`` its exact value on the test sets drawn (the mean of :math:`M_i / w`,
:meth:`MediaM3.drawn_pairwise_accuracy`). Also reported: a linear language-ID probe on the audio features
(``audio_probe_acc``, held-out clips, :func:`generators.m3_media.language_id_probe`) and the language-ID
accuracy of each *learned* audio representation (``learned_lid_acc``: nearest language centroid of
held-out clips, centroids from the training clips), which says whether the audio encoder learned language
identity.

Panel (a): accuracy vs w in {2, 5, 10}. Panel (b): accuracy vs training completeness at w = 2, every
modality of every training and validation row missing independently with probability 1 - completeness
(placeholder 0 plus indicator; test data complete).

Settings (a full run: 36 cells): representations of width 128; AdamW, peak lr 0.01 with 100 warm-up steps
and a cosine decay, weight decay 0.01, batch 500, logit scale initialised at e^3 = 20 and learned;
best-validation checkpoint; the training set grows with w (10k / 20k / 30k rows, 15 epochs); 1000
validation rows; 5 test sets of 1000 rows; 3 training seeds. (The model settings were chosen in trial
runs before the committed one; the data were never changed to suit the models.) Symile and CLIP get the
same encoders, data and budget in every cell. Results, timings and shortfalls: ``docs/m3_real.md``.

Writes ``m3_real.png``/``.pdf``, ``m3_real.csv`` (panel a), ``m3_real_missing.csv`` (panel b),
``m3_real_checks.csv`` and ``m3_real_config.json`` into ``figures/`` (or ``--out``).
"""

from __future__ import annotations

import argparse
import hashlib

import numpy as np
import pandas as pd

from experiments import _options, _runner, _zero_shot
from experiments._cells import code_fingerprint
from experiments._runner import Check

__all__ = ["EXPERIMENT", "add_arguments", "run", "main", "default_config"]

#: bump when a change of the code changes the numbers of a cell (invalidates the cache)
VERSION = 1
METHODS = ("symile", "clip")
MODALITIES = ("text", "audio", "image")
TARGET = 2  # the image


def default_config(quick: bool = False) -> dict:
    """The experiment's settings (``quick=True``: a seconds-long demo with w = 2, two completeness levels)."""
    cfg = {
        "w_values": [2, 5, 10],
        "missing_w": 2,
        "completeness": [1.0, 0.75, 0.5, 0.25],
        "n_train": {"2": 10_000, "5": 20_000, "10": 30_000},
        "n_val": 1_000,
        "n_test": 1_000,
        "n_test_sets": 5,
        "seeds": 3,
        "encoders": {"rep_dim": 128, "audio_channels": 16, "image_channels": [8, 16], "text_buckets": 4096},
        "train": {
            "lr": 0.01,
            "schedule": "cosine",
            "warmup_steps": 100,
            "weight_decay": 0.01,
            "batch_size": 500,
            "epochs": 15,
            "logit_scale_init": 3.0,
            "negatives": "n",
        },
    }
    if quick:
        cfg.update(
            w_values=[2], completeness=[1.0, 0.5], n_train={"2": 1_000}, n_val=200, n_test=300, n_test_sets=2,
            seeds=1,
        )
        cfg["encoders"] = {"rep_dim": 32, "audio_channels": 8, "image_channels": [4, 8], "text_buckets": 512}
        cfg["train"] = {**cfg["train"], "epochs": 4, "batch_size": 250, "warmup_steps": 4}
    return cfg


def _bank_fingerprint() -> str:
    """Hash of the speech bank's bytes: a rebuilt bank invalidates cached cells (the code hash would not)."""
    from generators.m3_media import SPEECH_BANK_PATH

    return hashlib.sha256(SPEECH_BANK_PATH.read_bytes()).hexdigest()[:16]


def _encoders(cell: dict, audio_shape: tuple[int, int]):
    """The three encoders of a cell (text, audio, image), each taking ``[x | observed]``."""
    from symile_min.encoders import ByteNgramEncoder, ImageCNN, LogMelEncoder, WithIndicator

    e = cell["encoders"]
    d = e["rep_dim"]
    n_mels, n_frames = audio_shape
    return [
        WithIndicator(ByteNgramEncoder(d, buckets=e["text_buckets"]), d),
        WithIndicator(LogMelEncoder(d, n_mels=n_mels, n_frames=n_frames, channels=e["audio_channels"]), d),
        WithIndicator(ImageCNN(d, side=8, channels=tuple(e["image_channels"])), d),
    ]


def _inputs(sample: dict, observed: np.ndarray | None = None) -> list[np.ndarray]:
    """Encoder inputs ``[x | observed]`` (float32) of text, audio, image; ``observed`` (n, 3) bool or all."""
    from symile_min import with_missingness

    n = len(sample["label"])
    observed = np.ones((n, 3), dtype=bool) if observed is None else observed
    return [with_missingness(sample[k], observed[:, m]).astype(np.float32) for m, k in enumerate(MODALITIES)]


def _learned_lid(model, train_gen, test_gen) -> float:
    """Language ID from the learned audio representations: nearest language centroid of the train clips."""
    import torch

    def reps(gen):
        x = gen.clip_features().reshape(gen.w * gen.n_clips, -1)  # (w C, audio_width), by language
        x = np.concatenate([x, np.ones((len(x), 1), np.float32)], axis=1)  # observed
        with torch.no_grad():
            r = model.encode_modality(1, x)  # (w C, d), unit norm
        return r, np.repeat(np.arange(gen.w), gen.n_clips)

    r_train, y_train = reps(train_gen)
    r_test, y_test = reps(test_gen)
    centroids = torch.stack([r_train[torch.from_numpy(y_train == k)].mean(0) for k in range(train_gen.w)])
    pred = torch.cdist(r_test, centroids).argmin(dim=1).numpy()
    return float((pred == y_test).mean())


def _cell(cell: dict) -> dict:
    import torch

    from generators.m3_media import MediaM3
    from symile_min import TrainConfig, train, with_missingness, zero_shot_accuracy

    w = cell["w"]
    train_gen, test_gen = MediaM3(w=w, split="train"), MediaM3(w=w, split="test")
    train_set = train_gen.sample(cell["n_train"], np.random.default_rng(cell["data_seed"]))
    val_set = train_gen.sample(cell["n_val"], np.random.default_rng(cell["val_seed"]))
    # every modality of every training / validation row observed independently with prob. completeness
    masks = np.random.default_rng([cell["data_seed"], 1])
    observed_train = masks.random((cell["n_train"], 3)) < cell["completeness"]
    observed_val = masks.random((cell["n_val"], 3)) < cell["completeness"]

    config = TrainConfig(method=cell["method"], seed=cell["model_seed"], **cell["train"])
    with torch.random.fork_rng(devices=[]):  # seeded initial weights, the caller's RNG untouched
        torch.manual_seed(cell["model_seed"])
        encoders = _encoders(cell, train_gen.audio_shape)
    result = train(_inputs(train_set, observed_train), _inputs(val_set, observed_val), config, model=encoders)

    accs = []
    for seed in cell["test_seeds"]:
        test = test_gen.sample(cell["n_test"], np.random.default_rng(seed), exemplars=True)
        candidates = with_missingness(test["candidates"], np.ones(10, dtype=bool)).astype(np.float32)
        accs.append(zero_shot_accuracy(result.model, _inputs(test), target=TARGET, candidates=candidates))
    return {
        "acc": accs,
        "best_epoch": int(result.best_epoch),
        "learned_lid_acc": _learned_lid(result.model, train_gen, test_gen),
        "complete_train_fraction": float(observed_train.all(axis=1).mean()),
        "train_seconds": float(result.seconds),
    }


def _cells(cfg: dict, master_seed: int) -> list[dict]:
    # a hash of the source (and of the speech bank) this cell runs: editing either invalidates the cache
    code = code_fingerprint("generators", "symile_min", "experiments.m3_real") + _bank_fingerprint()
    settings = [(w, 1.0) for w in cfg["w_values"]]
    settings += [(cfg["missing_w"], c) for c in cfg["completeness"] if c != 1.0]
    cells = []
    for w, comp in settings:
        cells += _zero_shot.training_cells(
            {**cfg, "n_train": cfg["n_train"][str(w)]},
            master_seed,
            experiment="m3_real",
            version=VERSION,
            code=code,
            methods=METHODS,
            setting={"w": w, "completeness": comp, "encoders": cfg["encoders"]},
            identity=(w, comp),
            test_identity=(w,),  # every completeness level of one w is tested on the same data
        )
    return cells


def _tables(cfg: dict, cells: list[dict], results: list[dict]) -> dict[str, pd.DataFrame]:
    from generators.m3_media import MediaM3, language_id_probe

    def exact(w: int) -> dict:
        gen = MediaM3(w=w)
        return {
            "bayes": gen.bayes_accuracy(),
            "clip_ceiling": gen.pairwise_accuracy(),
            "chance_term": gen.pairwise_chance_term(),
            "chance": gen.chance_accuracy(),
        }

    def learned(runs) -> dict:
        return {
            "learned_lid_acc": float(np.mean([r["learned_lid_acc"] for r in runs])),
            "complete_train_fraction": float(np.mean([r["complete_train_fraction"] for r in runs])),
            "train_seconds_mean": float(np.mean([r["train_seconds"] for r in runs])),
        }

    def drawn_ceiling(w: int) -> float:
        # the exact best text-only accuracy on the test sets drawn (mean of M_i / w over their rows)
        seeds = next(c["test_seeds"] for c in cells if c["w"] == w)
        gen = MediaM3(w=w, split="test")
        draws = [gen.sample(cfg["n_test"], np.random.default_rng(s), exemplars=True) for s in seeds]
        return float(np.mean([gen.drawn_pairwise_accuracy(d) for d in draws]))

    ceilings = {w: drawn_ceiling(w) for w in sorted({*cfg["w_values"], cfg["missing_w"]})}
    probes = {w: language_id_probe(MediaM3(w=w).languages)["test_acc"] for w in cfg["w_values"]}
    complete = [(c, r) for c, r in zip(cells, results) if c["completeness"] == 1.0]
    by_w = _zero_shot.accuracy_table(
        [c for c, _ in complete],
        [r for _, r in complete],
        by="w",
        values=cfg["w_values"],
        methods=METHODS,
        columns=lambda w, runs: {
            **exact(w), "clip_ceiling_drawn": ceilings[w], "audio_probe_acc": probes[w], **learned(runs)
        },
    )
    w0 = cfg["missing_w"]
    at_w0 = [(c, r) for c, r in zip(cells, results) if c["w"] == w0]
    by_completeness = _zero_shot.accuracy_table(
        [c for c, _ in at_w0],
        [r for _, r in at_w0],
        by="completeness",
        values=cfg["completeness"],
        methods=METHODS,
        columns=lambda comp, runs: {
            "w": w0, **exact(w0), "clip_ceiling_drawn": ceilings[w0], **learned(runs)
        },
    )
    return {"m3_real": by_w, "m3_real_missing": by_completeness}


def _checks(cfg: dict, tables: dict) -> list[Check]:
    table, missing = tables["m3_real"], tables["m3_real_missing"]
    sym = table[table["method"] == "symile"].set_index("w")
    clip = table[table["method"] == "clip"].set_index("w")
    margin = sym["acc_mean"] - clip["acc_mean"]
    big = [w for w in cfg["w_values"] if w >= 5] or list(cfg["w_values"])
    gap = (clip["acc_mean"] - clip["clip_ceiling_drawn"]).abs()
    sym_m = missing[missing["method"] == "symile"].set_index("completeness")
    clip_m = missing[missing["method"] == "clip"].set_index("completeness")
    margin_m = sym_m["acc_mean"] - clip_m["acc_mean"]
    se_m = np.sqrt(sym_m["acc_se"] ** 2 + clip_m["acc_se"] ** 2)
    need, tol = (0.0, 0.15) if cfg["quick"] else (0.1, 0.05)
    lid = sym["learned_lid_acc"]
    return [
        Check(
            f"Symile above CLIP by more than {need} at w = {big}",
            bool((margin.loc[big] > need).all()),
            "margins " + ", ".join(f"w={w}: {margin.loc[w]:+.3f}" for w in big),
        ),
        Check(
            f"CLIP within {tol} of its ceiling (exact best text-only accuracy on the test sets) at every w",
            bool((gap <= tol).all()),
            f"largest |CLIP - ceiling| {gap.max():.3f} at w = {gap.idxmax()}",
        ),
        Check(
            f"Symile above CLIP by more than 2 se at every training completeness (w = {cfg['missing_w']})",
            bool((margin_m > 2 * se_m).all()),
            ", ".join(f"{c:g}: {margin_m.loc[c]:+.3f} (se {se_m.loc[c]:.3f})" for c in margin_m.index),
        ),
        Check(
            "Symile's audio encoder identifies the language of held-out clips (> chance + 0.1) at every w",
            bool((lid > 1.0 / lid.index.to_series() + 0.1).all()),
            ", ".join(f"w={w}: {lid.loc[w]:.3f} (chance {1 / w:.2f})" for w in lid.index),
        ),
    ]


def _plot(cfg: dict, tables: dict):
    import matplotlib.pyplot as plt

    table, missing = tables["m3_real"], tables["m3_real_missing"]
    fig, (ax, bx) = plt.subplots(1, 2, figsize=(10.0, 4.0), constrained_layout=True)
    ws = list(cfg["w_values"])
    x = np.arange(len(ws))
    width = 0.36
    for method, offset in zip(METHODS, (-width / 2, width / 2)):
        rows = table[table["method"] == method].set_index("w").loc[ws]
        label, color, _ = _zero_shot.METHOD_STYLES[method]
        ax.bar(x + offset, rows["acc_mean"], width, yerr=rows["acc_se"], capsize=3, color=color, label=label)
    ref = table[table["method"] == METHODS[0]].set_index("w").loc[ws]
    for i, w in enumerate(ws):
        span = [i - width - 0.05, i + width + 0.05]
        kw = {"label": "CLIP ceiling $1/w + (1 - 1/w)\\,q_w$ (exact)"} if i == 0 else {}
        ax.plot(span, [ref.loc[w, "clip_ceiling"]] * 2, "k--", lw=1, **kw)
        kw = {"label": "CLIP ceiling on the test sets drawn"} if i == 0 else {}
        ax.plot([i + width / 2], [ref.loc[w, "clip_ceiling_drawn"]], "kx", ms=5, **kw)
    ax.axhline(1.0, color="k", lw=1, label="Bayes-optimal (exact)")
    ax.axhline(ref["chance"].iloc[0], color="k", ls=":", lw=1, label="chance 1/10")
    ax.set_xticks(x, [str(w) for w in ws])
    ax.set_xlabel("number of languages w")
    ax.set_ylabel("zero-shot accuracy (fraction; image class among 10)")
    ax.set_ylim(0, 1.3)
    ax.set_yticks(np.linspace(0, 1, 6))
    ax.set_title("(a) image from text + audio (digits, espeak-ng speech, 10 scripts)", fontsize=9)
    ax.legend(loc="upper right", fontsize=7, ncols=2)

    _zero_shot.plot_accuracy(bx, missing, "completeness", METHODS)
    ref_m = missing[missing["method"] == METHODS[0]]
    bx.plot(ref_m["completeness"], ref_m["bayes"], "k-", lw=1, label="Bayes-optimal (exact)")
    bx.plot(ref_m["completeness"], ref_m["clip_ceiling"], "k--", lw=1, label="CLIP ceiling (exact)")
    bx.plot(ref_m["completeness"], ref_m["chance"], "k:", lw=1, label="chance 1/10")
    bx.set_xlabel("training completeness (probability each modality is observed)")
    bx.set_ylabel("zero-shot accuracy (fraction; complete test data)")
    bx.set_ylim(0, 1.3)  # room for the legend above the curves, as in (a)
    bx.set_yticks(np.linspace(0, 1, 6))
    bx.set_title(f"(b) missing modalities in training, w = {cfg['missing_w']}", fontsize=9)
    bx.legend(loc="upper left", fontsize=7, ncols=2)
    return fig


def _report(cfg: dict, tables: dict) -> None:
    table = tables["m3_real"]
    _zero_shot.print_accuracy(table, "w", METHODS, reference="clip_ceiling")
    sym = table[table["method"] == "symile"].set_index("w")
    clip = table[table["method"] == "clip"].set_index("w")
    for w in cfg["w_values"]:
        print(
            f"w = {w}: audio language-ID probe {sym.loc[w, 'audio_probe_acc']:.3f} on held-out clips, "
            f"learned (Symile) {sym.loc[w, 'learned_lid_acc']:.3f}, learned (CLIP) "
            f"{clip.loc[w, 'learned_lid_acc']:.3f}, chance {1 / w:.3f}; CLIP ceiling on the test sets "
            f"drawn {sym.loc[w, 'clip_ceiling_drawn']:.3f}"
        )
    _zero_shot.print_accuracy(tables["m3_real_missing"], "completeness", METHODS, reference="clip_ceiling")
    print("chance = 0.100, Bayes-optimal = 1")


def _config(args: argparse.Namespace) -> dict:
    cfg = _zero_shot.config_from_args(default_config, args)
    cfg["quick"] = bool(args.quick)
    return cfg


EXPERIMENT = _runner.Experiment(
    name="m3_real",
    version=VERSION,
    config=_config,
    cells=_cells,
    cell=_cell,
    tables=_tables,
    checks=_checks,
    plot=_plot,
    report=_report,
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Options of ``symile-lab m3-real``."""
    _options.add_common_arguments(parser)
    _options.add_seeds_argument(parser)


def run(args: argparse.Namespace) -> dict:
    """Run the experiment, write the outputs, print the tables and the checks; returns the tables."""
    return _runner.run(EXPERIMENT, args)


def main(argv: list[str] | None = None) -> int:
    """``python -m experiments.m3_real``: same as ``symile-lab m3-real``."""
    from experiments.cli import run_command

    return run_command("m3-real", argv)


if __name__ == "__main__":
    raise SystemExit(main())
