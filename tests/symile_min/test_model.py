"""Encoders, the model's logit scale and recorded objective, input conversion, missingness, devices."""

import math

import numpy as np
import pytest
import torch
from torch import nn

from symile_min import SymileModel, with_missingness
from symile_min.model import LOG_SCALE_MAX, make_encoder, resolve_objective, to_tensor_list

DEVICES = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])


def test_make_encoder_builds_the_requested_architecture():
    assert isinstance(make_encoder(5, 16), nn.Linear)
    mlp = make_encoder(5, 16, "mlp", hidden_dim=8)
    assert [type(layer) for layer in mlp] == [nn.Linear, nn.ReLU, nn.Linear]
    assert mlp(torch.zeros(3, 5)).shape == (3, 16)


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((5, 16, "cnn"), {}, r"encoder must be one of \['linear', 'mlp'\], got 'cnn'"),
        ((0, 16), {}, "in_dim must be an int >= 1, got 0"),
        ((5, 2.0), {}, "rep_dim must be an int >= 1, got 2.0"),
        ((5, 16, "mlp"), {"hidden_dim": True}, "hidden_dim must be an int >= 1, got True"),
    ],
)
def test_make_encoder_rejects_bad_settings_naming_them(args, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_encoder(*args, **kwargs)


def test_model_encodes_to_unit_norm_and_rejects_wrong_width():
    torch.manual_seed(0)
    model = SymileModel([2, 3])
    reps = model.encode([np.ones((4, 2)), np.ones((4, 3))])
    assert [tuple(r.shape) for r in reps] == [(4, 16), (4, 16)]
    torch.testing.assert_close(reps[0].norm(dim=1), torch.ones(4))
    with pytest.raises(ValueError, match="modality 1 expects 3 input columns, got 2"):
        model.encode([np.ones((4, 2)), np.ones((4, 2))])
    with pytest.raises(ValueError, match="model has 2 modalities, data has 3"):
        model.encode([np.ones((4, 2)), np.ones((4, 3)), np.ones((4, 3))])


def test_encode_modality_is_the_same_as_encoding_that_modality_in_a_batch():
    torch.manual_seed(1)
    model = SymileModel([2, 3], encoder="mlp", hidden_dim=5)
    x = [np.arange(8.0).reshape(4, 2), np.ones((4, 3))]
    torch.testing.assert_close(model.encode_modality(0, x[0]), model.encode(x)[0])
    with pytest.raises(ValueError, match=r"modality index must be in \[0, 2\), got 2"):
        model.encode_modality(2, x[0])


def test_logit_scale_is_the_exponential_of_the_initial_log_scale():
    model = SymileModel([1, 1], logit_scale_init=-0.3)
    assert float(model.logit_scale.detach()) == pytest.approx(math.exp(-0.3), rel=1e-6)
    assert model.log_scale.requires_grad


@pytest.mark.parametrize(
    ("low", "high", "expected"),
    [(None, None, -0.3), (0.0, None, 0.0), (None, -1.0, -1.0), (0.0, LOG_SCALE_MAX, 0.0), (-1.0, 1.0, -0.3)],
)
def test_clamp_logit_scale_clamps_only_the_given_sides(low, high, expected):
    model = SymileModel([1, 1], logit_scale_init=-0.3)
    model.clamp_logit_scale(low, high)
    assert float(model.log_scale.detach()) == pytest.approx(expected, abs=1e-7)


def test_model_records_its_objective_and_validates_it():
    model = SymileModel([1, 1], method="clip", negatives="n")
    assert (model.method, model.negatives) == ("clip", "n")
    assert "method='clip'" in repr(model)
    assert SymileModel([1, 1]).method is None
    with pytest.raises(ValueError, match="method must be one of"):
        SymileModel([1, 1], method="simile")
    with pytest.raises(ValueError, match="negatives must be one of"):
        SymileModel([1, 1], negatives="all")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [(dict(input_dims=[3]), "at least 2 modalities"), (dict(logit_scale_init=math.nan), "finite number")],
)
def test_bad_model_settings_are_named(kwargs, match):
    args = {"input_dims": [1, 1], **kwargs}
    with pytest.raises(ValueError, match=match):
        SymileModel(**args)


