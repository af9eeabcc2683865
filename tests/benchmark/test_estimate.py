from benchmark.datasets import get_dataset_spec
from benchmark.engine import RunConfig, plan_units
from benchmark.estimate import PRIOR_SECONDS_PER_FOLD, estimate_cost
from benchmark.pipelines import discover_pipelines, select_pipelines
from benchmark.protocols import get_protocol


def test_cost_counts_the_protocols_folds(tmp_path):
    pipes = select_pipelines("csp_lda", discover_pipelines())
    spec = get_dataset_spec("SynBNCI2014004")
    for protocol, folds in ((get_protocol("paper"), 1), (get_protocol("within-session"), 5),
                            (get_protocol("fewshot", shots=(1, 2, 5)), 3)):
        cfg = RunConfig(pipelines=pipes, datasets=[spec], protocol=protocol, seeds=[0],
                        out=str(tmp_path), subjects=[1, 2])
        units = plan_units(cfg)
        cost = estimate_cost(units, units, protocol, None).iloc[0]
        assert cost["folds"] == 2 * folds
        assert cost["seconds"] == 2 * folds * PRIOR_SECONDS_PER_FOLD["classical"]
