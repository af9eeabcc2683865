from benchmark.perf import mirepnet_throughput


def test_mirepnet_throughput_reports_both_embeddings_and_their_agreement():
    rows = mirepnet_throughput(batch_sizes=(2,), repeats=1, n_times=200)
    assert [(r["batch"], r["fused"]) for r in rows] == [(2, False), (2, True)]
    for r in rows:
        assert r["inference"] > 0 and r["train_step"] > 0 and r["embedding_s"] > 0
        assert r["max_abs_diff"] < 1e-4