@pytest.mark.parametrize(
    ("recorded", "method", "negatives", "expected"),
    [
        (("symile", "n_squared"), None, None, ("symile", "n_squared")),
        (("symile", "n_squared"), "symile", "n", ("symile", "n")),  # explicit negatives: another estimator
        (("clip", "n"), None, None, ("clip", "n")),
        ((None, None), "clip", None, ("clip", "n")),  # bare model, explicit method
    ],
)
def test_resolve_objective_defaults_to_the_recorded_one(recorded, method, negatives, expected):
    model = SymileModel([1, 1], method=recorded[0], negatives=recorded[1])
    assert resolve_objective(model, method, negatives, caller="f") == expected


def test_resolve_objective_names_both_methods_of_a_contradiction_and_the_caller():
    with pytest.raises(ValueError, match="^f: method='clip' contradicts the model, which was trained with "
                                         "method='symile'$"):
        resolve_objective(SymileModel([1, 1], method="symile"), "clip", None, caller="f")


def test_to_tensor_list_converts_ints_and_bools_and_rejects_non_numeric():
    out = to_tensor_list([np.array([[1, 0]]), np.array([[True, False]])])
    assert all(t.dtype == torch.float32 for t in out)
    torch.testing.assert_close(out[1], torch.tensor([[1.0, 0.0]]))
    with pytest.raises(TypeError, match=r"data\[0\] must be numeric"):
        to_tensor_list([np.array([["a"]]), np.array([[1]])])
    with pytest.raises(TypeError, match="list of"):
        to_tensor_list(np.zeros((2, 2)))


@pytest.mark.parametrize("device", DEVICES)
def test_model_outputs_live_on_the_models_device_whatever_the_input(device):
    torch.manual_seed(0)
    model = SymileModel([2, 2]).to(device)
    reps = model.encode([np.ones((3, 2)), torch.ones(3, 2)])  # a numpy array and a CPU tensor
    assert all(r.device.type == device for r in reps)
    assert model.encode_modality(1, np.ones((3, 2))).device.type == device
    x, observed = torch.ones(3, 2, device=device), torch.tensor([True, False, True], device=device)
    assert with_missingness(x, observed).device.type == device


def test_with_missingness_appends_indicator_and_fills_placeholder():
    x = torch.tensor([[1.0, 2.0], [np.nan, np.nan]])
    out = with_missingness(x, torch.tensor([True, False]), placeholder=-1.0)
    torch.testing.assert_close(out, torch.tensor([[1.0, 2.0, 1.0], [-1.0, -1.0, 0.0]]))


@pytest.mark.parametrize(
    ("x", "observed", "kwargs", "match"),
    [
        (np.zeros(3), np.ones(3, bool), {}, r"shape \(N, d_m\)"),
        (np.zeros((3, 1)), np.ones(2, bool), {}, r"bool array of shape \(3,\)"),
        (np.zeros((3, 1)), np.ones(3), {}, "bool array"),
        (np.zeros((3, 1)), np.ones(3, bool), {"placeholder": math.inf}, "placeholder must be a finite real"),
        (np.full((3, 1), np.nan), np.ones(3, bool), {}, "non-finite values in observed rows"),
    ],
)
def test_with_missingness_rejects_bad_inputs(x, observed, kwargs, match):
    with pytest.raises(ValueError, match=match):
        with_missingness(x, observed, **kwargs)


def _conv():
    return nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(2 * 2 * 2, 5))


def test_own_encoders_take_any_input_shape_and_integer_ids():
    torch.manual_seed(0)
    model = SymileModel(encoders=[_conv(), nn.Embedding(7, 5), nn.Linear(3, 5)], names=["img", "tok", "x"])
    x = {"x": np.ones((4, 3)), "img": np.zeros((4, 1, 4, 4)), "tok": np.array([0, 6, 2, 2])}  # any key order
    reps = model.encode(x)
    assert [tuple(r.shape) for r in reps] == [(4, 5)] * 3 and not model.builtin
    torch.testing.assert_close(reps[1].norm(dim=1), torch.ones(4))
    torch.testing.assert_close(model.encode_modality(1, np.array([0, 6, 2, 2])), reps[1])
    assert model.log_scale.requires_grad  # the objective's scale, next to (not inside) the encoders
    names = [n for n, _ in model.named_parameters()]
    assert "log_scale" in names and all(n.startswith("encoders.") for n in names if n != "log_scale")


