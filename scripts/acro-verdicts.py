#!/usr/bin/env python3
"""ACRO's verdicts on a table, in the airlock's vocabulary, for the comparison test.

    acro-verdicts.py DATA.parquet SPEC.json RULES.json [SPEC.json RULES.json …]

Runs ACRO 1.0.1 (PyPI `acro`, suppression off) on each table a spec describes, under its
rules, and prints a JSON array with one report per pair (one process: ACRO's imports take
seconds): {"status": …, "cells": [{"row": […], "column": […], "flags": {"threshold": "fail", …}}]},
where a cell's flags are the rules ACRO's outcome names there: MinimumThresholdCheck →
threshold, NKCheck → nk, PPercentCheck → p_ratio, PresenceOfZeroCheck → zeros, MissingCheck →
missing (each "fail", or "review" when ACRO's check said review).
"""
import contextlib
import io
import json
import logging
import os
import sys

os.environ.setdefault("MPLBACKEND", "Agg")
import pandas as pd  # noqa: E402
from acro import ACRO  # noqa: E402

NAMES = {
    "MinimumThresholdCheck": "threshold",
    "NKCheck": "nk",
    "PPercentCheck": "p_ratio",
    "PresenceOfZeroCheck": "zeros",
    "MissingCheck": "missing",
    "MinimumDoFCheck": "dof",
}


def labels(key, n):
    out = [str(key)] if n == 1 else [str(k) for k in key]
    # A total is "All" at every level (pandas leaves the lower levels of a MultiIndex empty).
    return ["All"] * n if out and out[0] == "All" else out


def main():
    df = pd.read_parquet(sys.argv[1])
    pairs = sys.argv[2:]
    reports = []
    for i in range(0, len(pairs), 2):
        with open(pairs[i]) as s, open(pairs[i + 1]) as r:
            reports.append(verdicts(df, json.load(s), json.load(r)))
    print(json.dumps(reports))


def verdicts(df, spec, rules):
    with contextlib.redirect_stdout(io.StringIO()):
        session = ACRO(suppress=False)
    logging.getLogger().setLevel(logging.ERROR)
    session.sdc_checks.risk_appetite.update(
        {
            "safe_threshold": rules["threshold"],
            "safe_pratio_p": rules["p"],
            "safe_nk_n": rules["n"],
            "safe_nk_k": rules["k"],
            "safe_dof_threshold": rules["safe_dof"],
            "zeros_are_disclosive": rules["zeros_are_disclosive"],
            "check_missing_values": "missing" in rules["checks"],
        }
    )
    rows, cols = spec["rows"], spec.get("columns", [])
    index = [df[r] for r in rows]
    columns = [df[c] for c in cols]
    kw = {"margins": spec.get("margins", False)}
    if spec.get("values"):
        kw.update(values=df[spec["values"]], aggfunc=spec["aggfunc"])
    with contextlib.redirect_stdout(io.StringIO()):
        session.crosstab(index if len(index) > 1 else index[0],
                         columns if len(columns) > 1 else columns[0], **kw)
    rec = session.results.get_index(-1)
    # Which checks said review rather than fail (dominance with negative values).
    review = {NAMES.get(k, k) for k, v in rec.fair.get("check_status", {}).items() if v == "review"}
    out = []
    outcome = rec.outcome
    for r in outcome.index:
        for c in outcome.columns:
            text = outcome.loc[r, c]
            flags = {}
            for name in [t.strip() for t in text.split(";")]:
                if name and name != "ok":
                    key = NAMES.get(name, name)
                    flags[key] = "review" if key in review else "fail"
            out.append({"row": labels(r, len(rows)), "column": labels(c, len(cols)), "flags": flags})
    return {"status": rec.status, "cells": out}


if __name__ == "__main__":
    main()
