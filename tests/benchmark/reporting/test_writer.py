"""The report: every table in three formats, every figure in two, index.html, partial results."""

import json
import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from benchmark.cli import main
from benchmark.reporting import REPORT_FILES
from benchmark.results import read_results

FIGURES = ("accuracy", "radar", "learning_curves", "paired_scatter", "cd_diagram")


@pytest.fixture(scope="module")
def fewshot_run(tmp_path_factory):
    """A few-shot run of three classical models on three demo sets (two subjects each)."""
    out = tmp_path_factory.mktemp("report") / "res"
    assert main(["run", "--protocol", "fewshot", "--shots", "2,5,10", "--models",
                 "csp_lda,ts_lr,mdm", "--datasets",
                 "SynBNCI2014004,SynBNCI2015001,SynAlexMI", "--subjects", "1,2", "--out",
                 str(out), "--quiet"]) == 0
    return out


@pytest.mark.slow
def test_report_writes_every_table_and_figure(fewshot_run, capsys):
    assert main(["report", str(fewshot_run), "--reference", "ts_lr"]) == 0
    report = fewshot_run / "report"
    for stem in REPORT_FILES:
        for ext in ("md", "tex", "csv"):
            assert (report / f"{stem}.{ext}").stat().st_size > 0, f"{stem}.{ext}"
        tex = (report / f"{stem}.tex").read_text()
        assert tex.count(r"\begin{tabular}") == 1 and r"\bottomrule" in tex
        assert not re.search(r"(?<!\\)%", tex), f"unescaped % in {stem}.tex"
    for stem in FIGURES:
        assert (report / f"{stem}.png").read_bytes()[:4] == b"\x89PNG"
        assert (report / f"{stem}.pdf").read_bytes()[:4] == b"%PDF"
    assert r"\textbf{" in (report / "main_table.tex").read_text()  # best per dataset in bold
    paper = pd.read_csv(report / "paper_table.csv").query("dataset != 'average'")
    main_numbers = pd.read_csv(report / "main_table.csv")
    both = paper.merge(main_numbers, on=["dataset", "model"])
    assert len(both) == len(main_numbers) == 9  # the paper table's numbers are the main table's
    assert np.allclose(both["mean_percent"], 100 * both["mean"], atol=1e-4)
    assert np.allclose(both["std_percent"], 100 * both["std"], atol=1e-4)
    html = (report / "index.html").read_text()
    assert html.index("<table") > html.index("The paper&#x27;s main table") > 0  # first
    curves = pd.read_csv(report / "learning_curves.csv")
    assert sorted(curves["shots"].unique()) == [2, 5, 10] and set(curves["n_subjects"]) == {2}
    ds = (report / "datasets.md").read_text()
    assert "| SynAlexMI | 2 | 1 | 16 | 512 | 250 | 120 | right_hand, feet |" in ds
    stats = (report / "statistics.md").read_text()
    assert "reference: ts_lr" in stats and "Average rank" in stats
    assert "# Paired comparisons over subjects (one-sided tests, alpha = 0.05)" in stats
    assert "| p (H1: ref. better) | Holm p (ref. better) | p (H1: model better) |" in stats
    assert "Friedman test" in stats  # the CD note says whether Nemenyi was drawn, and why
    assert "left out of the combination" not in stats  # three independent demo sets
    # confusion matrices: one per (dataset, model), summed over subjects, a figure per dataset
    confusion = pd.read_csv(report / "confusion.csv")
    rows = read_results(fewshot_run)
    top = rows[(rows["status"] == "ok") & (rows["shots"] == 10)]
    for (dataset, model), part in confusion.groupby(["dataset", "model"]):
        assert part["count"].sum() == top.query("dataset == @dataset and model == @model")[
            "n_test"].sum()  # every test trial of the main table's rows, once
        for _, true in part.groupby("true"):
            assert true["row_percent"].sum() == pytest.approx(100)
    assert len(confusion.groupby(["dataset", "model"])) == 9
    for dataset in ("SynAlexMI", "SynBNCI2014004", "SynBNCI2015001"):
        assert (report / f"confusion_{dataset}.png").read_bytes()[:4] == b"\x89PNG"
    # subjects above the binomial chance threshold, per (dataset, model)
    chance = pd.read_csv(report / "chance.csv")
    assert len(chance) == 9 and set(chance["n_subjects"]) == {2}
    assert (chance["n_above"] <= 2).all() and (chance["threshold_min"] > 0.5).all()
    html = (report / "index.html").read_text()
    assert html.count("data:image/png;base64,") == len(FIGURES) + 3
    assert "Confusion matrices: SynAlexMI" in html and "Subjects above chance" in html
    assert html.count("<table") >= 6 and "Run configuration and versions" in html
    assert '"name": "fewshot"' in html and "moabb" in html  # protocol and versions of the rows
    assert "src=\"http" not in html and "<script" not in html  # self-contained
    assert "index.html" in capsys.readouterr().out


