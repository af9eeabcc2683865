"""The paper's main table: families, twins, average, best and second best, n/r, cells
with fewer subjects, first in index.html."""

import numpy as np
import pandas as pd

from benchmark.reporting import write_report
from benchmark.reporting.aggregation import main_table
from benchmark.reporting.paper_table import (
    FAMILIES,
    OTHER_FAMILY,
    family_of,
    paper_table,
    paper_table_note,
    row_order,
)
from benchmark.reporting.tables import format_main_table
from benchmark.results import ROW_COLUMNS

#: (model, dataset) -> each subject's score (subjects 1, 2, ...); None: not runnable there
#: (subjects 1 and 2).  eegpt is not runnable on AlexMI; eegnet has AlexMI's subject 1
#: only (a partial cell).  Rows come in no particular order.
SCORES = {
    ("mirepnet_scratch", "BNCI2015001"): (0.80, 0.80),
    ("mirepnet_scratch", "AlexMI"): (0.74, 0.80),
    ("eegpt", "BNCI2015001"): (0.50, 0.60),
    ("eegpt", "AlexMI"): None,
    ("csp_lda", "BNCI2015001"): (0.70, 0.80),
    ("csp_lda", "AlexMI"): (0.60, 0.80),
    ("mirepnet", "BNCI2015001"): (0.85, 0.95),
    ("mirepnet", "AlexMI"): (0.60, 0.70),
    ("eegnet", "BNCI2015001"): (0.60, 0.60),
    ("eegnet", "AlexMI"): (0.72,),
}


def _results(scores=None) -> pd.DataFrame:
    rows = []
    for (model, dataset), values in (SCORES if scores is None else scores).items():
        for subject, score in enumerate(values or (np.nan, np.nan), start=1):
            rows.append({"dataset": dataset, "subject": subject, "model": model,
                         "protocol": "paper", "seed": 0, "fold": 0, "shots": np.nan,
                         "n_classes": 2, "status": "ok" if values else "not_runnable",
                         "score": score, "error": "" if values else "NotRunnable: no weights"})
    return pd.DataFrame(rows).reindex(columns=ROW_COLUMNS)


TITLE = "# The paper's main table: Accuracy (%), mean ± std over subjects\n\n"
NOTE = ("Models grouped by family, a *_scratch model after its pretrained twin; average: the "
        "mean over datasets of a model's means (no ±: the mean of the standard deviations "
        "would be no standard deviation), for models with a complete result on every "
        "dataset; per column the best in bold, the second best underlined, ranked on the "
        "unrounded means as in main_table; n/r: not runnable here; —: no result. † fewer "
        "subjects than the other models on this dataset (eegnet on AlexMI: 1 of 2): neither "
        "ranked nor averaged.")
