"""Autocorrelation, decorrelation time, RMSD against lag, tICA and VAMP-2."""

import numpy as np
import pytest

from trajgen.engine.evaluate import dynamics as dyn


def ar1(phi: float, n: int, seed: int) -> np.ndarray:
    """Autoregressive series x[t+1] = phi x[t] + noise (lag-k autocorrelation phi**k)."""
    rng = np.random.default_rng(seed)
    x = np.zeros(n)
    for t in range(1, n):
        x[t] = phi * x[t - 1] + rng.standard_normal()
    return x


def test_autocorrelation_is_one_at_lag_zero_and_minus_one_for_alternation():
    acf = dyn.autocorrelation(np.array([1.0, -1.0] * 50), 2)
    np.testing.assert_allclose(acf, [1.0, -1.0, 1.0])


def test_autocorrelation_of_a_constant_series_is_undefined():
    assert np.isnan(dyn.autocorrelation(np.ones(10), 3)).all()


def test_decorrelation_time_interpolates_the_1_over_e_crossing():
    acf = np.array([1.0, 0.5, 0.2])
    expected = (1 + (0.5 - 1 / np.e) / (0.5 - 0.2)) * 2.0  # frames -> ps at 2 ps per frame
    assert dyn.decorrelation_time(acf, 2.0) == pytest.approx(expected)


def test_decorrelation_time_is_nan_when_the_series_never_decorrelates():
    assert np.isnan(dyn.decorrelation_time(np.array([1.0, 0.9, 0.8]), 1.0))


def test_rmsd_vs_lag_of_uniform_drift_is_proportional_to_lag():
    xyz = np.zeros((4, 1, 3))
    xyz[:, 0, 0] = [0, 1, 2, 3]
    np.testing.assert_allclose(dyn.rmsd_vs_lag(xyz, np.array([0, 1, 2])), [0.0, 1.0, 2.0])


def test_tica_finds_the_slow_process_hidden_in_mixed_features():
    slow, fast = ar1(0.99, 4000, 0), np.random.default_rng(1).standard_normal(4000)
    features = np.column_stack([slow + fast, slow - 2 * fast])
    tica = dyn.fit_tica(features, lag=5, n_components=1)
    r = np.corrcoef(tica.transform(features)[:, 0], slow)[0, 1]
    assert abs(r) > 0.95
    assert tica.eigenvalues[0] == pytest.approx(0.99 ** 5, abs=0.05)


def test_vamp2_of_an_ar1_process_is_the_squared_lag_correlation():
    assert dyn.vamp2(ar1(0.9, 20000, 2)[:, None], lag=1) == pytest.approx(0.81, abs=0.02)


def test_vamp2_of_white_noise_is_near_zero():
    noise = np.random.default_rng(3).standard_normal((5000, 2))
    assert dyn.vamp2(noise, lag=1) < 0.01


def test_resample_curve_is_nan_outside_the_measured_range():
    out = dyn.resample_curve(np.array([0.0, 10.0]), np.array([1.0, 0.0]), np.array([5.0, 20.0]))
    assert out[0] == pytest.approx(0.5) and np.isnan(out[1])


def test_lagged_pairs_never_cross_from_one_run_into_the_next():
    x = np.array([1.0, 1.0, 1.0, -1.0, -1.0, -1.0])  # two constant runs laid end to end
    assert dyn.autocorrelation(x, 1)[1] == pytest.approx(0.6)  # as one series: the seam counts
    assert dyn.autocorrelation(x, 1, lengths=(3, 3))[1] == pytest.approx(1.0)


def test_rmsd_vs_lag_pools_runs_and_skips_the_seam():
    xyz = np.zeros((4, 1, 3))
    xyz[:, 0, 0] = [0, 1, 10, 12]  # runs (0, 1) and (10, 12): lag-1 steps 1 and 2
    np.testing.assert_allclose(dyn.rmsd_vs_lag(xyz, np.array([1, 2]), lengths=(2, 2)), [1.5, np.nan])


def test_run_lengths_must_cover_every_frame():
    with pytest.raises(ValueError, match="do not add up"):
        dyn.split_runs(np.zeros(5), (2, 2))
