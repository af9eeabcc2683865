from benchmark.perf import mirepnet_throughput


def test_mirepnet_throughput_reports_both_embeddings_and_their_agreement():
    rows = mirepnet_throughput(batch_sizes=(2,), repeats=1, n_times=200)
    assert [(r["batch"], r["fused"]) for r in rows] == [(2, False), (2, True)]
    for r in rows:
        assert r["inference"] > 0 and r["train_step"] > 0 and r["embedding_s"] > 0
        assert r["max_abs_diff"] < 1e-4


def test_zoo_epoch_times_report_parameters_and_seconds():
    from benchmark.perf import zoo_epoch_times

    (row,) = zoo_epoch_times(names=["eegnet"], epochs=1)
    assert row["model"] == "eegnet" and row["params"] == 2_818 and row["n_train"] == 24
    assert row["s_per_epoch"] > 0