# The paper's dataset order (BNCI2015001 before AlexMI), then the average, the mean of the
# means only: csp_lda (75 + 70) / 2 = 72.5; mirepnet (90 + 65) / 2 = 77.5; mirepnet_scratch
# (80 + 77) / 2 = 78.5.  eegnet's 72.0 on AlexMI (1 subject of 2) would be second there:
# it is neither ranked (csp_lda's 70.0 is second) nor averaged.
MARKDOWN = """\
| family | model | BNCI2015001 | AlexMI | average |
|---|---|---|---|---|
| classical | csp_lda | 75.0 ± 7.1 | <u>70.0 ± 14.1</u> | 72.5 |
| specialist | eegnet | 60.0 ± 0.0 | 72.0 ± 0.0† | — |
| foundation | eegpt | 55.0 ± 7.1 | n/r | — |
|  | mirepnet | **90.0 ± 7.1** | 65.0 ± 7.1 | <u>77.5</u> |
|  | mirepnet_scratch | <u>80.0 ± 0.0</u> | **77.0 ± 4.2** | **78.5** |
"""
LATEX = r"""\begin{table}[htbp]
\centering
\caption{The paper's main table: Accuracy (\%), mean $\pm$ std over subjects}
\label{tab:paper_table}
\begin{tabular}{llrrr}
\toprule
 &  & BNCI2015001 & AlexMI & average \\
family & model &  &  &  \\
\midrule
classical & csp\_lda & 75.0 $\pm$ 7.1 & \underline{70.0 $\pm$ 14.1} & 72.5 \\
\midrule
specialist & eegnet & 60.0 $\pm$ 0.0 & 72.0 $\pm$ 0.0† & -- \\
\midrule
\multirow[t]{3}{*}{foundation} & eegpt & 55.0 $\pm$ 7.1 & n/r & -- \\
 & mirepnet & \textbf{90.0 $\pm$ 7.1} & 65.0 $\pm$ 7.1 & \underline{77.5} \\
 & mirepnet\_scratch & \underline{80.0 $\pm$ 0.0} & \textbf{77.0 $\pm$ 4.2} & \textbf{78.5} \\
\bottomrule
\end{tabular}
\end{table}
"""
CSV = """\
family,model,dataset,mean_percent,std_percent,n_subjects,complete,status,rank,mark
classical,csp_lda,BNCI2015001,75.0,7.0711,2,True,ok,3,
classical,csp_lda,AlexMI,70.0,14.1421,2,True,ok,2,second
classical,csp_lda,average,72.5,,,True,ok,3,
specialist,eegnet,BNCI2015001,60.0,0.0,2,True,ok,4,
specialist,eegnet,AlexMI,72.0,0.0,1,False,ok,,
specialist,eegnet,average,,,,False,incomplete,,
foundation,eegpt,BNCI2015001,55.0,7.0711,2,True,ok,5,
foundation,eegpt,AlexMI,,,,False,not_runnable,,
foundation,eegpt,average,,,,False,incomplete,,
foundation,mirepnet,BNCI2015001,90.0,7.0711,2,True,ok,1,best
foundation,mirepnet,AlexMI,65.0,7.0711,2,True,ok,3,
foundation,mirepnet,average,77.5,,,True,ok,2,second
foundation,mirepnet_scratch,BNCI2015001,80.0,0.0,2,True,ok,2,second
foundation,mirepnet_scratch,AlexMI,77.0,4.2426,2,True,ok,1,best
foundation,mirepnet_scratch,average,78.5,,,True,ok,1,best
"""


def test_paper_table_files_and_its_place_in_index_html(tmp_path):
    report = write_report(tmp_path, _results())
    md = (report / "paper_table.md").read_text()
    assert md.startswith(TITLE) and md.endswith("\n\n" + MARKDOWN)
    assert (report / "paper_table.tex").read_text() == LATEX
    assert (report / "paper_table.csv").read_text() == CSV
    # the same numbers as the dataset x model table
    main = (report / "main_table.md").read_text()
    for cell in ("**90.0 ± 7.1**", "80.0 ± 0.0", "55.0 ± 7.1", "**77.0 ± 4.2**", "65.0 ± 7.1",
                 "72.0 ± 0.0"):
        assert cell in main
    html = (report / "index.html").read_text()
    first = html.index("<table")
    assert html.rindex("<h2", 0, first) == html.index("<h2 id='the-paper-s-main-table")
    assert html.index("<table", first + 1) > html.index("Accuracy (%), mean ± std over subjects"
                                                        "</h2>")  # the old table stays, second
    table = html[first:html.index("</table>", first)]
    assert "<th rowspan=\"3\" valign=\"top\">foundation</th>" in table
    assert "<td><b>90.0 ± 7.1</b></td>" in table and "<td><u>80.0 ± 0.0</u></td>" in table
    assert "<td>72.0 ± 0.0†</td>" in table and "<td><b>78.5</b></td>" in table


def test_the_note_says_what_the_average_is_and_which_cells_have_fewer_subjects():
    assert paper_table_note(paper_table(_results())[1]) == NOTE
    complete = {k: v for k, v in SCORES.items() if k != ("eegnet", "AlexMI")}
    assert "†" not in paper_table_note(paper_table(_results(complete))[1])


def test_paper_table_md_carries_the_note(tmp_path):
    # (needs benchmark/reporting/sections.py to take its note from paper_table_note)
    report = write_report(tmp_path, _results())
    assert (report / "paper_table.md").read_text() == TITLE + NOTE + "\n\n" + MARKDOWN