@pytest.mark.slow
def test_report_rescores_with_another_metric_and_says_so(fewshot_run, capsys):
    assert main(["report", str(fewshot_run), "--metric", "log_loss", "--no-verify"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Scores recomputed from the stored predictions as log_loss (the runs "
                          "scored accuracy); nothing was rerun: 54 row(s) re-scored.")
    report = fewshot_run / "report-log_loss"
    main_numbers = pd.read_csv(report / "main_table.csv")
    assert (main_numbers["mean"] > 0).all() and main_numbers["mean"].nunique() > 3
    md = (report / "main_table.md").read_text()
    assert md.startswith("# Log loss (nats x100, lower is better), mean ± std over subjects")
    assert "lower is better (the best is the lowest)" in md
    lines = md.splitlines()
    header = [c.strip() for c in next(x for x in lines if x.startswith("| dataset |"))
              .strip("|").split("|")]
    for dataset, part in main_numbers.groupby("dataset"):  # bold: the lowest loss
        best = part.loc[part["mean"].idxmin(), "model"]
        row = next(x for x in lines if x.startswith(f"| {dataset} |"))
        cells = dict(zip(header, (c.strip() for c in row.strip("|").split("|"))))
        assert cells[best].startswith("**") and sum(c.startswith("**") for c in cells.values()) == 1
    html = (report / "index.html").read_text()
    assert "id='rescored'" in html and "recomputed from the stored predictions" in html
    assert not (report / "chance.csv").exists()  # the binomial threshold is one of accuracy
    assert (fewshot_run / "report" / "main_table.csv").is_file()  # the run's report stays
    assert main(["report", str(fewshot_run), "--metric", "auc"]) == 2
    assert "unknown --metric 'auc'" in capsys.readouterr().err


@pytest.mark.slow
def test_report_on_partial_results_says_what_is_missing(fewshot_run, tmp_path, capsys):
    part = tmp_path / "partial"
    shutil.copytree(fewshot_run, part)
    df = read_results(part)
    drop = df[(df["model"] == "mdm") & (df["dataset"] != "SynAlexMI")]["unit_id"].unique()
    drop = list(drop) + list(df[(df["model"] == "csp_lda") & (df["subject"] == 2) &
                                (df["dataset"] == "SynAlexMI")]["unit_id"].unique())
    for uid in drop:
        (part / "units" / f"{uid}.json").unlink()
    assert main(["report", str(part)]) == 0
    out = capsys.readouterr().out
    assert ("missing: mdm has no result on SynBNCI2014004, SynBNCI2015001: "
            "not in these results" in out)
    assert "missing: csp_lda on SynAlexMI: 1 of 2 subjects finished" in out
    html = (part / "report" / "index.html").read_text()
    assert "What is missing" in html and "1 of 2 subjects finished" in html
    stats = (part / "report" / "statistics.md").read_text()
    assert "because mirepnet has no finished units" in stats  # the reference fell back, said so
    assert "no critical-difference diagram" in html  # it needs complete blocks: 2 models left
    assert "left out (not on every dataset): mdm" in html


def _chromium():
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.browser
@pytest.mark.skipif(_chromium() is None, reason="needs Debian's chromium (apt install chromium)")
@pytest.mark.slow
def test_index_html_renders_in_headless_chromium(fewshot_run, tmp_path):
    """Every table is in the rendered DOM and every image decodes; a screenshot is taken."""
    assert main(["report", str(fewshot_run)]) == 0
    page = (fewshot_run / "report" / "index.html").read_text()
    # A probe script, added to a copy, writes what the browser rendered into the DOM.
    probe = ("<script>document.body.setAttribute('data-check', JSON.stringify({tables: "
             "document.querySelectorAll('table').length, rows: document.querySelectorAll('tr')"
             ".length, images: Array.from(document.images).map(i => i.complete && "
             "i.naturalWidth > 100), height: document.body.scrollHeight}));</script>")
    copy = tmp_path / "index.html"
    copy.write_text(page.replace("</body>", probe + "</body>"))
    flags = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
             "--no-first-run", "--disable-background-networking", "--disable-component-update",
             "--disable-sync", f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run(flags + ["--virtual-time-budget=5000", "--dump-dom", copy.as_uri()],
                         capture_output=True, text=True, timeout=120).stdout
    check = json.loads(re.search(r"data-check=\"([^\"]*)\"", dom).group(1).replace("&quot;", '"'))
    assert check["tables"] >= 6 and check["rows"] > 40
    n_images = page.count("<img ")
    assert n_images >= len(FIGURES)  # the five paper figures, and the confusion/chance ones
    assert check["images"] == [True] * n_images  # every embedded figure decoded
    assert check["height"] > 3000
    shot = tmp_path / "shot.png"
    subprocess.run(flags + ["--window-size=1280,2000", f"--screenshot={shot}",
                            (fewshot_run / "report" / "index.html").as_uri()],
                   capture_output=True, timeout=120, cwd=tmp_path)
    assert shot.read_bytes()[:4] == b"\x89PNG" and shot.stat().st_size > 50_000
