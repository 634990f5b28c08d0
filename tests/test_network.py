"""Backpropagation is checked three independent ways: against finite differences, against a
step worked out by hand, and by training that must overfit a tiny set."""

import numpy as np
import pytest

from mnist_app.network import COSTS, Network, initial_parameters, sigmoid


def numerical_gradient(network, x, y, l2, parameter, eps=1e-6):
    """Central differences (C(p + eps) - C(p - eps)) / 2 eps for every entry of ``parameter``."""
    gradient = np.zeros_like(parameter)
    for index in np.ndindex(parameter.shape):
        saved = parameter[index]
        parameter[index] = saved + eps
        plus = network.cost_value(x, y, l2)
        parameter[index] = saved - eps
        minus = network.cost_value(x, y, l2)
        parameter[index] = saved
        gradient[index] = (plus - minus) / (2 * eps)
    return gradient


@pytest.mark.parametrize("cost", sorted(COSTS))
@pytest.mark.parametrize("l2", [0.0, 0.3])
def test_backprop_matches_finite_differences(cost, l2):
    rng = np.random.default_rng(42)
    network = Network([6, 5, 4, 3], cost=cost, init="normal", rng=rng, dtype=np.float64)
    x = rng.random((7, 6))
    y = np.eye(3)[rng.integers(0, 3, size=7)]

    nabla_b, nabla_w = network.backprop(x, y, l2)

    for analytic, parameter in zip(nabla_w + nabla_b, network.weights + network.biases):
        numeric = numerical_gradient(network, x, y, l2, parameter)
        relative_error = np.linalg.norm(analytic - numeric) / (np.linalg.norm(analytic) + np.linalg.norm(numeric))
        assert relative_error < 1e-6


def hand_worked_network(cost):
    """2-1-1 network chosen so every z is 0, every a is 1/2 and sigma'(z) = 1/4."""
    weights = [np.array([[0.0, 0.0]]), np.array([[2.0]])]
    biases = [np.array([0.0]), np.array([-1.0])]
    return Network.from_parameters(weights, biases, cost)


@pytest.mark.parametrize(
    "cost, expected_cost, delta_output",
    [
        # quadratic: C = (1/2)(1/2 - 1)^2 = 1/8; BP1: delta = (a - y) sigma'(z) = (-1/2)(1/4)
        ("quadratic", 0.125, -0.125),
        # cross-entropy: C = -ln(1/2) = ln 2; BP1: delta = a - y = -1/2
        ("cross-entropy", np.log(2.0), -0.5),
    ],
)
def test_one_step_matches_hand_computation(cost, expected_cost, delta_output):
    network = hand_worked_network(cost)
    x, y = np.array([[1.0, 2.0]]), np.array([[1.0]])

    nabla_b, nabla_w = network.backprop(x, y)

    delta_hidden = delta_output * 2.0 * 0.25  # BP2: (delta^3 w^3) sigma'(z^2)
    assert network.cost_value(x, y) == pytest.approx(expected_cost)
    np.testing.assert_allclose(nabla_b[1], [delta_output])  # BP3
    np.testing.assert_allclose(nabla_w[1], [[delta_output * 0.5]])  # BP4: delta^3 a^2
    np.testing.assert_allclose(nabla_b[0], [delta_hidden])
    np.testing.assert_allclose(nabla_w[0], [[delta_hidden * 1.0, delta_hidden * 2.0]])


def test_gradients_are_the_mean_over_the_minibatch():
    rng = np.random.default_rng(0)
    network = Network([4, 3, 2], rng=rng, dtype=np.float64)
    x, y = rng.random((5, 4)), rng.random((5, 2))
    batch_b, batch_w = network.backprop(x, y)
    per_example = [network.backprop(x[i : i + 1], y[i : i + 1]) for i in range(5)]
    for layer in range(2):
        np.testing.assert_allclose(batch_w[layer], np.mean([g[1][layer] for g in per_example], axis=0))
        np.testing.assert_allclose(batch_b[layer], np.mean([g[0][layer] for g in per_example], axis=0))


def test_sigmoid_is_stable_for_huge_inputs():
    z = np.array([-1e4, -800.0, 0.0, 800.0, 1e4], dtype=np.float32)
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        a = sigmoid(z)
    np.testing.assert_allclose(a, [0.0, 0.0, 0.5, 1.0, 1.0])


def test_cross_entropy_is_finite_for_saturated_outputs():
    z = np.array([[-1000.0, 1000.0]])
    a = sigmoid(z)
    y = np.array([[1.0, 0.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value = COSTS["cross-entropy"].fn(z, a, y)
    assert value == pytest.approx(2000.0)


def test_scaled_initialisation_has_variance_one_over_fan_in():
    weights, biases = initial_parameters([400, 300, 10], "scaled", np.random.default_rng(1), np.float64)
    assert weights[0].shape == (300, 400) and biases[0].shape == (300,)
    assert np.std(weights[0]) == pytest.approx(1 / np.sqrt(400), rel=0.02)
    assert np.std(biases[0]) == pytest.approx(1.0, rel=0.1)


def test_same_seed_gives_identical_weights_and_another_seed_does_not():
    def weights(seed):
        return Network(rng=np.random.default_rng(seed)).weights[0]

    assert np.array_equal(weights(3), weights(3))
    assert not np.array_equal(weights(3), weights(4))


@pytest.mark.parametrize("bad", [dict(sizes=[784]), dict(sizes=[784, 0, 10]), dict(cost="hinge"), dict(init="zeros")])
def test_bad_settings_raise_value_error(bad):
    with pytest.raises(ValueError):
        Network(**bad)
