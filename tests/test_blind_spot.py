import numpy as np
import pytest

from relufast import mlp
from relufast.experiments import blind_spot as bs


@pytest.mark.parametrize("way", ["weights", "biases"])
@pytest.mark.parametrize("output_bias", [False, True])
def test_dead_net_has_exactly_zero_first_layer_gradient(way, output_bias):
    p = bs.dead_params(way=way, output_bias=output_bias)
    assert bs.in_blind_spot(p, bs.X, bs.SIZES, output_bias=output_bias)
    for backend in ("numpy", "auto"):
        g = mlp.grad(p, bs.X, bs.Y, bs.SIZES, output_bias=output_bias, backend=backend)
        if output_bias:
            assert np.all(g[:-1] == 0.0) and g[-1] != 0.0  # only the output bias is pushed
        else:
            assert np.all(g == 0.0)
    # the net outputs a constant: 0 without output bias
    out = mlp.predict(p, bs.X, bs.SIZES, output_bias=output_bias)[:, 0]
    assert np.all(out == out[0]) and (output_bias or out[0] == 0.0)


def test_gd_stays_put_without_output_bias():
    d = bs.demo(output_bias=False, steps=500)
    assert d.first_layer_grad_max == 0.0
    assert not d.moved.any()
    np.testing.assert_array_equal(d.params_end, d.params0)
    assert d.loss0 == d.loss_end == pytest.approx(d.sum_y2)  # L = sum y^2
    assert d.perturbation_max_change == 0.0  # flat: a (non-strict) local minimum
    assert d.better_loss < d.loss0  # ... but not a global one


def test_gd_moves_only_the_output_bias_to_mean_y():
    d = bs.demo(output_bias=True, way="biases", steps=500)
    assert d.moved.tolist() == [False] * (d.params0.size - 1) + [True]
    assert d.output_bias_end == pytest.approx(d.mean_y, abs=1e-9)
    assert d.loss_end == pytest.approx(np.sum((bs.Y - bs.Y.mean()) ** 2))
    assert d.better_loss < d.loss_end


def test_deeper_dead_net_stays_put():
    d = bs.demo(sizes=(1, 4, 4, 1), output_bias=False, steps=200)
    assert not d.moved.any() and d.better_loss is None


def test_one_live_unit_beats_blind_spot():
    p = bs.dead_params(output_bias=False)
    q, L = bs.one_live_unit(p, output_bias=False)
    x, y = bs.X, bs.Y
    assert L == pytest.approx(np.sum(y**2) - np.sum(x * y) ** 2 / np.sum(x**2))
    assert not bs.in_blind_spot(q, x, bs.SIZES, output_bias=False)


def test_dead_fraction_matches_exact_probability():
    means = np.array([-2.0, -0.5, 0.0, 1.0, 3.0])
    r = bs.dead_fraction_vs_init_mean(means, restarts=4000, seed=3)
    # one hidden layer of 3 units, zero biases, positive inputs: P = Phi(-mean)^3
    assert r["exact"][2] == pytest.approx(0.125)
    assert np.all(np.diff(r["fraction"]) <= 0)  # more negative mean -> more dead inits
    inside = (r["lo"] <= r["exact"] + 1e-12) & (r["exact"] - 1e-12 <= r["hi"])
    assert inside.sum() >= 4  # a 95 % interval may miss once in a while, not often
    assert r["fraction"][0] > 0.85 and r["dead"][-1] == 0
    rb = bs.dead_fraction_vs_init_mean([-2.0, 0.0], restarts=2000, which="bias", bias_std=0.5)
    assert np.all(np.abs(rb["fraction"] - rb["exact"]) < 0.04)


def test_unit_dead_probability_closed_form_and_quadrature_agree():
    for wm, bm in [(-1.0, 0.0), (0.5, 0.3), (0.0, -1.0), (0.5, -0.3)]:
        a = bs.unit_dead_probability(bs.X, wm, 1.0, bm, 0.0)
        b = bs.unit_dead_probability(bs.X, wm, 1.0, bm, 1e-7)
        assert a == pytest.approx(b, abs=1e-6)