class _WholeBatch(nn.Module):
    """One module encoding every modality at once (a shared trunk, say)."""

    def __init__(self):
        super().__init__()
        self.a, self.b = nn.Linear(2, 3), nn.Linear(4, 3)

    def encode(self, batch):
        return [self.a(batch[0]), self.b(batch[1])]


def test_a_module_with_encode_is_used_as_a_whole_and_names_what_it_cannot_do():
    model = SymileModel(encoders=_WholeBatch())
    reps = model.encode([np.ones((5, 2)), np.ones((5, 4))])
    assert [tuple(r.shape) for r in reps] == [(5, 3), (5, 3)] and model.n_modalities == 2
    with pytest.raises(TypeError, match="encodes whole batches only"):
        model.encode_modality(0, np.ones((5, 2)))


@pytest.mark.parametrize(
    ("encoders", "error", "match"),
    [
        ([nn.Linear(2, 3), nn.Linear(2, 4)], ValueError, r"same representation width d, got \{0: 3, 1: 4\}"),
        ([nn.Linear(2, 3), nn.Flatten(0)], ValueError, r"modality 1 must return shape \(N, d\) = \(5, d\)"),
    ],
)
def test_encoder_outputs_that_do_not_fit_are_named(encoders, error, match):
    model = SymileModel(encoders=encoders)
    with pytest.raises(error, match=match):
        model.encode([np.ones((5, 2)), np.ones((5, 2))])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({}, ValueError, "either input_dims .* not neither"),
        ({"input_dims": [2, 2], "encoders": [nn.Linear(2, 2)] * 2}, ValueError, "not both"),
        ({"encoders": [nn.Linear(2, 2)]}, ValueError, "at least 2 modalities"),
        ({"encoders": [nn.Linear(2, 2), "linear"]}, TypeError, r"encoders\[1\] must be an nn.Module"),
        ({"encoders": nn.Linear(2, 2)}, TypeError, "has no encode method"),
        ({"encoders": [nn.Linear(2, 2)] * 2, "names": ["a"]}, ValueError, "do not match the 2 modalities"),
    ],
)
def test_bad_model_constructions_are_named(kwargs, error, match):
    with pytest.raises(error, match=match):
        SymileModel(**kwargs)


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        (([10**9, 2],), {}, r"16000000000 parameters .* could not be allocated"),
        (([2, 2],), {"rep_dim": 10**9}, "could not be allocated"),
        (([2, 2],), {"encoder": "mlp", "hidden_dim": 10**12}, "could not be allocated"),
        (([10**400, 2],), {}, r"about 2\*\*1332 parameters"),
        (([2.5, 2],), {}, r"input_dims\[0\] must be an int >= 1, got 2.5"),
    ],
)
def test_encoders_that_cannot_exist_are_a_value_error_saying_why(args, kwargs, match):
    # regression: issue 10 -- they were a RuntimeError from the allocator (or an OverflowError)
    with pytest.raises(ValueError, match=match):
        SymileModel(*args, **kwargs)


@pytest.mark.parametrize("init", [100.0, -200.0, math.nan])
def test_a_log_scale_whose_exp_is_not_a_finite_positive_float32_is_refused(init):
    # regression: issue 10 -- logit_scale_init = 100 gave logit_scale = inf and nan losses
    with pytest.raises(ValueError, match="logit_scale_init must"):
        SymileModel([2, 2], logit_scale_init=init)


def test_numpy_ints_are_ints_for_the_model_sizes():
    # regression: issue 10
    model = SymileModel([np.int64(2), 3], rep_dim=np.int64(4))
    assert model.input_dims == [2, 3] and tuple(model.encoders[0].weight.shape) == (4, 2)


@pytest.mark.parametrize("x", [np.ones((3, 2)) + 1j, torch.ones(3, 2, dtype=torch.complex64)])
def test_with_missingness_refuses_complex_inputs(x):
    # regression: issue 10 -- a complex x silently lost its imaginary part
    with pytest.raises(TypeError, match="x must hold real numbers, got dtype complex"):
        with_missingness(x, np.array([True, False, True]))
