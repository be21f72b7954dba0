"""The bench's Monitor-cost check on a tiny W3."""

from glassnet.apps.bench.large import W3Config
from glassnet.apps.bench.monitor_cost import monitor_cost


def test_monitor_cost_check_is_a_percentage_with_its_target():
    cfg = W3Config(n=512, d=64, h=32, batch_size=128)
    (check,) = monitor_cost(cfg, every=10, repeat=1)
    assert check.workload == "W3" and check.unit == "%" and check.target == "<= 10%"
    assert check.value > 0  # the monitor does some work
    assert check.met == (check.value <= 10)
    assert "ms per 10 epochs" in check.detail
