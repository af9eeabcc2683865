"""The paper's main table: families, twins, average, best and second best, n/r, first in
index.html."""

import numpy as np
import pandas as pd

from benchmark.reporting import write_report
from benchmark.reporting.paper_table import FAMILIES, OTHER_FAMILY, family_of, row_order
from benchmark.results import ROW_COLUMNS

#: (model, dataset) -> the two subjects' scores; None: not runnable there.  eegnet did not
#: run on AlexMI at all.  Rows come in no particular order.
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
}


def _results() -> pd.DataFrame:
    rows = []
    for (model, dataset), scores in SCORES.items():
        for subject in (1, 2):
            rows.append({"dataset": dataset, "subject": subject, "model": model,
                         "protocol": "paper", "seed": 0, "fold": 0, "shots": np.nan,
                         "n_classes": 2, "status": "ok" if scores else "not_runnable",
                         "score": scores[subject - 1] if scores else np.nan,
                         "error": "" if scores else "NotRunnable: no weights"})
    return pd.DataFrame(rows).reindex(columns=ROW_COLUMNS)


TITLE = "# The paper's main table: Accuracy (%), mean ± std over subjects\n\n"
NOTE = ("Models grouped by family, a *_scratch model after its pretrained twin; average: the "
        "mean over datasets of a model's means ± the mean of its standard deviations, for "
        "models with a result on every dataset; per column the best in bold, the second best "
        "underlined; n/r: not runnable here; —: no result.\n\n")
# The paper's dataset order (BNCI2015001 before AlexMI), then the average.  Averages:
# csp_lda (75 + 70) / 2 = 72.5 ± (7.07 + 14.14) / 2; mirepnet (90 + 65) / 2 = 77.5;
# mirepnet_scratch (80 + 77) / 2 = 78.5 ± (0 + 4.24) / 2.
MARKDOWN = """\
| family | model | BNCI2015001 | AlexMI | average |
|---|---|---|---|---|
| classical | csp_lda | 75.0 ± 7.1 | <u>70.0 ± 14.1</u> | 72.5 ± 10.6 |
| specialist | eegnet | 60.0 ± 0.0 | — | — |
| foundation | eegpt | 55.0 ± 7.1 | n/r | — |
|  | mirepnet | **90.0 ± 7.1** | 65.0 ± 7.1 | <u>77.5 ± 7.1</u> |
|  | mirepnet_scratch | <u>80.0 ± 0.0</u> | **77.0 ± 4.2** | **78.5 ± 2.1** |
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
classical & csp\_lda & 75.0 $\pm$ 7.1 & \underline{70.0 $\pm$ 14.1} & 72.5 $\pm$ 10.6 \\
\midrule
specialist & eegnet & 60.0 $\pm$ 0.0 & -- & -- \\
\midrule
\multirow[t]{3}{*}{foundation} & eegpt & 55.0 $\pm$ 7.1 & n/r & -- \\
 & mirepnet & \textbf{90.0 $\pm$ 7.1} & 65.0 $\pm$ 7.1 & \underline{77.5 $\pm$ 7.1} \\
 & mirepnet\_scratch & \underline{80.0 $\pm$ 0.0} & \textbf{77.0 $\pm$ 4.2} & LAST
\bottomrule
\end{tabular}
\end{table}
""".replace("LAST", r"\textbf{78.5 $\pm$ 2.1} \\")  # (a line of 100 characters at most)
CSV = """\
family,model,dataset,mean_percent,std_percent,n_subjects,status,rank,mark
classical,csp_lda,BNCI2015001,75.0,7.0711,2,ok,3,
classical,csp_lda,AlexMI,70.0,14.1421,2,ok,2,second
classical,csp_lda,average,72.5,10.6066,,ok,3,
specialist,eegnet,BNCI2015001,60.0,0.0,2,ok,4,
specialist,eegnet,AlexMI,,,,missing,,
specialist,eegnet,average,,,,incomplete,,
foundation,eegpt,BNCI2015001,55.0,7.0711,2,ok,5,
foundation,eegpt,AlexMI,,,,not_runnable,,
foundation,eegpt,average,,,,incomplete,,
foundation,mirepnet,BNCI2015001,90.0,7.0711,2,ok,1,best
foundation,mirepnet,AlexMI,65.0,7.0711,2,ok,3,
foundation,mirepnet,average,77.5,7.0711,,ok,2,second
foundation,mirepnet_scratch,BNCI2015001,80.0,0.0,2,ok,2,second
foundation,mirepnet_scratch,AlexMI,77.0,4.2426,2,ok,1,best
foundation,mirepnet_scratch,average,78.5,2.1213,,ok,1,best
"""


def test_paper_table_files_and_its_place_in_index_html(tmp_path):
    report = write_report(tmp_path, _results())
    assert (report / "paper_table.md").read_text() == TITLE + NOTE + MARKDOWN
    assert (report / "paper_table.tex").read_text() == LATEX
    assert (report / "paper_table.csv").read_text() == CSV
    # the same numbers as the dataset x model table
    main = (report / "main_table.md").read_text()
    for cell in ("**90.0 ± 7.1**", "80.0 ± 0.0", "55.0 ± 7.1", "**77.0 ± 4.2**", "65.0 ± 7.1"):
        assert cell in main
    html = (report / "index.html").read_text()
    first = html.index("<table")
    assert html.rindex("<h2", 0, first) == html.index("<h2 id='the-paper-s-main-table")
    assert html.index("<table", first + 1) > html.index("Accuracy (%), mean ± std over subjects"
                                                        "</h2>")  # the old table stays, second
    table = html[first:html.index("</table>", first)]
    assert "<th rowspan=\"3\" valign=\"top\">foundation</th>" in table
    assert "<td><b>90.0 ± 7.1</b></td>" in table and "<td><u>80.0 ± 0.0</u></td>" in table


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