def test_a_cell_with_fewer_subjects_is_marked_unranked_and_not_averaged():
    grid, data = paper_table(_results({
        ("csp_lda", "A"): (0.60, 0.70, 0.80), ("csp_lda", "B"): (0.60, 0.60, 0.60),
        ("ts_lr", "A"): (0.50, 0.60, 0.70), ("ts_lr", "B"): (0.75, 0.75, 0.75),
        ("eegnet", "A"): (0.90, 0.95), ("eegnet", "B"): (0.80, 0.80, 0.80)}))
    # A has 3 subjects (the most any model has there); eegnet's 2 make a partial cell
    assert list(grid.loc[("specialist", "eegnet")]) == ["92.5 ± 3.5†", "**80.0 ± 0.0**", "—"]
    assert list(grid["A"]) == ["**70.0 ± 10.0**", "<u>60.0 ± 10.0</u>", "92.5 ± 3.5†"]
    eegnet = data[data["model"] == "eegnet"].set_index("dataset")
    assert eegnet.loc["A", ["n_subjects", "complete", "status", "mark"]].tolist() == [
        2, False, "ok", ""]
    assert pd.isna(eegnet.loc["A", "rank"]) and eegnet.loc["B", "rank"] == 1
    assert eegnet.loc["average", ["complete", "status"]].tolist() == [False, "incomplete"]
    assert np.isnan(eegnet.loc["average", "mean_percent"])
    assert "(eegnet on A: 2 of 3)" in paper_table_note(data)
    # the averages rank the complete models only
    assert list(grid["average"]) == ["<u>65.0</u>", "**67.5**", "—"]


def test_the_average_is_the_mean_of_the_means_without_a_std():
    grid, data = paper_table(_results())
    assert not any("±" in cell for cell in grid["average"])
    average = data[data["dataset"] == "average"].set_index("model")
    assert average.loc["csp_lda", "mean_percent"] == 72.5
    assert average["std_percent"].isna().all()


def test_best_and_second_come_from_the_unrounded_means_as_in_the_main_table():
    df = _results({
        # A: 80.045 and 79.955 both show as 80.0; zzz is better before rounding
        ("aaa", "A"): (0.80, 0.7991), ("zzz", "A"): (0.80, 0.8009), ("mmm", "A"): (0.5, 0.5),
        # B: an exact tie; the main table bolds the model first by name
        ("aaa", "B"): (0.60, 0.70), ("zzz", "B"): (0.70, 0.60), ("mmm", "B"): (0.5, 0.5)})
    grid, data = paper_table(df)
    assert list(grid["A"]) == ["<u>80.0 ± 0.1</u>", "50.0 ± 0.0", "**80.0 ± 0.1**"]
    assert list(grid["B"]) == ["**65.0 ± 7.1**", "50.0 ± 0.0", "<u>65.0 ± 7.1</u>"]
    assert data.set_index(["model", "dataset"]).loc[("aaa", "A"), "rank"] == 2
    main = format_main_table(main_table(df))
    for dataset in ("A", "B"):
        main_bold = [m for m in ("aaa", "mmm", "zzz") if main.loc[dataset, m].startswith("**")]
        paper_bold = [m for (_, m), c in grid[dataset].items() if c.startswith("**")]
        assert main_bold == paper_bold


def test_a_model_not_runnable_anywhere_has_average_nr():
    grid, data = paper_table(_results({
        ("csp_lda", "A"): (0.6, 0.7), ("csp_lda", "B"): (0.6, 0.7),
        ("eegpt", "A"): None, ("eegpt", "B"): None,
        ("labram", "A"): None}))  # labram did not run on B at all
    assert list(grid.loc[("foundation", "eegpt")]) == ["n/r", "n/r", "n/r"]
    assert list(grid.loc[("foundation", "labram")]) == ["n/r", "—", "—"]
    average = data[data["dataset"] == "average"].set_index("model")["status"]
    assert average.to_dict() == {"csp_lda": "ok", "eegpt": "not_runnable",
                                 "labram": "incomplete"}


def test_rows_follow_families_with_each_scratch_model_after_its_twin():
    models = ["my_net_scratch", "mirepnet_scratch", "my_net", "biot_scratch", "ts_lr",
              "mirepnet", "csp_lda", "eegnet", "aaa"]
    assert row_order(models) == [
        ("classical", "csp_lda"), ("classical", "ts_lr"), ("specialist", "eegnet"),
        ("foundation", "biot_scratch"),  # its twin is absent: it keeps the twin's place
        ("foundation", "mirepnet"), ("foundation", "mirepnet_scratch"),
        ("other", "aaa"), ("other", "my_net"), ("other", "my_net_scratch")]


def test_the_families_file_agrees_with_the_registry_tags():
    from benchmark.pipelines import discover_pipelines

    for name, spec in discover_pipelines().items():
        tagged = [t for t in spec.tags if t in FAMILIES]
        assert [family_of(name)] == (tagged or [OTHER_FAMILY]), name