@pytest.mark.parametrize(
    "call",
    [
        lambda: bs.dead_params(way="magic"),
        lambda: bs.dead_params(way="weights", x=[-1.0, 1.0]),  # negative inputs: not all dead
        lambda: bs.dead_params(sizes=(1, 1)),  # no hidden layer
        lambda: bs.dead_params(magnitude=0.0),
        lambda: bs.dead_fraction_vs_init_mean([0.0], restarts=0),
        lambda: bs.dead_fraction_vs_init_mean([0.0], which="output"),
        lambda: bs.dead_fraction_vs_init_mean([np.nan]),
        lambda: bs.one_live_unit(np.zeros(9), sizes=(2, 3, 1)),
        lambda: bs.demo(steps=0),
    ],
)
def test_bad_input(call):
    with pytest.raises(ValueError):
        call()


# --------------------------------------------------------------------------- what the page shows


def test_predict_by_hand():
    p = bs.dead_params(way="biases", output_bias=True)
    p[0], p[3] = 2.0, -0.5  # unit 1: relu(2 x - 0.5), alive for x > 0.25
    w, b = p[:3], p[3:6]
    v, c = p[6:9], p[9]
    x = np.array([0.1, 0.5, 1.0])
    expected = [float(np.sum(v * np.maximum(w * xi + b, 0.0)) + c) for xi in x]
    np.testing.assert_allclose(bs.predict(p, x, output_bias=True), expected, rtol=1e-15, atol=1e-15)
    assert bs.predict(p, x, output_bias=True)[0] == c  # every unit dead at x = 0.1


@pytest.mark.parametrize("output_bias", [False, True])
def test_explore_point_in_the_blind_spot(output_bias):
    p = bs.dead_params(way="weights", magnitude=5.0, output_bias=output_bias)
    a = bs.explore_point(p, output_bias, steps=200, lr=0.05)
    # y = 1 + x on x = 0.2, ..., 1.0, by hand
    assert a["sum_y2"] == pytest.approx(1.44 + 1.96 + 2.56 + 3.24 + 4.0)
    assert a["mean_y"] == pytest.approx(1.6) and a["sum_sq_about_mean"] == pytest.approx(0.4)
    assert a["blind"] and a["first_layer_grad_max"] == 0.0
    assert a["Z"].shape == (5, 3) and np.all(a["Z"] <= 0)
    assert a["history"].shape == a["history_steps"].shape and a["history_steps"][-1] == 200
    assert a["better_loss"] < a["loss0"]
    if output_bias:  # only the output bias moves, towards mean(y)
        assert a["moved"].tolist() == [False] * 9 + [True]
        assert abs(a["end"][-1] - 1.6) < abs(p[-1] - 1.6)
    else:  # nothing moves: L = sum y^2 throughout
        assert not a["moved"].any() and a["loss0"] == a["loss_end"] == pytest.approx(13.2)


def test_explore_point_awake():
    p = bs.dead_params(way="weights", magnitude=5.0, output_bias=False)
    p[0] = 2.0  # unit 1 wakes up on every point
    a = bs.explore_point(p, False, steps=100, lr=0.01)
    assert not a["blind"] and "better" not in a
    assert a["first_layer_grad_max"] == float(np.max(np.abs(a["grad"][:6]))) > 0
    assert a["moved"][0] and a["loss_end"] < a["loss0"]


def test_sweep_summary_is_both_sweeps_as_json():
    import json

    calls = []
    out = bs.sweep_summary(-3.0, 1.0, 5, 200, 2, 0.5, 0.1, 4, progress=lambda d, t: calls.append((d, t)))
    json.dumps(out, allow_nan=False)
    assert calls == [(0, 2), (1, 2), (2, 2)]
    assert out["params"] == {
        "lo": -3.0,
        "hi": 1.0,
        "points": 5,
        "restarts": 200,
        "h": 2,
        "weight_std": 0.5,
        "bias_std": 0.1,
        "seed": 4,
    }
    for which in ("weight", "bias"):
        r = bs.dead_fraction_vs_init_mean(
            np.linspace(-3.0, 1.0, 5), 200, which=which, sizes=(1, 2, 1), weight_std=0.5, bias_std=0.1, seed=4
        )
        got = out["sweeps"][which]
        assert got["mean"] == [-3.0, -2.0, -1.0, 0.0, 1.0] and got["which"] == which
        assert got["dead"] == r["dead"].tolist() and got["exact"] == r["exact"].tolist()
        assert got["fraction"] == (r["dead"] / 200).tolist()
